"""The API's own refusals in the reader's language (issue 16): the same status and code in Chinese and
English, the message in the language the request asks for (Accept-Language), and the English as it was.
The refusals of access control, of the log's routers, of the HTTP conventions and of a NUL character are
here; the account and token refusals, which the command line shows, follow the language at hand."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credence import i18n
from credence.access import accounts, tokens
from credence.access.principal import PURPOSES, Role
from credence.server import create_app
from credence.store.models import LogEntry

from helpers import USCC_A

RECORDS = f"/api/v1/organisations/{USCC_A}/records"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def refusal(response: Any, status: int, code: str) -> tuple[str, list[dict[str, Any]]]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    return error["message"], error["details"]


def both(client: TestClient, method: str, url: str, status: int, code: str, **kw: Any) -> tuple[str, str]:
    """The refusal's message in English (no preference) and in Chinese, with the same status and code."""
    headers = kw.pop("headers", {})
    english, _ = refusal(client.request(method, url, headers=headers, **kw), status, code)
    chinese, _ = refusal(client.request(method, url, headers={**headers, **ZH}, **kw), status, code)
    return english, chinese


def test_reading_for_a_purpose_is_refused_in_the_readers_language(secured: TestClient, credentials) -> None:
    english, chinese = both(secured, "GET", RECORDS, 401, "unauthenticated", params={"purpose": "audit"})
    assert english == "purpose: reading for a purpose needs a department's token"
    assert chinese == "purpose：按用途查询须持部门的令牌"

    operator = credentials[Role.OPERATOR].bearer
    english, chinese = both(
        secured, "GET", RECORDS, 403, "forbidden", params={"purpose": "audit"}, headers=operator
    )
    assert english == "purpose: only a department reads shared records for a purpose, not operator"
    assert chinese == "purpose：只有部门才能按用途查询共享记录，operator 不能"

    samr = credentials[Role.DEPARTMENT].bearer
    english, chinese = both(
        secured, "GET", RECORDS, 422, "unknown_purpose", params={"purpose": "curiosity"}, headers=samr
    )
    purposes = ", ".join(PURPOSES)
    assert english == f"purpose: 'curiosity' is not a purpose; one of {purposes}"
    assert chinese == f"purpose：“curiosity”不是规定的查询用途；可选用途为 {purposes}"  # codes as they are


def test_a_department_acting_as_someone_else_is_refused_in_chinese(secured: TestClient, credentials) -> None:
    body = {
        "department": "SAMR",
        "left": f"uscc:{USCC_A}",
        "right": f"uscc:{USCC_A}",
        "judgement": "same",
        "actor": "MOHRSS clerk Wang",
        "reason": "The same registered address.",
    }
    samr = credentials[Role.DEPARTMENT].bearer
    english, chinese = both(secured, "POST", "/api/v1/links", 403, "not_yours", json=body, headers=samr)
    assert english == "actor: you act for SAMR; begin with it, as in 'SAMR clerk'"
    assert chinese == "actor：您代表 SAMR，请以其开头，例如“SAMR clerk”"
    assert "MOHRSS" not in chinese  # what was typed is not repeated, in either language


def test_the_logs_refusals_in_chinese(secured: TestClient, engine) -> None:
    with engine.connect() as conn:
        size = conn.execute(select(func.count()).select_from(LogEntry)).scalar_one()
    assert size > 1
    english, chinese = both(secured, "GET", "/api/v1/log/entries/999999", 404, "not_found")
    assert english == f"index: the log has no entry 999999; it has {size} entries, 0 to {size - 1}"
    assert chinese == f"index：日志中没有第 999999 条；日志共有 {size} 条，编号 0 至 {size - 1}"

    proof = "/api/v1/log/proofs/consistency"
    english, chinese = both(secured, "GET", proof, 422, "invalid_size", params={"first": 2, "second": 1})
    assert english == "first: 2 is larger than second (1)"
    assert chinese == "first：2 大于 second（1）"


def test_the_http_conventions_and_a_nul_character_in_chinese(secured: TestClient) -> None:
    english, chinese = both(secured, "DELETE", "/api/v1/health", 405, "method_not_allowed")
    assert english == "DELETE is not allowed on /api/v1/health: use GET or HEAD"
    assert chinese == "/api/v1/health 不允许 DELETE：请使用 GET 或 HEAD"

    url = "/api/v1/organisations?q=ab%00c"
    english, _ = refusal(secured.get(url), 400, "invalid_character")
    chinese, details = refusal(secured.get(url, headers=ZH), 400, "invalid_character")
    assert english == "query parameter q: a NUL character (U+0000) at 3; no text in the registry has one"
    assert chinese == "查询参数 q的第 3 个字符是 NUL 字符（U+0000）；本平台的文本均不含此字符"
    assert details == [{"where": "query parameter q", "message": "NUL character at 3"}]  # for programs

    page = secured.get("/search?q=ab%00c", headers=ZH)  # a page outside /api/: the site's, in Chinese
    assert page.status_code == 400 and '<html lang="zh-CN">' in page.text
    assert "<title>请求未被受理 · Credence</title>" in page.text and "NUL 字符" in page.text


def test_a_bad_token_the_navigation_and_an_unknown_token_are_in_chinese(secured: TestClient) -> None:
    bad = {"Authorization": "Bearer cred_not-a-token"}
    english, chinese = both(secured, "GET", "/api/v1/health", 401, "invalid_token", headers=bad)
    assert english == "the token is unknown, revoked or expired" and chinese != english

    assert ">Sign in</a>" in secured.get("/catalog").text
    assert ">登录</a>" in secured.get("/catalog", headers=ZH).text


def test_token_and_account_refusals_follow_the_language_at_hand(engine, clock) -> None:
    def refused(**kw: Any) -> str:
        with engine.begin() as conn, pytest.raises(ValueError) as exc:
            tokens.create_token(conn, name="mailer", now=clock.now(), **kw)
        return str(exc.value)

    assert refused(role=Role.OPERATOR, days=0) == "days: 0 is not between 1 and 3650; every token expires"
    with i18n.language("zh"):
        assert refused(role=Role.OPERATOR, days=0) == "days：0 不在 1 至 3650 之间；每个令牌都有有效期"
        assert refused(role="clerk", days=1).startswith("role：“clerk”不是角色；可选角色为 organisation")
        short = "password：密码至少需 12 个字符（现为 5 个）"
        with engine.begin() as conn, pytest.raises(ValueError, match=short):
            accounts.add_account(conn, username="wang", password="short", role=Role.OPERATOR, now=clock.now())


def test_the_cost_limit_on_bidders_says_itself_in_chinese(secured_settings, clock, populated) -> None:
    limited = secured_settings.model_copy(update={"check_rows_per_request": 2, "check_rows_rate": "5/minute"})
    app = create_app(limited, clock)

    def check(client: TestClient, rows: int, headers: dict[str, str] | None = None) -> Any:
        return client.post(
            "/api/v1/checks",
            params={"domain": "public_procurement"},
            content="subject_id\n" + f"{USCC_A}\n" * rows,
            headers={"content-type": "text/csv", **(headers or {})},
        )

    with TestClient(app, client=("10.0.0.9", 1)) as client:
        english, _ = refusal(check(client, 3), 413, "too_many_bidders")
        assert english == (
            "the file holds 3 bidders: at most 2 a file from this address (CREDENCE_CHECK_ROWS_PER_REQUEST); "
            "with a token or a sign-in, 20,000. Split the file."
        )
        chinese, details = refusal(check(client, 3, ZH), 413, "too_many_bidders")
        assert chinese == (
            "文件含 3 家投标人：每个文件至多 2 家（按此地址计）（CREDENCE_CHECK_ROWS_PER_REQUEST）；"
            "持令牌或登录后为 20,000 家。请拆分文件。"
        )
        assert details[0]["setting"] == "CREDENCE_CHECK_ROWS_PER_REQUEST"
        for _ in range(2):
            assert check(client, 2).status_code == 200
        chinese, _ = refusal(check(client, 2, ZH), 429, "bidders_per_minute")
        assert chinese.startswith(
            "核查上限为每分钟 5 家投标人（按此地址计）（CREDENCE_CHECK_ROWS_RATE）；此文件含 2 家"
        )
        english, _ = refusal(check(client, 2), 429, "bidders_per_minute")
        assert english.startswith(
            "at most 5 bidders a minute checked from this address (CREDENCE_CHECK_ROWS_RATE)"
        )


def test_a_body_that_cannot_be_read_is_refused_in_chinese(secured: TestClient, credentials) -> None:
    samr = {**credentials[Role.DEPARTMENT].bearer, "content-type": "application/json"}
    english, chinese = both(
        secured, "POST", "/api/v1/links", 400, "invalid_json", content=b'{"a": }', headers=samr
    )
    assert english == "the body is not valid JSON: Expecting value at line 1, column 7 (character 7)"
    assert chinese == "请求体不是有效的 JSON：第 1 行第 7 列（第 7 个字符）处出错：Expecting value"

    body = {
        "department": "SAMR",
        "left": f"uscc:{USCC_A}",
        "right": f"uscc:{USCC_A}",
        "judgement": "same",
        "actor": "SAMR clerk Li",
        "reason": "ab\x01c",
    }
    english, chinese = both(secured, "POST", "/api/v1/links", 422, "invalid_request", json=body, headers=samr)
    assert "reason contains a control character at character 3" in english
    assert "reason 的第 3 个字符是控制字符" in chinese
