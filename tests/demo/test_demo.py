"""The demo registry: generated, realistic, through the ingestion service, rated, and repeatable."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from typer.testing import CliRunner

from credence.cli.main import app
from credence.demo.divisions import DIVISIONS
from credence.demo.generate import organisations, records
from credence.identity import resolve_subject
from credence.lists import repository as lists_repo
from credence.process import repository as process_repo
from credence.rating import repository as rrepo
from credence.records import repository as repo


def test_demo_builds_a_rated_registry_from_seven_departments(store_url, engine) -> None:
    env = {"CREDENCE_DATABASE_URL": store_url}
    result = CliRunner().invoke(app, ["demo", "--organisations", "300", "--records", "3000"], env=env)
    assert result.exit_code == 0, result.output
    assert "300 organisations, 3,000 records" in result.output and "due process: " in result.output
    assert "checkpoint signed" in result.output
    verified = CliRunner().invoke(app, ["log", "verify"], env=env)
    assert verified.exit_code == 0 and "the log verifies" in verified.output, verified.output
    with engine.connect() as conn:
        counts = repo.table_counts(conn)
        departments = dict(repo.counts_by(conn, repo.records.c.department))
        kinds = dict(repo.counts_by(conn, repo.organisations.c.kind))
        rated = conn.execute(select(func.count()).select_from(rrepo.ratings)).scalar_one()
        public_defaults = conn.execute(
            select(func.count())
            .select_from(repo.records.join(repo.organisations))
            .where(
                repo.records.c.category == "supplier_payment_default",
                repo.organisations.c.kind.in_(["government_organ", "public_institution"]),
            )
        ).scalar_one()
        divisions = set(conn.execute(select(repo.organisations.c.division)).scalars())
    with engine.connect() as conn:
        procedure_records = conn.execute(
            select(func.count())
            .select_from(repo.records)
            .where(repo.batches.c.format == "procedure", repo.batches.c.id == repo.records.c.batch_id)
        ).scalar_one()
        process_rows = {
            table: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (process_repo.objections, process_repo.repairs, lists_repo.entries)
        }
    # The 3,000 submitted records, plus those the procedures stored (list entries, commitments, breaches).
    assert (counts["organisations"], counts["records"] - procedure_records, rated) == (300, 3000, 300)
    assert procedure_records > 0 and all(n > 0 for n in process_rows.values()), process_rows
    assert set(departments) == {"SAMR", "STA", "SPC", "MEE", "MOHRSS", "MOF", "NDRC"}
    assert {"enterprise", "government_organ", "public_institution", "social_organisation"} <= set(kinds)
    assert public_defaults > 0
    assert divisions <= {code for code, _, _ in DIVISIONS}
    again = CliRunner().invoke(app, ["demo"], env=env)
    assert again.exit_code == 1 and f"already holds {counts['records']:,} records" in again.output


def test_demo_is_repeatable_and_has_no_refused_subjects(catalog) -> None:
    orgs = organisations(2000, seed=7)
    assert orgs == organisations(2000, seed=7)
    kinds = {resolve_subject(o.code).kind.value for o in orgs}  # every code valid, none refused
    assert not kinds & {"religious_body", "trade_union"}
    rows = records(orgs, 5000, catalog, date(2026, 11, 25), seed=7)
    assert rows == records(orgs, 5000, catalog, date(2026, 11, 25), seed=7)
    assert sum(len(v) for v in rows.values()) == 5000


def test_demo_refuses_a_missing_log_key_before_building_anything(store_url, engine, tmp_path) -> None:
    missing = tmp_path / "nowhere.pem"
    env = {"CREDENCE_DATABASE_URL": store_url, "CREDENCE_LOG_KEY_PATH": str(missing)}
    result = CliRunner().invoke(app, ["demo", "--organisations", "20", "--records", "40"], env=env)
    assert result.exit_code == 1
    assert f"log key {missing}: no such file" in " ".join(result.output.split())
    with engine.connect() as conn:
        assert repo.table_counts(conn)["records"] == 0
