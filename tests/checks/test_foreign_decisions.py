"""Decisions published abroad have an effect only where a legal basis gives them one, in its own domain,
for their own period (issue 15, "Legal effect, bound to a domain"). A development bank's debarment of more
than one year, by a signatory of the Agreement for Mutual Enforcement of Debarment Decisions, excludes the
firm from procurement the signatories finance while it runs, and from nothing else; a shorter debarment,
one without an end, one not yet noticed or an international sanction has no measure at all."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credence.checks.bidders import read_bidders
from credence.checks.service import CheckService, write_rows
from credence.cli.main import app
from credence.measures.catalog import DOMAINS, MeasuresError, parse_measures
from credence.server import create_app

from helpers import USCC_A, USCC_B, checks_for, debarment, notice_all, row, write_csv

DEFAULT = Path(__file__).parents[2].joinpath("src/credence/measures/default_measures.yaml").read_text("utf-8")
MDB = "mdb_financed_procurement"
NAME_A = "北京某某食品有限公司"


@pytest.fixture
def checks(process, catalog) -> CheckService:
    return checks_for(process)


def ingest(process: Any, tmp_path: Path, department: str, *rows: dict[str, Any], notice: bool = True) -> None:
    process.ingest.ingest_file(
        write_csv(tmp_path / f"{department}-{rows[0]['source_record_id']}.csv", rows), department
    )
    if notice:
        notice_all(process.engine, process.ingest)
    process.rating.rate()


def test_a_signatory_debarment_of_more_than_a_year_restricts_in_bank_financed_procurement_only(
    process, checks, clock, tmp_path: Path
) -> None:
    # Today is 2026-11-25: a three-year World Bank debarment from 2026-01-10.
    ingest(process, tmp_path, "WB", debarment("wb-1", decided_on="2026-01-10", until="2028-12-31"))
    found = checks.check(USCC_A, MDB)
    assert found.result == "restricted"
    (applied,) = found.applied
    assert (applied.measure.code, str(applied.since), str(applied.until)) == (
        "mdb_cross_debarment",
        "2026-01-10",
        "2028-12-31",
    )
    body = found.to_json()["measures"][0]
    assert body["department"] == "WB"
    assert body["list"] == "World Bank Listing of Ineligible Firms and Individuals"
    assert body["decision"] == "WB/wb-1 of 2026-01-10 (World Bank Sanctions Procedures, Section 9.01)"
    assert body["legal_basis"].startswith("Agreement for Mutual Enforcement of Debarment Decisions")
    assert body["contest"].startswith("the World Bank's Office of Suspension and Debarment")
    assert "Credence republishes it and cannot lift it" in body["remedy"]
    assert "more than 1 year" in body["because"]
    # Not in national public procurement, nor in any other domain: the Agreement binds the banks only.
    for domain in ("public_procurement", "subsidies", "licensing", "awards", "pilot_programmes"):
        assert all(a.measure.code != "mdb_cross_debarment" for a in checks.check(USCC_A, domain).applied)
    assert checks.check(USCC_A, "public_procurement").result == "eligible"
    # Only the organisation named: B, in the same city and registry, is untouched.
    assert checks.check(USCC_B, MDB).result == "eligible"
    # The measure ends by itself with the debarment's last day.
    clock.advance(date(2028, 12, 31) - checks.today())
    assert checks.today().isoformat() == "2028-12-31"
    assert checks.check(USCC_A, MDB).result == "restricted"
    clock.advance(timedelta(days=1))
    assert checks.check(USCC_A, MDB).result == "eligible"


def test_a_debarment_changes_no_grade_and_no_national_answer(process, checks, tmp_path: Path) -> None:
    # The Agreement gives a debarment its effect in bank-financed procurement and nowhere else, so it must
    # not reach a national domain through the grade either (issue 15).
    def answers(subject: str) -> dict[str, tuple[str, list[str]]]:
        found = {d: checks.check(subject, d) for d in DOMAINS if d != MDB}
        return {d: (c.result, [a.measure.code for a in c.applied]) for d, c in found.items()}

    def rated(subject: str) -> tuple[Any, ...]:
        explained = process.rating.explain(subject)
        r = explained.rating
        lines = explained.reason_lines(process.catalog) + explained.change_lines(process.catalog)
        return (r.grade, r.score, r.grade_limited_by, r.contributions, explained.changes, lines)

    # B has only a three-year World Bank debarment: restricted in bank-financed procurement, and rated and
    # answered elsewhere as a firm with no adverse record, grade A with fewer inspections.
    ingest(
        process,
        tmp_path,
        "WB",
        debarment("wb-b", subject_id=USCC_B, decided_on="2026-01-10", until="2028-12-31"),
    )
    assert checks.check(USCC_B, MDB).result == "restricted"
    assert rated(USCC_B) == ("A", 1000, None, (), [], ["1,000 points: the starting score"])
    assert answers(USCC_B)["inspection"][1] == ["inspection_fewer_grade_a"]
    assert "restricted" not in {result for result, _ in answers(USCC_B).values()}
    # A has a national penalty (grade B): its debarment leaves its grade, score, reasons, what would
    # change the grade, and every national domain's answer (inspection included) as they were.
    ingest(process, tmp_path, "SAMR", row(1, decided_on="2026-06-01"))
    before, rated_before = answers(USCC_A), rated(USCC_A)
    assert rated_before[:2] == ("B", 940)
    ingest(process, tmp_path, "WB", debarment("wb-a", decided_on="2026-01-10", until="2028-12-31"))
    assert checks.check(USCC_A, MDB).result == "restricted"
    assert (answers(USCC_A), rated(USCC_A)) == (before, rated_before)
    assert not any("debarment" in line for line in rated(USCC_A)[-1])
    # Neither decision abroad has a rule in the policy in force.
    assert {"development_bank_debarment", "international_sanction"}.isdisjoint(process.rating.policy.rules)


def test_a_debarment_of_one_year_or_less_or_without_an_end_restricts_nowhere(
    process, checks, clock, tmp_path: Path
) -> None:
    ingest(
        process,
        tmp_path,
        "WB",
        debarment("wb-short", decided_on="2026-06-01", until="2027-05-31"),
        debarment("wb-open", decided_on="2026-06-01", until="ongoing"),
    )
    assert checks.check(USCC_A, MDB).result == "eligible"
    assert checks.check(USCC_A, "public_procurement").result == "eligible"
    # One day more than a year (the end date is the last day) is recognised.
    ingest(
        process,
        tmp_path,
        "IDB",
        debarment(
            "idb-1",
            decided_on="2026-06-01",
            until="2027-06-01",
            legal_basis="IDB Sanctions Procedures, Section 2",
        ),
    )
    (applied,) = checks.check(USCC_A, MDB).applied
    assert applied.department == "IDB" and applied.contest.startswith("the IDB's Sanctions Officer")


def test_a_permanent_debarment_runs_at_most_its_publication(process, checks, tmp_path: Path) -> None:
    ingest(
        process,
        tmp_path,
        "EBRD",
        debarment(
            "ebrd-1",
            decided_on="2026-02-01",
            until="permanent",
            legal_basis="EBRD Enforcement Policy and Procedures, Section 8",
        ),
    )
    (applied,) = checks.check(USCC_A, MDB).applied
    assert str(applied.until) == "2029-01-30"  # the record's 1,095 days of publication, to their last day


def test_nothing_before_notice(process, checks, tmp_path: Path) -> None:
    ingest(
        process, tmp_path, "WB", debarment("wb-1", decided_on="2026-01-10", until="2028-12-31"), notice=False
    )
    assert checks.check(USCC_A, MDB).result == "eligible"
    notice_all(process.engine, process.ingest)
    assert checks.check(USCC_A, MDB).result == "restricted"


def test_the_bidders_file_names_the_list_decision_period_and_where_to_contest(
    process, checks, tmp_path: Path
) -> None:
    ingest(process, tmp_path, "WB", debarment("wb-1", decided_on="2026-01-10", until="2028-12-31"))
    bidders = read_bidders(f"subject_id\n{USCC_A}\n{USCC_B}\n".encode())
    out = list(csv.DictReader(io.StringIO(write_rows(checks.check_rows(bidders, MDB)).lstrip("\ufeff"))))
    assert out[0]["result"] == "restricted" and out[0]["measures"] == "mdb_cross_debarment"
    assert (out[0]["since"], out[0]["until"]) == ("2026-01-10", "2028-12-31")
    assert out[0]["list"] == "World Bank Listing of Ineligible Firms and Individuals"
    assert out[0]["decision"].startswith("WB/wb-1 of 2026-01-10")
    assert "Office of Suspension and Debarment" in out[0]["contest"]
    assert out[1]["result"] == "eligible" and out[1]["contest"] == ""


def test_the_api_and_the_page_give_the_same_answer(process, settings, clock, tmp_path: Path) -> None:
    ingest(process, tmp_path, "WB", debarment("wb-1", decided_on="2026-01-10", until="2028-12-31"))
    app = create_app(settings.model_copy(update={"demo_mode": True}), clock)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        body = client.get("/api/v1/checks", params={"subject": USCC_A, "domain": MDB}).json()
        assert body["result"] == "restricted"
        assert body["measures"][0]["contest"].startswith("the World Bank's Office of Suspension")
        national = client.get("/api/v1/checks", params={"subject": USCC_A, "domain": "public_procurement"})
        assert national.json()["result"] == "eligible"
        page = client.get("/checks", params={"subject": USCC_A, "domain": MDB}).text
        assert "restricted" in page and "WB/wb-1 of 2026-01-10" in page
        assert "World Bank Listing of Ineligible Firms and Individuals" in page
        assert "Office of Suspension and Debarment" in page


def test_an_international_sanction_is_recorded_but_has_no_effect_by_default(
    process, checks, tmp_path: Path
) -> None:
    sanction = row(
        "UN-1",
        category="international_sanction",
        severity=None,
        amount=None,
        currency=None,
        decided_on="2026-03-01",
        legal_basis="Charter of the United Nations, Art. 41",
        summary="Listed by the sanctions committee.",
    )
    ingest(process, tmp_path, "UNSC", sanction)
    for domain in ("public_procurement", MDB, "subsidies", "licensing", "awards", "pilot_programmes"):
        assert checks.check(USCC_A, domain).applied == [], domain
    # Nor through the grade: the rating policy does not name the category, so the grade stays A.
    assert [a.measure.code for a in checks.check(USCC_A, "inspection").applied] == [
        "inspection_fewer_grade_a"
    ]


RECORD_MEASURE = """version: t
measures:
  - code: {code}
    title: A measure on a record
    effect: {effect}
    domain: {domain}
    legal_basis: {{law: Some Agreement, article: Section 4}}
    trigger: {{record: {category}, departments: [{departments}]}}
    max_days: 365
"""


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"category": "administrative_penalty"}, "is triggered by records of"),
        ({"departments": "SAMR"}, "trigger names department 'SAMR', which may not submit"),
        ({"effect": "fast_track"}, "incentives follow an honour or grade A only"),
        ({"domain": "everything"}, "domain 'everything' is not one of"),
    ],
)
def test_a_record_trigger_is_refused_beyond_what_the_code_allows(catalog, fields, words) -> None:
    values = {
        "code": "mdb_test",
        "effect": "exclusion",
        "domain": MDB,
        "category": "development_bank_debarment",
        "departments": "WB",
    } | fields
    with pytest.raises(MeasuresError) as refused:
        parse_measures(RECORD_MEASURE.format(**values), catalog)
    assert words in str(refused.value)


def test_a_list_measure_still_names_its_department(catalog) -> None:
    text = DEFAULT.replace("    department: MOF\n", "", 1)
    with pytest.raises(MeasuresError, match="names no department"):
        parse_measures(text, catalog)


def test_a_debarment_by_a_bank_the_trigger_does_not_name_restricts_nowhere(
    process, catalog, tmp_path
) -> None:
    # As for a bank that did not sign: the measure names the signatories' departments, here the World Bank
    # alone, so a three-year IDB debarment gives no measure, and the World Bank's does.
    only_wb = DEFAULT.replace("      departments: [WB, IDB, EBRD]\n", "      departments: [WB]\n")
    assert only_wb != DEFAULT
    checks = checks_for(process, parse_measures(only_wb, catalog))
    idb = debarment(
        "idb-1",
        decided_on="2026-01-10",
        until="2028-12-31",
        legal_basis="IDB Sanctions Procedures, Section 2",
    )
    ingest(process, tmp_path, "IDB", idb)
    assert checks.check(USCC_A, MDB).result == "eligible"
    ingest(process, tmp_path, "WB", debarment("wb-1", decided_on="2026-01-10", until="2028-12-31"))
    assert [a.department for a in checks.check(USCC_A, MDB).applied] == ["WB"]


def test_the_command_line_names_the_decision_and_where_to_contest_it(
    store_url, tmp_path, monkeypatch
) -> None:
    # The command reads the system clock: the debarment runs from a month ago for two years.
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def cli(*args: str) -> Any:
        return runner.invoke(app, list(args), env={"CREDENCE_DATABASE_URL": store_url})

    start = date.today() - timedelta(days=30)
    wb = debarment("wb-1", decided_on=start.isoformat(), until=(start + timedelta(days=730)).isoformat())
    assert cli("ingest", str(write_csv(tmp_path / "wb.csv", [wb])), "--department", "WB").exit_code == 0
    assert cli("check", USCC_A, "--domain", MDB).output.splitlines()[0].endswith(": eligible")  # no notice
    assert cli("records", "notice", "WB", "wb-1", "--actor", "clerk", "--channel", "mail").exit_code == 0
    shown = cli("check", USCC_A, "--domain", MDB, "--json")
    (measure,) = json.loads(shown.output)["measures"]
    assert (measure["code"], measure["department"], measure["since"]) == (
        "mdb_cross_debarment",
        "WB",
        str(start),
    )
    text = cli("check", USCC_A, "--domain", MDB).output
    assert ": restricted" in text and f"mdb_cross_debarment: decision WB/wb-1 of {start}" in text
    assert "contest it with the World Bank's Office of Suspension and Debarment" in text
    assert (
        cli("check", USCC_A, "--domain", "public_procurement").output.splitlines()[0].endswith(": eligible")
    )
