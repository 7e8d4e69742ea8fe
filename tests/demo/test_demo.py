"""The demo registry: generated, realistic, through the ingestion service, rated, and repeatable."""

from __future__ import annotations

import json
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
    # The 3,000 submitted records, plus those the procedures stored (list entries, commitments, breaches),
    # and six development-bank listings without an identifier: six subjects more, two of them joined into
    # another's file (rated there).
    banks = {d: departments.pop(d) for d in ("WB", "IDB", "EBRD")}
    assert banks == {"WB": 3, "IDB": 1, "EBRD": 2}
    assert (counts["organisations"], counts["records"] - procedure_records - 6, rated) == (306, 3000, 304)
    assert procedure_records > 0 and all(n > 0 for n in process_rows.values()), process_rows
    assert set(departments) == {"SAMR", "STA", "SPC", "MEE", "MOHRSS", "MOF", "NDRC"}
    assert "6 development-bank listings without an identifier: 1 joined by the model, 1 by a clerk" in (
        result.output
    )
    assert {"enterprise", "government_organ", "public_institution", "social_organisation"} <= set(kinds)
    assert public_defaults > 0
    assert divisions - {None} <= {code for code, _, _ in DIVISIONS}  # a bank lists no division
    linked_listings(env, engine, store_url)
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
    from credence.demo import listings

    banks = listings.rows(orgs, date(2026, 11, 25))
    assert banks == listings.rows(orgs, date(2026, 11, 25)) and sum(map(len, banks.values())) == 6
    assert all(r["subject_id"] is None for rs in banks.values() for r in rs if "subject_id" in r)


def test_demo_refuses_a_missing_log_key_before_building_anything(store_url, engine, tmp_path) -> None:
    missing = tmp_path / "nowhere.pem"
    env = {"CREDENCE_DATABASE_URL": store_url, "CREDENCE_LOG_KEY_PATH": str(missing)}
    result = CliRunner().invoke(app, ["demo", "--organisations", "20", "--records", "40"], env=env)
    assert result.exit_code == 1
    assert f"log key {missing}: no such file" in " ".join(result.output.split())
    with engine.connect() as conn:
        assert repo.table_counts(conn)["records"] == 0


def linked_listings(env: dict[str, str], engine, store_url: str) -> None:
    """The demo's development-bank listings, linked as every ingest links: one firm listed by two banks in
    both scripts is joined by the model; a demo enterprise listed by name waits in the review queue (the
    model never joins an identified organisation itself), as does a firm listed by its Latin name alone;
    another demo enterprise's listing was confirmed by a clerk, who told it, so its profile shows the
    listing under "also listed as". Nothing is shown before its notice, and none of it is a person."""
    from fastapi.testclient import TestClient

    from credence.clock import SystemClock
    from credence.demo.listings import ROADS, listed_firms
    from credence.server import create_app
    from credence.settings import Settings
    from credence.store.models import Notice, Organisation, Record

    firms = listed_firms(organisations(300, seed=2026))
    queue = CliRunner().invoke(app, ["link", "queue", "--format", "json"], env=env)
    assert queue.exit_code == 0, queue.output
    waiting = [json.loads(line) for line in queue.output.splitlines() if line.strip()]
    waiting = waiting[0] if len(waiting) == 1 and isinstance(waiting[0], list) else waiting
    pairs = [{w["left"], w["right"]} for w in waiting]
    assert len(pairs) == 2 and any(f"uscc:{firms[1].code}" in p for p in pairs), waiting
    assert all(f"uscc:{firms[0].code}" not in p for p in pairs)  # judged by the clerk
    with engine.connect() as conn:
        o = Organisation.__table__.c
        listed = {
            r.name: r
            for r in conn.execute(select(o.id, o.name, o.file_id, o.scheme).where(o.scheme == "unresolved"))
        }
        assert len(listed) == 6
        hebei = [r for name, r in listed.items() if "某某" in name]  # the same name, punctuated otherwise
        assert len(hebei) == 2 and sorted(r.file_id or r.id for r in hebei) == [min(r.id for r in hebei)] * 2
        assert listed[ROADS].file_id is None
        unnoticed = conn.execute(
            select(func.count())
            .select_from(Record)
            .where(Record.department.in_(["WB", "IDB", "EBRD"]), Record.noticed_at.is_(None))
        ).scalar_one()
        told = conn.execute(select(Notice.department, Notice.delivered_at).where(Notice.kind == "link")).all()
    assert unnoticed == 0  # every listing published only after its notice
    assert len(told) == 1 and told[0].department == "NDRC" and told[0].delivered_at is not None
    client = TestClient(create_app(Settings(database_url=store_url), SystemClock()))
    profile = client.get(f"/api/v1/organisations/{firms[0].code}").json()
    (also,) = profile["also_listed_as"]
    assert also["name"] == firms[0].alt_name and also["sources"] == ["WB"]
    assert "Also listed as" in client.get(f"/organisations/{firms[0].code}").text
    assert client.get(f"/api/v1/organisations/{firms[1].code}").json()["also_listed_as"] == []
