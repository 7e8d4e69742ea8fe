"""What the tick adds for ageing records costs the same in a registry of any size (issue 17): with 200,000
records stored, EXPLAIN of every statement that finds the files whose records reached a lighter band
(credence.rating.ageing) reads no big table whole (no PostgreSQL "Seq Scan", no SQLite "SCAN"). The store
is built set-based by benchmarks/lookup_store.py, as for the profile's plans
(tests/rating/test_profile_plans.py).

The tick's expiry of records (`records.repository.to_expire`) still reads every published record older than
its period: docs/due-process.md says so, and it is left for a later change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine


def test_finding_the_records_that_aged_reads_no_big_table_whole(
    engine: Engine, process: Any, lookup_store: Any
) -> None:
    lookup_store.build(engine, 20_000, 200_000)
    later = lookup_store.AS_OF + timedelta(days=40)  # the stored ratings are older than every day asked
    with lookup_store.captured(engine) as seen, engine.connect() as conn:
        aged = process.rating.crossed_in(conn, later)
    assert aged  # records of every age: some reached a band in the last 31 days
    assert len(seen) >= 31
    with engine.connect() as conn:
        found = lookup_store.scans(conn, seen)
    # A day's few hundred records are found by the index; joining them to 20,000 organisations or ratings,
    # PostgreSQL may rightly read one of those whole at this size (a hash join), and would not at 20 million.
    assert [table for table, _ in found if table == "records"] == []
