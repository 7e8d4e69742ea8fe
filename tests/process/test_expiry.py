"""A record leaves publication once per version: the tick logs its 'expired' event and marks the version
(records.expired_version), and finds it no more; a correction makes a new version, which expires in its turn
at the next tick (its decision day unchanged). Migration 0019 marks the versions whose events were logged
before it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from credence.store import migrate
from credence.store.models import Record, RecordEvent

from helpers import row, write_csv

records, events = Record.__table__, RecordEvent.__table__  # type: ignore[attr-defined]


def expiry(engine) -> tuple[int | None, int, list[int]]:
    """The record's expired_version, current version, and the versions of its 'expired' events."""
    with engine.connect() as conn:
        record = conn.execute(select(records)).one()
        logged = conn.execute(
            select(events.c.version).where(events.c.kind == "expired").order_by(events.c.id)
        ).scalars()
        return record.expired_version, record.current_version, list(logged)


def test_a_record_expires_once_per_version(process, service, engine, clock, tmp_path) -> None:
    # A general penalty decided on 2026-03-01 is published for 365 days: until 2027-03-01.
    service.ingest_file(write_csv(tmp_path / "a.csv", [row(1)]), "SAMR")
    clock.advance(timedelta(days=30))
    process.tick()  # its notice deemed delivered: published
    assert expiry(engine) == (None, 1, [])
    clock.advance(timedelta(days=(date(2027, 3, 1) - process.today()).days))
    assert process.tick().records_expired == 1
    assert expiry(engine) == (1, 1, [1])
    assert process.tick().records_expired == 0  # once
    clock.advance(timedelta(days=1))
    assert process.tick().records_expired == 0

    # The department corrects it: version 2, published once its notice is delivered, and already past its
    # period (the same decision day), so the next tick expires it too.
    service.ingest_file(write_csv(tmp_path / "b.csv", [row(1, summary="Sold food past its date.")]), "SAMR")
    assert expiry(engine) == (1, 2, [1])
    clock.advance(timedelta(days=30))
    assert process.tick().records_expired == 1
    assert expiry(engine) == (2, 2, [1, 2])
    assert process.tick().records_expired == 0


def test_migration_0019_marks_the_versions_already_expired(empty_store, service, tmp_path) -> None:
    """The versions whose 'expired' event was logged before the column existed are marked by the upgrade,
    and no other."""
    from sqlalchemy import text

    engine = empty_store
    migrate.upgrade(engine, "0018")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, key, scheme, name, never_public, created_at) "
                "VALUES (1, 'uscc:X', 'uscc', 'X', false, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO ingest_batches (id, department, file_name, format, status, started_at, new, "
                "updated, unchanged, rejected) VALUES (1, 'SAMR', 'f', 'csv', 'complete', "
                "'2026-01-01 00:00:00', 3, 0, 0, 0)"
            )
        )
        for n, version in ((1, 1), (2, 2), (3, 1)):
            conn.execute(
                text(
                    "INSERT INTO records (id, department, source_record_id, organisation_id, category, "
                    "state, current_version, subject_name, decided_on, legal_basis, status, content_hash, "
                    "batch_id, line, received_at, last_batch_id, last_line, noticed_at, created_at, "
                    "updated_at) VALUES (:n, 'SAMR', :source, 1, 'court_judgment', 'active', :version, 'X', "
                    "'2020-01-01', 'b', 'final', 'h', 1, 1, :at, 1, 1, :at, :at, :at)"
                ),
                {"n": n, "source": f"R{n}", "version": version, "at": "2026-01-01 00:00:00"},
            )
        # Record 1's version expired; record 2's first version did, its second not yet; record 3 never.
        for record_id, version in ((1, 1), (2, 1)):
            conn.execute(
                text(
                    "INSERT INTO record_events (record_id, version, kind, actor, reason, at) VALUES "
                    "(:record_id, :version, 'expired', 'registry', 'ended', '2026-01-01 00:00:00')"
                ),
                {"record_id": record_id, "version": version},
            )
    migrate.upgrade(engine, "0019")
    with engine.connect() as conn:
        marked = dict(conn.execute(text("SELECT id, expired_version FROM records ORDER BY id")).all())
    assert marked == {1: 1, 2: None, 3: None}
    migrate.downgrade(engine, "0018")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM records")).scalar_one() == 3
