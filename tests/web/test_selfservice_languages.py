"""The self-service pages in Chinese and English: a browser that asks for Chinese reads the organisation's
file, its record, the sign-in and a department's inbox in Chinese, with dates and counts for reading, and
the forms' refusals name the field in both languages; English is unchanged without a preference."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from helpers import USCC_A

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
RECORD = "/me/records/SAMR/XZCF-2026-0001"


def token(page: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, headers: dict[str, str] | None = None, **fields: str) -> Any:
    form = client.get("/sign-in", headers=headers)
    return client.post("/sign-in", data={"csrf": token(form), **fields}, headers=headers)


def test_the_organisations_own_pages_read_in_chinese(client: TestClient) -> None:
    signin = client.get("/sign-in", headers=ZH)
    assert '<html lang="zh-CN">' in signin.text and "<h1>登录（演示）</h1>" in signin.text
    assert "以单位身份" in signin.text and "统一社会信用代码或 LEI" in signin.text
    own = sign_in(client, ZH, kind="organisation", organisation=USCC_A)
    assert own.status_code == 200 and own.headers["content-language"] == "zh-CN"
    assert "已通过演示登录以 北京某某食品有限公司" in own.text  # the flash
    assert "本单位档案：北京某某食品有限公司" in own.text and "贵单位的信用等级" in own.text
    assert "提出异议和申请信用修复均不收取任何费用" in own.text
    assert '<td class="state">公示中</td>' in own.text and "<td>所有人</td>" in own.text
    assert "2026年6月1日" in own.text and "2026-06-01" not in own.text.split('id="records"')[1][:3000]
    assert "Your file" not in own.text and "Who sees it" not in own.text

    record = client.get(RECORD, headers=ZH)
    assert 'id="state">公示中<' in record.text and "<h2>提出异议</h2>" in record.text
    assert "记录内容有误" in record.text and "申请信用修复" in record.text
    filed = client.post(
        f"{RECORD}/objection",
        data={"csrf": token(record), "ground": "content", "statement": "严重程度有误。"},
        headers=ZH,
    )
    assert "异议 1 已提交，不收取任何费用。SAMR 须在 2026年12月25日 前答复" in filed.text
    refused = client.post(
        f"{RECORD}/repair",
        data={"csrf": token(filed), "evidence": "a\x01b", "commitment": "守信"},
        headers=ZH,
    )
    assert refused.status_code == 422 and "evidence 第 2 个字符是控制字符" in refused.text
    assert "未作任何更改。" in refused.text

    english = client.get(RECORD)
    assert '<html lang="en">' in english.text and 'id="state">under objection<' in english.text
    assert "Your objection 1 is open: SAMR must answer by 25 Dec 2026 (30 days left)." in english.text


def test_a_departments_inbox_reads_in_chinese(client: TestClient) -> None:
    sign_in(client, kind="organisation", organisation=USCC_A)
    page = client.get(RECORD)
    client.post(f"{RECORD}/objection", data={"csrf": token(page), "ground": "period", "statement": "x"})
    inbox = sign_in(client, ZH, kind="department", department="SAMR")
    assert "State Administration for Market Regulation" in inbox.text  # the department's own name
    assert "的待办</h1>" in inbox.text and "剩余 30 天" in inbox.text and "异议 1" in inbox.text
    objection = client.get("/inbox/objections/1", headers=ZH)
    assert "理由为<strong>公示期限有误</strong>" in objection.text and "发送答复" in objection.text
    wrong = client.post(
        "/inbox/repairs/999/decision", data={"csrf": token(objection), "outcome": "x"}, headers=ZH
    )
    assert wrong.status_code == 404 and "没有发给您的信用修复申请 999" in wrong.text
    english = client.get("/inbox")
    assert "30 days left" in english.text and "Objection 1" in english.text
