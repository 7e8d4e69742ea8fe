"""Credit reports: a PDF that renders Chinese names, a verification code that says whether the report is
genuine and still current (and what changed), on the site, the API and the command line."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select, update
from typer.testing import CliRunner
from weasyprint.urls import FatalURLFetchingError

from credence.api.app import Registry
from credence.api.reports import report_service
from credence.cli.main import app as cli_app
from credence.identity import SubjectError
from credence.reports import MalformedCode, ReportNotFound, ReportService
from credence.reports.content import canonical, differences
from credence.reports.pdf import to_pdf
from credence.reports.service import normalise_code, reports
from credence.server import create_app

from helpers import USCC_A, USCC_B, notice_all, process_for, row, write_csv

NAME_A = "北京某某食品有限公司"
SOLE_PROPRIETOR = "926501000NNHHK3C61"  # USCC prefix 92: records never public, so no report
CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


@pytest.fixture
def registry(api_settings, clock, populated) -> Iterator[Registry]:
    reg = Registry(api_settings, clock)
    yield reg
    reg.engine.dispose()


@pytest.fixture
def service_(registry: Registry) -> ReportService:
    return report_service(registry)


def pdf_text(data: bytes) -> str:
    """The text as read, with the lines of a table cell joined by spaces."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def stored_reports(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def test_a_report_is_a_pdf_with_the_chinese_name_and_verifies_genuine_and_current(
    service_: ReportService,
) -> None:
    issued = service_.issue(USCC_A)
    assert issued.pdf_bytes.startswith(b"%PDF")
    text = pdf_text(issued.pdf_bytes)
    for words in (NAME_A, USCC_A, "XZCF-2026-0001", "Food Safety Law, Art. 124", "2029-05-31", issued.code):
        assert words in text, words
    # Shared only with public bodies: counted in the grade, never named (not even in a measure's remedy).
    assert "SI-1" not in text and "SI-1" not in canonical(issued.content)
    assert any("CJK" in font for font in pdf_fonts(issued.pdf_bytes))
    assert CODE_SHAPE.match(issued.code)

    content = issued.content
    assert content["organisation"]["name"] == NAME_A and content["rating"]["grade"] == "C"
    reasons = content["rating"]["reasons"]
    assert any(line.startswith("-200 points: administrative penalty XZCF-2026-0001") for line in reasons)
    assert [r["source_record_id"] for r in content["public_records"]] == ["XZCF-2026-0001"]

    found = service_.verify(issued.code)
    assert (found.found, found.genuine, found.current, found.differences) == (True, True, True, [])
    assert found.organisation == {"identifier": USCC_A, "name": NAME_A, "key": f"uscc:{USCC_A}"}
    # As typed from paper: any case, no dashes, O for 0 and I or L for 1.
    typed = issued.code.lower().replace("-", "").replace("0", "o").replace("1", "l")
    assert service_.verify(typed).current


def test_list_entries_and_measures_in_force_are_in_the_report(service_: ReportService) -> None:
    issued = service_.issue(USCC_B)
    (entry,) = issued.content["list_entries"]
    assert (entry["list"], entry["department"], entry["ends_on"]) == ("honour", "SAMR", "2028-11-24")
    assert issued.content["eligibility"]["licensing"] == "fast_track"
    measures = {(m["domain"], m["effect"]) for m in issued.content["measures"]}
    assert ("licensing", "fast_track") in measures
    text = pdf_text(issued.pdf_bytes)
    assert "Licence applications handled on the fast track" in text and "2028-11-24" in text


def test_a_new_adverse_record_makes_the_report_no_longer_current(
    service_: ReportService, service, engine, tmp_path
) -> None:
    issued = service_.issue(USCC_A)
    late = row(9, severity="serious", decided_on="2026-10-01", legal_basis="Food Safety Law, Art. 124")
    result = service.ingest_file(write_csv(tmp_path / "late.csv", [late]), "SAMR")
    assert result.new == 1
    notice_all(engine, service)  # published only once its notice is delivered
    process_for(service).rating.rate()

    found = service_.verify(issued.code)
    assert found.genuine and not found.current
    assert "record SAMR/XZCF-2026-0009 is newly published" in found.differences
    assert any(d.startswith("score was ") for d in found.differences)
    assert "the reasons for the grade changed" in found.differences


def test_a_withdrawn_record_makes_the_report_no_longer_current(service_: ReportService, service) -> None:
    issued = service_.issue(USCC_A)
    process_for(service).withdraw("SAMR", "XZCF-2026-0001", actor="SAMR review office", reason="wrong firm")
    found = service_.verify(issued.code)
    assert found.genuine and not found.current
    assert "record SAMR/XZCF-2026-0001 is no longer published" in found.differences
    assert any(d.startswith("grade was C, now ") for d in found.differences)


def test_a_tampered_report_is_not_genuine(service_: ReportService, engine) -> None:
    issued = service_.issue(USCC_A)
    with engine.begin() as conn:
        text = conn.execute(select(reports.c.content).where(reports.c.code == issued.code)).scalar_one()
        forged = text.replace('"grade":"C"', '"grade":"A"')
        assert forged != text
        conn.execute(update(reports).where(reports.c.code == issued.code).values(content=forged))
    found = service_.verify(issued.code)
    assert found.found and not found.genuine and not found.current
    assert found.organisation is not None and found.organisation["identifier"] == USCC_A


def test_sole_proprietors_and_unknown_organisations_have_no_report(
    service_: ReportService, service, engine, client: TestClient, tmp_path
) -> None:
    mine = row("GT-1", subject_id=SOLE_PROPRIETOR, subject_name="乌鲁木齐某某便利店")
    service.ingest_file(write_csv(tmp_path / "gt.csv", [mine]), "SAMR")
    notice_all(engine, service)
    with pytest.raises(ReportNotFound, match="no organisation"):
        service_.issue(SOLE_PROPRIETOR)
    with pytest.raises(ReportNotFound):
        service_.issue("91330100799655058B")  # valid, not in the registry
    with pytest.raises(SubjectError):
        service_.issue("91110000600037341X")
    assert client.get(f"/organisations/{SOLE_PROPRIETOR}").status_code == 404  # like its profile
    assert client.post(f"/organisations/{SOLE_PROPRIETOR}/report.pdf").status_code == 404
    bad = client.post("/organisations/91110000600037341X/report.pdf")
    assert bad.status_code == 422 and "check character is X, expected L" in bad.text
    assert stored_reports(engine) == 0


def test_codes_are_read_as_typed_and_malformed_ones_say_what_is_wrong() -> None:
    assert normalise_code(" k7qf 2m9x-4d8r-tivw ") == "K7QF-2M9X-4D8R-T1VW"
    with pytest.raises(MalformedCode, match=r"character 4 of the verification code is 'U'"):
        normalise_code("K7QU-2M9X-4D8R-T1VW")
    with pytest.raises(MalformedCode, match="has 16 characters .* this has 12"):
        normalise_code("K7QF-2M9X-4D8R")
    with pytest.raises(MalformedCode):
        normalise_code("K" * 65)


def test_differences_name_each_line_that_changed() -> None:
    before = {
        "rating": {"grade": "C", "score": 800, "reasons": ["a"]},
        "list_entries": [{"entry": 3, "list": "serious_dishonesty", "ends_on": "2029-01-01"}],
        "measures": [{"code": "m", "domain": "licensing", "because": "x", "until": "2027-01-01"}],
        "eligibility": {"licensing": "restricted"},
    }
    after = {
        "rating": {"grade": "B", "score": 880, "reasons": ["a"]},
        "list_entries": [{"entry": 3, "list": "serious_dishonesty", "ends_on": "2028-01-01"}],
        "measures": [],
        "eligibility": {"licensing": "eligible"},
    }
    assert differences(before, after) == [
        "grade was C, now B",
        "score was 800, now 880",
        "serious-dishonesty list entry 3 changed: ends on",
        "eligibility in licensing was restricted, now eligible",
        "measure m in licensing (x) is lifted",
    ]


def test_the_pdf_fetches_nothing() -> None:
    with pytest.raises(FatalURLFetchingError):
        to_pdf('<img src="https://example.invalid/logo.png">')
    with pytest.raises(FatalURLFetchingError):
        to_pdf('<link rel="stylesheet" href="file:///etc/passwd">')


def test_the_site_serves_the_pdf_and_the_verify_pages(client: TestClient) -> None:
    profile = client.get(f"/organisations/{USCC_A}").text
    assert f'<form method="post" action="/organisations/{USCC_A}/report.pdf"' in profile
    assert "Credit report (PDF)" in profile
    assert 'href="/verify">Verify a report</a>' in profile
    pdf = client.post(f"/organisations/{USCC_A}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="credit-report-{USCC_A}.pdf"'
    assert pdf.content.startswith(b"%PDF") and NAME_A in pdf_text(pdf.content)
    code = pdf.headers["x-verification-code"]
    assert f"http://testserver/verify/{code}" in pdf_text(pdf.content).replace(" ", "")

    page = client.get(f"/verify/{code}")
    assert page.status_code == 200 and "Genuine and still current." in page.text
    assert NAME_A in page.text and f'href="/api/v1/reports/{code}"' in page.text
    form = client.get("/verify")
    assert form.status_code == 200 and 'name="code"' in form.text
    typed = client.get("/verify", params={"code": code.lower().replace("-", "")}, follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/verify/{code}"
    bad = client.get("/verify", params={"code": "K7QU-2M9X-4D8R-T1VW"})
    assert bad.status_code == 422 and "character 4 of the verification code" in bad.text
    missing = client.get("/verify/K7QF-2M9X-4D8R-T1VW")
    assert (
        missing.status_code == 404 and "no report with verification code K7QF-2M9X-4D8R-T1VW" in missing.text
    )


def test_the_api_verifies_a_code_in_the_one_error_shape(
    client: TestClient, service, engine, tmp_path
) -> None:
    code = client.post(f"/organisations/{USCC_A}/report.pdf").headers["x-verification-code"]
    answer = client.get(f"/api/v1/reports/{code.lower()}")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["code"], body["genuine"], body["current"], body["differences"]) == (code, True, True, [])
    assert body["organisation"]["identifier"] == USCC_A and len(body["content_sha256"]) == 64

    process_for(service).withdraw("SAMR", "XZCF-2026-0001", actor="SAMR review office", reason="wrong firm")
    changed = client.get(f"/api/v1/reports/{code}").json()
    assert changed["genuine"] and not changed["current"]
    assert "record SAMR/XZCF-2026-0001 is no longer published" in changed["differences"]

    unknown = client.get("/api/v1/reports/K7QF-2M9X-4D8R-T1VW")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    malformed = client.get("/api/v1/reports/K7QU-2M9X")
    assert malformed.status_code == 422
    error = malformed.json()["error"]
    assert error["code"] == "invalid_verification_code" and "character 4" in error["message"]
    assert set(error) == {"status", "code", "message", "details"}
    assert client.get("/api/v1/reports/" + "K" * 65).status_code == 422


def test_a_report_is_issued_by_a_post_and_no_get_stores_one(client: TestClient, engine) -> None:
    """Issue 13 §6: every GET of report.pdf stored a report. Issuing is a POST (the profile's button); a
    GET or HEAD of the address is 405 naming POST, and stores nothing."""
    for method in ("GET", "HEAD"):
        refused = client.request(method, f"/organisations/{USCC_A}/report.pdf")
        assert refused.status_code == 405 and refused.headers["allow"] == "POST", method
    assert stored_reports(engine) == 0
    first = client.post(f"/organisations/{USCC_A}/report.pdf")
    second = client.post(f"/organisations/{USCC_A}/report.pdf")
    assert first.status_code == second.status_code == 200 and first.content.startswith(b"%PDF")
    assert first.headers["x-verification-code"] != second.headers["x-verification-code"]
    assert stored_reports(engine) == 2  # one a POST
    verified = client.get(f"/verify/{first.headers['x-verification-code']}")
    assert verified.status_code == 200 and stored_reports(engine) == 2


def test_issuing_reports_has_a_rate_limit_per_address(api_settings, clock, populated, engine) -> None:
    settings = api_settings.model_copy(update={"report_rate_limit": "2/minute"})
    app = create_app(settings, clock)
    with (
        TestClient(app, client=("10.0.0.5", 1)) as first,
        TestClient(app, client=("10.0.0.6", 1)) as second,
    ):
        for _ in range(2):
            assert first.post(f"/organisations/{USCC_B}/report.pdf").status_code == 200
        refused = first.post(f"/organisations/{USCC_B}/report.pdf")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "at most 2 credit reports a minute are issued from this address" in refused.text
        assert "CREDENCE_REPORT_RATE_LIMIT" in refused.text
        assert second.post(f"/organisations/{USCC_B}/report.pdf").status_code == 200
    assert stored_reports(engine) == 3


def test_the_command_line_issues_and_verifies(populated, store_url, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"CREDENCE_DATABASE_URL": store_url}

    issued = runner.invoke(cli_app, ["report", USCC_A, "--out", "a.pdf"], env=env)
    assert issued.exit_code == 0, issued.output
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF") and NAME_A in issued.stdout
    (code,) = re.findall(r"verification code: (\S+)", issued.stdout)
    verified = runner.invoke(cli_app, ["report", "verify", code], env=env)
    assert verified.exit_code == 0 and "genuine and still current" in verified.stdout
    same = runner.invoke(cli_app, ["report", "issue", USCC_B, "-o", "b.pdf"], env=env)
    assert same.exit_code == 0 and (tmp_path / "b.pdf").exists()

    unknown = runner.invoke(cli_app, ["report", "verify", "K7QF-2M9X-4D8R-T1VW"], env=env)
    assert unknown.exit_code == 1 and "no report with verification code" in unknown.stdout
    malformed = runner.invoke(cli_app, ["report", "verify", "K7QU"], env=env)
    assert malformed.exit_code == 2 and "character 4" in malformed.output
    nobody = runner.invoke(cli_app, ["report", "91330100799655058B", "--out", "c.pdf"], env=env)
    assert nobody.exit_code == 1 and not (tmp_path / "c.pdf").exists()
