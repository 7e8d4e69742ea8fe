"""`credence audit grounds`: records stored under old rules that the rules in force refuse are withdrawn,
with a logged event, a notice and a re-rating; the audit runs again only when the rules change."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import orjson
from sqlalchemy import select
from typer.testing import CliRunner

from credence.catalog import load_catalog
from credence.cli.main import app
from credence.process import notices as notice_repo
from credence.process import repository as repo
from credence.process.audit import audit_if_changed, last_audited, run_audit
from credence.rating import load_policy
from credence.rating.service import RatingService
from credence.records.service import IngestService
from credence.screening import Screen
from credence.screening.laws import default_denied_laws
from credence.screening.lexicon import parse_lexicon
from credence.store.models import LogEntry

from helpers import USCC_A, USCC_B, notice_all, process_for, row, write_csv


def stricter_lexicon(tmp_path: Path) -> Path:
    """The shipped lexicon with one more religious term: 'rosary'."""
    text = resources.files("credence.screening").joinpath("lexicon.yaml").read_text("utf-8")
    path = tmp_path / "lexicon.yaml"
    path.write_text(
        re.sub(r'^version: "([^"]+)"', r'version: "\1-test"', text, count=1, flags=re.M).replace(
            "en: [religio*,", "en: [rosar*, religio*,"
        ),
        "utf-8",
    )
    return path


def grade(engine, code: str) -> str:  # type: ignore[no-untyped-def]
    from credence.rating import repository as rating_repo

    with engine.connect() as conn:
        org = rating_repo.find_organisation(conn, code)
        return f"{rating_repo.rating_of(conn, org.id).grade} {rating_repo.rating_of(conn, org.id).score}"


def test_the_audit_withdraws_what_new_rules_refuse(service, engine, settings, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        row(1, severity="serious", summary="Sold counterfeit rosaries as gold."),
        row(2, subject_id=USCC_B, summary="Sold food past its use-by date."),
        row(3, severity="serious", summary="Sold counterfeit watches."),
    ]
    service.ingest_file(write_csv(tmp_path / "p.csv", rows), "SAMR")
    notice_all(engine, service)
    old = process_for(service)
    old.rating.rate()
    first = run_audit(old)  # the shipped rules refuse nothing here
    assert (first.screened, first.withdrawn) == (3, [])
    before = grade(engine, USCC_A)

    lexicon = stricter_lexicon(tmp_path)
    catalog = load_catalog(None, Screen(parse_lexicon(lexicon.read_text("utf-8")), default_denied_laws()))
    stricter = IngestService(engine, catalog, clock, settings)
    process = process_for(stricter)
    process.rating = RatingService(engine, catalog, load_policy(catalog), clock, settings)
    report = audit_if_changed(process)
    assert report is not None and report.screened == 3
    assert [(w.source_record_id, w.reason, w.ground, w.field) for w in report.withdrawn] == [
        ("XZCF-2026-0001", "prohibited_ground", "religion", "summary")
    ]
    with engine.connect() as conn:
        record = conn.execute(
            select(repo.records).where(repo.records.c.source_record_id == "XZCF-2026-0001")
        ).one()
        assert record.state == "withdrawn"
        sent = [n for n in notice_repo.inbox(conn, record.organisation_id) if n.kind == "withdrawal"]
        assert len(sent) == 1 and "prohibited ground (religion)" in sent[0].message
        assert "rosar" not in sent[0].message
        entries = LogEntry.__table__
        withdrawn = conn.execute(
            select(entries.c.content).where(
                entries.c.kind == "record.withdrawn", entries.c.ref == f"record:{record.id}"
            )
        ).scalar_one()
        assert "audit of grounds" in orjson.loads(withdrawn)["reason"]
        assert last_audited(conn) is not None and "-test (" in str(last_audited(conn))
    assert grade(engine, USCC_A) != before  # one serious penalty fewer: re-rated
    assert audit_if_changed(process) is None  # same rules: not again


def test_credence_audit_grounds_from_the_command_line(service, engine, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    service.ingest_file(
        write_csv(tmp_path / "p.csv", [row(1, summary="Sold counterfeit rosaries."), row(2)]), "SAMR"
    )
    notice_all(engine, service)
    lexicon = stricter_lexicon(tmp_path)
    runner = CliRunner()
    env = {"CREDENCE_DATABASE_URL": settings.database_url, "CREDENCE_LEXICON_PATH": str(lexicon)}
    result = runner.invoke(app, ["audit", "grounds"], env=env)
    assert result.exit_code == 0, result.output
    assert "screened 2 active records" in result.output and "1 withdrawn" in result.output
    assert "XZCF-2026-0001" in result.output and "prohibited_ground (religion)" in result.output
    again = runner.invoke(app, ["audit", "grounds", "--json"], env=env)
    assert again.exit_code == 0, again.output
    assert orjson.loads(again.output)["withdrawn"] == []


def test_the_audit_screens_a_stored_address_too(service, engine, settings, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The address a record carries for matching is free text screened at ingest: new rules screen it
    again, and a record whose address they refuse is withdrawn like one whose summary they refuse."""
    rows = [row(1, subject_address="8 Rosary Lane, Chaoyang District, Beijing"), row(2, subject_id=USCC_B)]
    service.ingest_file(write_csv(tmp_path / "p.csv", rows), "SAMR")
    notice_all(engine, service)
    assert run_audit(process_for(service)).withdrawn == []  # the shipped rules refuse nothing here

    lexicon = stricter_lexicon(tmp_path)
    catalog = load_catalog(None, Screen(parse_lexicon(lexicon.read_text("utf-8")), default_denied_laws()))
    process = process_for(IngestService(engine, catalog, clock, settings))
    process.rating = RatingService(engine, catalog, load_policy(catalog), clock, settings)
    report = audit_if_changed(process)
    assert report is not None and report.screened == 2
    assert [(w.source_record_id, w.reason, w.ground, w.field) for w in report.withdrawn] == [
        ("XZCF-2026-0001", "prohibited_ground", "religion", "subject_address")
    ]
