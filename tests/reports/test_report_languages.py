"""A credit report in Chinese or English: issued in the language of the request (the site's switch or the
browser's Accept-Language) or of the work at hand (the command line's), with its titles, headings, labels
and explanations in that language, and verifiable in either: the content records the language it was
written in, today's content is built in that language to say whether the report is still current, and the
verification code owes nothing to the language."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select, update

from credence import i18n
from credence.api.app import Registry
from credence.api.reports import report_service
from credence.reports import ReportService
from credence.reports.content import canonical
from credence.reports.service import fingerprint, reports

from helpers import USCC_A, USCC_B, process_for

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
ZH_HEADINGS = ("信用报告", "等级", "主要原因", "公示记录", "有效的名单信息", "有效的措施", "验证码")
EN_HEADINGS = (
    "Credit report",
    "Principal reasons",
    "Public records",
    "List entries in force",
    "Measures in force",
)


@pytest.fixture
def registry(api_settings, clock, populated) -> Iterator[Registry]:
    reg = Registry(api_settings, clock)
    yield reg
    reg.engine.dispose()


@pytest.fixture
def service_(registry: Registry) -> ReportService:
    return report_service(registry)


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_a_report_asked_for_in_chinese_has_chinese_headings_and_verifies(client: TestClient) -> None:
    issued = client.post(f"/organisations/{USCC_A}/report.pdf", headers=ZH)
    assert issued.status_code == 200 and issued.content.startswith(b"%PDF")
    text = pdf_text(issued.content)
    for words in (
        *ZH_HEADINGS,
        "北京某某食品有限公司",
        USCC_A,
        "行政处罚",
        "严重",
        "XZCF-2026-0001",
        "2029-05-31",
    ):
        assert words in text, words
    for words in (
        "Principal reasons",
        "Public records",
        "Measures in force",
        "Verification code",
        "Legal basis",
    ):
        assert words not in text, words
    code = issued.headers["x-verification-code"]
    assert f"http://testserver/verify/{code}" in text.replace(" ", "")

    # Verified in either language: genuine and current, the language named on the page.
    english = client.get(f"/verify/{code}")
    assert english.status_code == 200 and "Genuine and still current." in english.text
    assert '<th scope="row">Language of the report</th><td>中文</td>' in english.text
    chinese = client.get(f"/verify/{code}", headers=ZH)
    assert "真实，且仍为最新。" in chinese.text and "<td>中文</td>" in chinese.text
    answer = client.get(f"/api/v1/reports/{code}").json()
    assert (answer["genuine"], answer["current"], answer["differences"]) == (True, True, [])


def test_the_same_report_in_english_is_unchanged(client: TestClient) -> None:
    issued = client.post(f"/organisations/{USCC_A}/report.pdf")
    text = pdf_text(issued.content)
    for words in EN_HEADINGS:
        assert words in text, words
    assert "主要原因" not in text and "Verification code" in text
    page = client.get(f"/verify/{issued.headers['x-verification-code']}", headers=ZH)
    assert "真实，且仍为最新。" in page.text and "<td>English</td>" in page.text


def test_the_content_records_its_language_and_the_fingerprint_covers_it(service_: ReportService) -> None:
    with i18n.language("zh"):  # as the command line does in a Chinese locale
        chinese = service_.issue(USCC_A)
    english = service_.issue(USCC_A)
    assert chinese.content["language"] == "zh" and english.content["language"] == "en"
    assert chinese.content["public_records"][0]["category_title"] == "行政处罚"
    assert english.content["public_records"][0]["category_title"] == "Administrative penalty"
    for issued in (chinese, english):
        assert fingerprint(canonical(issued.content)) == service_.verify(issued.code).content_sha256
        found = service_.verify(issued.code)  # verified in English, whatever the report's language
        assert (found.genuine, found.current, found.language) == (True, True, issued.content["language"])
    assert "主要原因" in pdf_text(chinese.pdf_bytes) and "Principal reasons" in pdf_text(english.pdf_bytes)
    # The same organisation on the same day: what differs is the language, and the codes are random.
    assert chinese.code != english.code
    assert {k for k in chinese.content if chinese.content[k] != english.content[k]} <= {
        "language", "public_records", "rating", "code", "issued_at", "measures", "list_entries"
    }  # fmt: skip


def test_a_report_from_before_languages_still_verifies(service_: ReportService, engine) -> None:
    """A report stored before reports had a language (English, no "language" field) is compared with
    today's English content without one: still current."""
    issued = service_.issue(USCC_B)
    old = {k: v for k, v in issued.content.items() if k != "language"}
    text = canonical(old)
    with engine.begin() as conn:
        conn.execute(
            update(reports)
            .where(reports.c.code == issued.code)
            .values(content=text, content_sha256=hashlib.sha256(text.encode()).hexdigest())
        )
    found = service_.verify(issued.code)
    assert (found.genuine, found.current, found.language) == (True, True, "en")


def test_what_changed_is_told_in_the_readers_language(client: TestClient, service) -> None:
    code = client.post(f"/organisations/{USCC_A}/report.pdf", headers=ZH).headers["x-verification-code"]
    process_for(service).withdraw("SAMR", "XZCF-2026-0001", actor="SAMR review office", reason="wrong firm")
    chinese = client.get(f"/verify/{code}", headers=ZH).text
    assert "真实，但此后已有变化。" in chinese and "记录 SAMR/XZCF-2026-0001 已不再公示" in chinese
    english = client.get(f"/api/v1/reports/{code}").json()
    assert english["genuine"] and not english["current"]
    assert "record SAMR/XZCF-2026-0001 is no longer published" in english["differences"]


def test_a_tampered_chinese_report_is_not_genuine(service_: ReportService, engine) -> None:
    with i18n.language("zh"):
        issued = service_.issue(USCC_A)
    with engine.begin() as conn:
        stored = json.loads(
            conn.execute(select(reports.c.content).where(reports.c.code == issued.code)).scalar_one()
        )
        stored["language"] = "en"  # the language is part of what the fingerprint covers
        conn.execute(update(reports).where(reports.c.code == issued.code).values(content=canonical(stored)))
    found = service_.verify(issued.code)
    assert found.found and not found.genuine and not found.current


def test_the_command_line_issues_in_the_language_of_its_environment(
    populated, store_url, tmp_path, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from credence.cli.main import app as cli_app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"CREDENCE_DATABASE_URL": store_url, "CREDENCE_LANG": "", "LANG": "zh_CN.UTF-8"}
    issued = runner.invoke(cli_app, ["report", USCC_A, "--out", "zh.pdf"], env=env)
    assert issued.exit_code == 0, issued.output
    text = pdf_text((tmp_path / "zh.pdf").read_bytes())
    assert "主要原因" in text and "公示记录" in text and "Principal reasons" not in text
    english = runner.invoke(cli_app, ["report", USCC_A, "--out", "en.pdf"], env={**env, "LANG": "C.UTF-8"})
    assert english.exit_code == 0 and "Principal reasons" in pdf_text((tmp_path / "en.pdf").read_bytes())
