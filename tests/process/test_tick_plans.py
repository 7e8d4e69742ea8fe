"""What the tick adds for ageing records costs the same in a registry of any size (issue 17): with 200,000
records stored, EXPLAIN of every statement that finds the files whose records reached a lighter band
(credence.rating.ageing) reads no big table whole (no PostgreSQL "Seq Scan", no SQLite "SCAN"). The store
is built set-based by benchmarks/lookup_store.py, as for the profile's plans
(tests/rating/test_profile_plans.py).

The same for the tick's expiry of records (`records.repository.to_expire`), in a store whose tick ran every
day until yesterday (lookup_store marks the records that ended before AS_OF expired): it reads the records
whose period ends today through ix_records_unexpired, not every record that ended before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from credence.records import publicity
from credence.records import repository as records_repo


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


def test_finding_the_records_whose_period_ended_reads_no_big_table_whole(
    engine: Engine, process: Any, lookup_store: Any
) -> None:
    lookup_store.build(engine, 20_000, 200_000)
    periods = publicity.periods(process.catalog)
    with engine.connect() as conn:
        everything = conn.exec_driver_sql("SELECT count(*) FROM records").scalar_one()
    with lookup_store.captured(engine) as seen, engine.connect() as conn:
        today = records_repo.to_expire(conn, periods, lookup_store.AS_OF)
        week = records_repo.to_expire(conn, periods, lookup_store.AS_OF + timedelta(days=6))
    # The store's records are decided one a day in turn over four years: a few end on any given day.
    assert 0 < len(today) < len(week) < everything // 100
    assert {r.id for r in today} <= {r.id for r in week}
    with engine.connect() as conn:
        found = lookup_store.scans(conn, seen)
    assert [table for table, _ in found if table == "records"] == []
