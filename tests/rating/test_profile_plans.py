"""A profile lookup's cost does not grow with the store (issue 17): with 200,000 records stored, EXPLAIN of
every statement a profile page runs reads no big table whole (no PostgreSQL "Seq Scan", no SQLite "SCAN").
The store is built set-based by benchmarks/lookup_store.py, which the lookup benchmark measures at 10M."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from credence.api.app import Registry, organisation_profile
from credence.clock import FixedClock
from credence.settings import Settings
from credence.web.profile import profile_context


def test_no_statement_of_a_profile_lookup_reads_a_big_table_whole(
    engine: Engine, store_url: str, lookup_store: Any
) -> None:
    lookup_store.build(engine, 20_000, 200_000)
    registry = Registry(Settings(database_url=store_url), FixedClock(lookup_store.NOW))
    with engine.connect() as conn:
        busy = lookup_store.busy_organisation(conn)
        # The check finds a scan where there is one, so an empty answer below means something.
        unindexed = [("SELECT id FROM records WHERE summary = 'none'", ())]
        assert [table for table, _ in lookup_store.scans(conn, unindexed)] == ["records"]
    for subject in (busy, lookup_store.JOINED_HEAD, 7):
        with lookup_store.captured(registry.engine) as seen:
            profile, org = organisation_profile(registry, lookup_store.code_of(subject))
            page = profile_context(registry, profile, org)
        assert len(seen) >= 8  # the organisation, its file, its records' version, facts, entries, history…
        with engine.connect() as conn:
            assert lookup_store.scans(conn, seen) == [], subject
        if subject == busy:
            assert page["entries"] and page["records"]
        if subject == lookup_store.JOINED_HEAD:
            assert profile.also_listed_as  # the subject joined into its file, read through the links
    registry.engine.dispose()
