"""The plans of what an ingest's chunk runs, on PostgreSQL with a million records stored: no statement
scans `records` or `notices` whole, so a chunk costs the same in a registry of any size (issue 17).

The statements are the real ones: captured while a real ingest runs (new, changed and unchanged rows),
then each is EXPLAINed with its own parameters. The million records are made by one INSERT ... SELECT
over generate_series, not by an ingest, and the statistics are those the ingest's own refresh leaves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from credence.records.service import IngestService

from conftest import BACKEND
from helpers import USCC_B, collect, row, write_csv

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's plans")

STORED = 1_000_000
WATCHED = ("records", "notices")


def _fill(engine: Engine, batch_id: int) -> None:
    """A million SAMR records of a thousand organisations, each with its notice, a tenth delivered."""
    with engine.begin() as conn:
        # Made consistent here, so the foreign keys' per-row checks (most of the time) are skipped.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(
            text(
                "INSERT INTO organisations (key, scheme, code, name, kind, country, division, never_public,"
                " created_at) SELECT 'uscc:FILL' || g, 'uscc', NULL, '填充企业' || g || '有限公司',"
                " 'enterprise', 'CN', '110000', false, now() FROM generate_series(1, 1000) AS g"
            )
        )
        conn.execute(
            text(
                "INSERT INTO records (department, source_record_id, organisation_id, category, state,"
                " current_version, content_hash, last_batch_id, last_line, created_at, updated_at,"
                " subject_name, severity, decided_on, legal_basis, status, amount, currency, summary,"
                " batch_id, line, received_at, noticed_at)"
                " SELECT 'SAMR', 'FILL-' || lpad(g::text, 9, '0'), o.id, 'administrative_penalty', 'active',"
                " 1, md5(g::text) || md5(g::text), :b, g, now(), now(), o.name, 'general',"
                " date '2025-01-01' + g % 365, 'Food Safety Law, Art. 124', 'final', (g % 90000)::text,"
                " 'CNY', 'A decision about this organisation.', :b, g, now(),"
                " CASE WHEN g % 10 = 0 THEN now() END"
                " FROM generate_series(1, :n) AS g"
                " JOIN organisations o ON o.key = 'uscc:FILL' || (1 + g % 1000)"
            ),
            {"b": batch_id, "n": STORED},
        )
        conn.execute(
            text(
                "INSERT INTO notices (kind, organisation_id, department, record_id, version, produced_at,"
                " deemed_on, delivered_at) SELECT 'record', organisation_id, department, id, 1, now(),"
                " current_date, noticed_at FROM records WHERE source_record_id LIKE 'FILL-%'"
            )
        )


def _scans(plan: Any) -> set[str]:
    """The relations a plan reads by sequential scan."""
    found: set[str] = set()
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan":
            found.add(plan.get("Relation Name", ""))
        for value in plan.values():
            found |= _scans(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= _scans(value)
    return found


def test_a_chunks_statements_scan_no_table_whole(
    service: IngestService, engine: Engine, tmp_path: Path
) -> None:
    first, _ = collect(service, write_csv(tmp_path / "first.csv", [row(n) for n in range(1, 101)]))
    assert first.new == 100
    _fill(engine, first.batch_id)
    service.analyze()  # what a large ingest leaves (its own refresh of the statistics)

    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if any(name in statement for name in WATCHED):
            captured.append((statement, parameters[0] if many else parameters))

    # Unchanged, changed (another subject: its organisation is new) and new rows, over several chunks.
    second = [
        *(row(n) for n in range(1, 41)),
        *(row(n, amount="60000", subject_id=USCC_B, subject_name="深圳某公司") for n in range(41, 71)),
        *(row(n) for n in range(101, 161)),
    ]
    event.listen(engine, "before_cursor_execute", capture)
    try:
        result, rejections = collect(service, write_csv(tmp_path / "second.csv", second))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert rejections == []
    assert (result.new, result.updated, result.unchanged) == (60, 30, 40)

    kinds = {statement.split()[0] for statement, _ in captured}
    assert {"SELECT", "INSERT", "UPDATE"} <= kinds, kinds  # lookups, notices and archives, new versions
    scanned = {}
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters in captured:
            if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                whole = _scans(plan) & set(WATCHED)
                if whole:
                    scanned[" ".join(statement.split())[:160]] = whole
        conn.rollback()
    assert scanned == {}


def test_an_ingest_refreshes_the_statistics_of_what_it_wrote(
    engine, catalog, clock, store_url, tmp_path
) -> None:
    from credence.settings import Settings

    def reltuples() -> float:
        with engine.connect() as conn:
            return float(
                conn.execute(
                    text("SELECT reltuples FROM pg_class WHERE oid = 'records'::regclass")
                ).scalar_one()
            )

    assert reltuples() < 0  # never analysed
    settings = Settings(database_url=store_url, ingest_chunk_rows=50, ingest_analyze_rows=60)
    service = IngestService(engine, catalog, clock, settings)
    collect(service, write_csv(tmp_path / "p.csv", [row(n) for n in range(1, 181)]))
    assert reltuples() == 180  # at 100 rows (60 or more), then at the end (80 more, 60 or more)


def test_an_ingest_that_refreshed_coarsely_ends_with_a_full_refresh(
    engine, catalog, clock, store_url, tmp_path
) -> None:
    """The refreshes made while an ingest runs take a small sample; a run that made one refreshes fully at
    its end, even when what it added since is too little to call for one on its own."""
    from credence.settings import Settings

    refreshes: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.startswith(("ANALYZE", "SET LOCAL default_statistics_target")):
            refreshes.append(statement.split()[0] if statement.startswith("ANALYZE") else statement)

    settings = Settings(database_url=store_url, ingest_chunk_rows=50, ingest_analyze_rows=60)
    service = IngestService(engine, catalog, clock, settings)
    event.listen(engine, "before_cursor_execute", capture)
    try:
        collect(service, write_csv(tmp_path / "p.csv", [row(n) for n in range(1, 121)]))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    # At 100 rows (60 or more: coarse), then at the end (20 more: too few alone, but the last was coarse).
    assert refreshes == ["SET LOCAL default_statistics_target = 10", "ANALYZE", "ANALYZE"]
