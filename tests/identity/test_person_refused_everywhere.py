"""A resident identity number is refused as a natural person on every path that takes an organisation's
code from someone (ingest, API submission, search, profile, checks, bidders files, reports, identify,
tokens, sign-in, sources), and no answer repeats it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credence.access.subjects import check_subject
from credence.api.app import Registry
from credence.api.reports import report_service
from credence.checks.bidders import read_bidders
from credence.checks.service import write_rows
from credence.cli.main import app as cli_app
from credence.identity import SubjectRefused
from credence.records.readers import RawRow
from credence.server import create_app
from credence.sources import RowMapper, load_dataset

from helpers import (
    USCC_A,
    assert_error,
    checks_for,
    collect,
    counts,
    row,
    stored_ids,
    write_csv,
    write_ndjson,
)

WELL_FORMED = "220102196608044172"  # refused by stdnum.cn.ric: its county code is younger than its holder
MISTYPED = "31011519550312009J"  # the check character the old USCC message suggested; was a law firm
OLD = "110105491231002"  # the 15-digit form
PEOPLE = [WELL_FORMED, MISTYPED, "310115195503120094", "11010519491231002X", OLD]


def digits_of(number: str) -> list[str]:
    """Pieces of the number that must not appear in an answer (its head and its tail)."""
    return [number[:12], number[-6:]]


def assert_not_echoed(number: str, text: str) -> None:
    for piece in digits_of(number):
        assert piece not in text, f"{piece} of {number} is repeated in: {text[:300]}"


def stored(engine) -> dict[str, int]:
    """What the store holds, but the ingest batch itself (a refused row is still an attempt on file)."""
    return {table: n for table, n in counts(engine).items() if table != "ingest_batches"}


@pytest.fixture
def client(api_settings, clock, engine) -> Iterator[TestClient]:
    """The API and pages on an empty store: a person's number is refused before anything is looked up."""
    with TestClient(create_app(api_settings, clock), client=("127.0.0.1", 50000)) as c:
        yield c


# --- ingest -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_ingest_rejects_resident_ids_and_leaves_the_store_unchanged(
    service, engine, tmp_path: Path, fmt: str
) -> None:
    before = stored(engine)
    rows = [row(i, subject_id=number) for i, number in enumerate(PEOPLE, start=1)]
    rows.append(row(len(rows) + 1, subject_id="１１０１０５１９４９１２３１００２Ｘ"))  # full-width
    path = (write_csv if fmt == "csv" else write_ndjson)(tmp_path / f"people.{fmt}", rows)
    result, rejections = collect(service, path)
    assert result.new == 0 and result.rejected == len(rows)
    assert {(r.field, r.reason) for r in rejections} == {("subject_id", "natural_person")}
    assert sorted(r.source_record_id for r in rejections) == sorted(r["source_record_id"] for r in rows)
    for number in PEOPLE:
        assert_not_echoed(number, json.dumps([r.to_json() for r in rejections], ensure_ascii=False))
    assert stored(engine) == before
    assert stored_ids(engine) == set()


def test_a_resident_id_beside_good_rows_is_the_only_one_rejected(service, engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", [row(1), row(2, subject_id=MISTYPED), row(3)])
    result, rejections = collect(service, path)
    assert [(r.line, r.reason) for r in rejections] == [(3, "natural_person")]
    assert stored_ids(engine) == {"XZCF-2026-0001", "XZCF-2026-0003"}


# --- the API ------------------------------------------------------------------------------------------------


def test_api_submission_rejects_resident_ids(client: TestClient, engine) -> None:
    before = stored(engine)
    rows = [row(20 + i, subject_id=number) for i, number in enumerate(PEOPLE)]
    response = client.post("/api/v1/records", params={"department": "SAMR"}, json=rows)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["new"] == 0 and body["rejected"] == len(PEOPLE)
    assert {r["reason"] for r in body["rejections"]} == {"natural_person"}
    for number in PEOPLE:
        assert_not_echoed(number, json.dumps(body["rejections"], ensure_ascii=False))
    assert stored(engine) == before


@pytest.mark.parametrize("number", PEOPLE)
def test_api_search_profile_and_check_refuse_resident_ids(client: TestClient, number: str) -> None:
    answers = [
        client.get("/api/v1/organisations", params={"q": number}),
        client.get("/api/v1/organisations", params={"q": f"张三 {number}"}),
        client.get(f"/api/v1/organisations/{number}"),
        client.get(f"/api/v1/organisations/{number}/records"),
        client.get("/api/v1/checks", params={"subject": number, "domain": "public_procurement"}),
    ]
    for answer in answers:
        assert_error(answer, 422, "natural_person", "natural persons are not")
        assert_not_echoed(number, answer.text)


def test_api_bidders_file_refuses_resident_ids_on_their_line(client: TestClient) -> None:
    bidders = "subject_id,name\n" + "".join(f"{n},x\n" for n in PEOPLE) + f"{USCC_A},A\n"
    answer = client.post(
        "/api/v1/checks",
        params={"domain": "public_procurement"},
        content=bidders.encode(),
        headers={"content-type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    lines = answer.text.splitlines()
    assert len(lines) == len(PEOPLE) + 2
    for line in lines[1:-1]:
        assert line.startswith(f"{lines.index(line) + 1},,"), line  # the subject_id is not repeated
        assert "natural persons are not" in line
    assert lines[-1].startswith(f"{len(PEOPLE) + 2},{USCC_A},")
    for number in PEOPLE:
        assert_not_echoed(number, answer.text)


def test_checks_service_bidders_rows(process, catalog) -> None:
    # The same through the service that the CLI and the web page use.
    checks = checks_for(process)
    out = write_rows(checks.check_rows(read_bidders(f"subject_id\n{MISTYPED}\n"), "public_procurement"))
    assert out.splitlines()[1].startswith("2,,") and "natural_person" not in out.splitlines()[0]
    assert_not_echoed(MISTYPED, out)
    with pytest.raises(SubjectRefused) as caught:
        checks.check(WELL_FORMED, "public_procurement")
    assert caught.value.reason == "natural_person"


# --- the web pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [WELL_FORMED, MISTYPED])
def test_web_pages_refuse_resident_ids(client: TestClient, number: str) -> None:
    pages = [
        client.get("/search", params={"q": number}),
        client.get("/search/results", params={"q": number}),
        client.get(f"/organisations/{number}"),
        client.post(f"/organisations/{number}/report.pdf"),
        client.get("/checks", params={"subject": number, "domain": "public_procurement"}),
    ]
    for page in pages:
        assert "natural persons are not" in page.text, page.text[:300]
        assert_not_echoed(number, page.text)


def test_demo_sign_in_refuses_resident_ids(client: TestClient) -> None:
    import re

    form = client.get("/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    page = client.post(
        "/sign-in", data={"csrf": csrf.group(1), "kind": "organisation", "organisation": MISTYPED}
    )
    assert page.status_code == 422 and "natural persons are not" in page.text
    assert_not_echoed(MISTYPED, page.text)


# --- reports, tokens and accounts ---------------------------------------------------------------------------


def test_report_service_refuses_resident_ids(api_settings, clock, engine) -> None:
    registry = Registry(api_settings, clock)
    try:
        for number in PEOPLE:
            with pytest.raises(SubjectRefused) as caught:
                report_service(registry).organisation(number)
            assert caught.value.reason == "natural_person"
            assert_not_echoed(number, caught.value.message)
    finally:
        registry.engine.dispose()


@pytest.mark.parametrize("number", PEOPLE)
def test_tokens_and_accounts_refuse_resident_ids(number: str) -> None:
    with pytest.raises(ValueError, match="^organisation: .*natural persons are not") as caught:
        check_subject("organisation", None, number)
    assert_not_echoed(number, str(caught.value))


# --- the command line ---------------------------------------------------------------------------------------


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(cli_app, list(args), env={"CREDENCE_DATABASE_URL": store_url})

    return invoke


@pytest.mark.parametrize("number", PEOPLE)
def test_identify_refuses_resident_ids(cli, number: str) -> None:
    result = cli("identify", number)
    assert result.exit_code == 1
    assert result.output.startswith("natural_person: ")
    assert "check character" not in result.output and "expected" not in result.output
    assert_not_echoed(number, result.output)


def test_identify_names_inner_separators(cli) -> None:
    result = cli("identify", "91110000 600037341L")
    assert result.exit_code == 1
    assert result.output.startswith("inner_separator: there is a space at position 9")


def test_check_command_refuses_resident_ids(cli, engine, tmp_path: Path) -> None:
    one = cli("check", WELL_FORMED, "--domain", "public_procurement")
    assert one.exit_code != 0 and "natural persons are not" in one.output
    assert_not_echoed(WELL_FORMED, one.output)
    bidders = tmp_path / "bidders.csv"
    bidders.write_text(f"subject_id\n{MISTYPED}\n", "utf-8")
    many = cli("check", "--file", str(bidders), "--domain", "public_procurement")
    assert many.exit_code == 0 and "natural persons are not" in many.output
    assert_not_echoed(MISTYPED, many.output)


# --- the debarment sources ----------------------------------------------------------------------------------


def test_a_source_row_naming_a_resident_id_is_refused(service, engine) -> None:
    mapper = RowMapper(load_dataset("world_bank"))
    raw = {
        "Firm Name": "ZHANG SAN TRADING CO., LTD.",
        "Additional Firm Info": f"(张三贸易有限公司)({WELL_FORMED})",
        "Country": "China",
        "Ineligibility Period / From Date": "2024-03-01",
        "Ineligibility Period / To Date": "2027-03-01",
        "Grounds": "Fraudulent Practice",
    }
    mapped = mapper(raw)
    assert mapped["subject_id"] == WELL_FORMED  # the USCC pattern finds it; the ingest refuses it
    before = stored(engine)
    rejections: list[Any] = []
    result = service.ingest_rows(
        "WB",
        iter([RawRow(4, dict(mapped))]),
        file_name="wb.xlsx",
        fmt="source:world_bank",
        on_reject=rejections.append,
    )
    assert result.rejected == 1 and result.new == 0
    assert [(r.field, r.reason) for r in rejections] == [("subject_id", "natural_person")]
    assert_not_echoed(WELL_FORMED, rejections[0].message)
    assert stored(engine) == before
