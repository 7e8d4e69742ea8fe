"""The public pages in Chinese when the browser asks for it (Accept-Language: zh-CN) or the switch says so,
and English, as before, when nothing asks: the catalog, the rating policy, how ratings work, a record,
the departments' figures, /verify, the page that refuses and the operator's consumers. The messages the
pages show from the API layer (no organisation, a bad check character, a person's number refused) follow
the request's language too, in HTML and in JSON, with their codes unchanged and never repeating what a
person typed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from credence.identity.uscc import build_uscc
from credence.server import create_app

from helpers import USCC_A

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
CJK = re.compile(r"[\u4e00-\u9fff]")
PERSON = "11010519491231002X"  # a resident identity number (a valid one): refused, never repeated


def assert_chinese(html: str, *english: str, rows: bool = True) -> None:
    """The page is in Chinese: its headings (and row headers, unless they are names) have Chinese in
    them, and none of its English headings is left."""
    assert '<html lang="zh-CN">' in html
    main = html.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    heads = [h for _t, h in re.findall(r"<(h1|h2|h3)[^>]*>(.*?)</\1>", main, re.S)]
    heads += re.findall(r'<th scope="col(?:group)?"[^>]*>(.*?)</th>', main, re.S)
    if rows:
        heads += re.findall(r'<th scope="row"[^>]*>(.*?)</th>', main, re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", "", h).split()) for h in heads]
    assert texts, "the page has headings"
    untranslated = [t for t in texts if not CJK.search(t)]
    assert not untranslated, f"headings without Chinese: {untranslated}"
    for words in english:
        assert words not in main, words


def test_the_catalog_in_chinese_shows_the_chinese_titles(client: TestClient) -> None:
    page = client.get("/catalog", headers=ZH).text
    assert_chinese(page, "Records may rest on", "Visible to", "Published (days)")
    assert "<h1>公共信用信息目录</h1>" in page and '<th scope="col">法律依据</th>' in page
    assert '<strong lang="zh">行政处罚</strong>' in page  # the catalog's own Chinese title, first
    assert "每条记录在存储前都经过审查" in page and 'id="screening"' in page
    english = client.get("/catalog").text
    assert '<html lang="en">' in english and '<th scope="col">Legal basis</th>' in english
    assert "<strong>Administrative penalty</strong>" in english and 'id="screening"' in english
    # The screening note is in the page, not in its title.
    assert "<title>Catalog · Credence</title>" in english and "<title>目录 · Credence</title>" in page


def test_the_policy_and_how_ratings_work_in_chinese(client: TestClient) -> None:
    policy = client.get("/policy", headers=ZH).text
    assert_chinese(policy, "From score", "Grade at most")
    assert "<h2>信用等级</h2>" in policy and "<h2>规则</h2>" in policy and 'id="original-language"' in policy
    assert "严重 -200" in policy  # a severity, read out
    how = client.get("/how-ratings-work", headers=ZH).text
    assert_chinese(how, "starts at", "pending decision counts")
    assert "每个主体的起始分为 1000 分。" in how and "按其分值的 50% 计" in how
    assert "信用等级最高为 D 级" in how and "0 至 365 天按 100% 计" in how
    english = client.get("/how-ratings-work").text
    assert "starts at 1000 points" in english and "100% from 0 to 365 days old" in english
    assert 'id="original-language"' not in client.get("/policy").text


def test_a_record_in_chinese(client: TestClient) -> None:
    page = client.get("/records/SAMR/XZCF-2026-0001", headers=ZH).text
    assert_chinese(page, "Decided by", "Legal basis", "Provenance")
    assert "<h1>行政处罚 XZCF-2026-0001</h1>" in page
    assert "国家市场监督管理总局 (SAMR)" in page and "自 2026年6月1日 至 2029年5月31日" in page
    assert "samr.csv，第 2 行" in page and "<td>严重</td>" in page
    english = client.get("/records/SAMR/XZCF-2026-0001").text
    assert (
        "from 1 Jun 2026 until 31 May 2029" in english
        and "State Administration for Market Regulation (SAMR)" in english
    )
    missing = client.get("/records/SAMR/NO-SUCH", headers=ZH)
    assert missing.status_code == 404 and "该部门没有此编号的公示记录" in missing.text


def test_the_departments_figures_in_chinese(client: TestClient) -> None:
    page = client.get("/departments", headers=ZH).text
    assert_chinese(page, "Records published", "Answered in time", "How the figures are computed", rows=False)
    assert "<h1>各部门的决定情况</h1>" in page and "统计口径" in page
    assert '<span lang="zh">国家市场监督管理总局</span>' in page
    assert re.search(r"截至 \d{4}年\d{1,2}月\d{1,2}日。", page)
    assert "部门应在异议提出之日起 30 日内答复" in page


def test_verify_in_chinese_and_a_malformed_code_explained_in_chinese(client: TestClient) -> None:
    form = client.get("/verify", headers=ZH).text
    assert_chinese(form, "Verify a credit report", "Verification code, as printed")
    assert "<h1>验证信用报告</h1>" in form and ">验证</button>" in form
    bad = client.get("/verify", params={"code": "K7QU-2M9X-4D8R-T1VW"}, headers=ZH)
    assert bad.status_code == 422 and "验证码的第 4 个字符是" in bad.text
    missing = client.get("/verify/K7QF-2M9X-4D8R-T1VW", headers=ZH)
    assert missing.status_code == 404 and "没有验证码为 K7QF-2M9X-4D8R-T1VW 的信用报告" in missing.text

    code = client.post(f"/organisations/{USCC_A}/report.pdf").headers["x-verification-code"]
    page = client.get(f"/verify/{code}", headers=ZH).text
    assert_chinese(page, "Genuine and still current", "Issued at")
    assert "真实，且仍为最新。" in page and "<h2>验证另一份报告</h2>" in page


def test_the_operator_page_and_the_refusal_in_chinese(client: TestClient, api_settings, clock) -> None:
    assert client.post("/api/v1/changes/ack", json={"consumer": "mirror", "index": 0}).status_code == 200
    page = client.get("/operator/consumers", headers=ZH).text
    assert_chinese(page, "Behind the log", "Acknowledged index", rows=False)
    assert "<h1>变更订阅方</h1>" in page and '日志共有 <strong id="log-size">' in page
    english = client.get("/operator/consumers").text
    assert re.search(r'The log holds <strong id="log-size">[\d,]+</strong> entr', english)

    closed = api_settings.model_copy(update={"demo_mode": False})
    with TestClient(create_app(closed, clock), client=("10.0.0.9", 5)) as outside:
        refused = outside.get("/operator/consumers", headers=ZH)
        assert refused.status_code == 401 and "<h1>请先登录</h1>" in refused.text
        assert "此页面不公开：GET /operator/consumers 需要令牌或登录。" in refused.text
        english = outside.get("/operator/consumers")
        assert "<h1>Sign in first</h1>" in english.text and "needs a token or a sign-in" in english.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_apis_messages_follow_the_language_with_their_codes_and_never_echo_a_person(
    client: TestClient, lang: str
) -> None:
    headers = ZH if lang == "zh" else {}
    unknown = client.get("/api/v1/organisations/91330100799655058B", headers=headers)
    error = unknown.json()["error"]
    assert unknown.status_code == 404 and error["code"] == "not_found"
    assert (
        error["message"]
        == {
            "zh": "本平台没有主体 uscc:91330100799655058B",
            "en": "no organisation uscc:91330100799655058B in the registry",
        }[lang]
    )
    assert unknown.headers["content-language"] == {"zh": "zh-CN", "en": "en"}[lang]

    typo = client.get("/api/v1/organisations/91110000600037341X", headers=headers).json()["error"]
    assert typo["code"] == "invalid_identifier"
    assert {"zh": "校验码为 X，应为 L", "en": "check character is X, expected L"}[lang] in typo["message"]

    for path in (
        f"/api/v1/organisations/{PERSON}",
        f"/organisations/{PERSON}",
        f"/organisations/{PERSON[:6]} {PERSON[6:]}",
    ):
        person = client.get(path, headers=headers)
        assert person.status_code == 422, path
        assert PERSON not in person.text and PERSON[:14] not in person.text and PERSON[-8:] not in person.text
        assert {"zh": "本平台只记录组织", "en": "only organisations can be recorded"}[
            lang
        ] in person.text or {
            "zh": "本平台不记录自然人",
            "en": "natural persons are not recorded",
        }[lang] in person.text
        if path.startswith("/api/"):
            assert person.json()["error"]["code"] == "natural_person"

    key = client.get("/api/v1/organisations/unresolved:nothex", headers=headers).json()["error"]
    assert key["code"] == "invalid_key" and "nothex" not in key["message"]
    assert {"zh": "这不是主体键", "en": "this is not a key"}[lang] in key["message"]


def test_the_refusal_of_a_religious_body_is_in_the_language_and_names_no_code(client: TestClient) -> None:
    code = build_uscc("71", "110000", "60003734")
    for headers, words in (
        (ZH, "宗教团体"),
        ({}, "religious bodies (USCC prefixes 71, 72, 79) are out of scope"),
    ):
        answer = client.get(f"/api/v1/organisations/{code}", headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_identifier"
        assert words in answer.json()["error"]["message"] and code not in answer.text


def test_the_policy_reads_in_chinese_with_the_published_text_beside(client: TestClient) -> None:
    policy = client.get("/policy", headers=ZH).text
    assert "<h1>Credence 默认评级政策</h1>" in policy and "以英文文本为准" in policy
    assert "依其自身法律依据列入严重失信主体名单；公示期间等级为 D。" in policy  # a rule's meaning
    assert "无有分量的不利记录在公示。" in policy  # grade A's
    assert 'id="published-text"' in policy and "Every organisation starts at 1,000 points." in policy
    english = client.get("/policy").text
    assert "<h1>Credence default rating policy</h1>" in english and "公示期间" not in english
    assert "No adverse record of weight is published." in english
