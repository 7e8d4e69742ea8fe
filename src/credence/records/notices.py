"""A record's own notice, produced with the record: an ingest gives each record it stores its notice in
the same transaction, so no record is ever stored without one. Until that notice (or a reinstatement's)
is delivered, the record is neither published nor rated. Delivering notices, and notices about other
steps, are credence.process.notices'."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, exists, func, insert, literal, select

from credence.settings import Settings
from credence.store.models import Notice, Record

notices = cast(Table, Notice.__table__)
records = cast(Table, Record.__table__)

# The kinds whose delivery publishes the record they concern.
GATING = ("record", "reinstatement")


def deemed_on(produced: date, settings: Settings) -> date:
    return produced + timedelta(days=settings.notice_deemed_days)


def produce_for_records(conn: Connection, where: Any, now: datetime, deemed: date) -> int:
    """A record notice for every record matching `where` that awaits notice and has none pending: one
    statement, so a million-row ingest adds one query, not a million."""
    pending = exists().where(
        notices.c.record_id == records.c.id, notices.c.kind.in_(GATING), notices.c.delivered_at.is_(None)
    )
    before = conn.execute(select(func.coalesce(func.max(notices.c.id), 0))).scalar_one()
    conn.execute(_record_notices(and_(where, ~pending), now, deemed))
    # Counted rather than read from rowcount, which psycopg leaves at -1 for INSERT ... SELECT here; only
    # the rows after the largest id before (a primary-key range), not the whole table twice, so that one
    # submitted record costs the same in a registry of any size.
    produced = select(func.count()).where(
        notices.c.id > before, notices.c.produced_at == literal(now, notices.c.produced_at.type)
    )
    return int(conn.execute(produced).scalar_one())


def produce_for_unnoticed(conn: Connection, where: Any, now: datetime, deemed: date) -> None:
    """A record notice for each record matching `where`, every one known to have none pending: the
    records an ingest's chunk has just inserted (it gives them their notices before it commits, so no
    record is ever stored without one), or those `lacking_notice` found. Nothing is looked up in the
    notices table, so the statement reads only the rows `where` selects (the chunk's, by a primary-key
    range), whatever the size of the store."""
    conn.execute(_record_notices(where, now, deemed))


def lacking_notice(conn: Connection, record_ids: Sequence[int]) -> list[int]:
    """Those of these records that have no record or reinstatement notice awaiting delivery. Their
    notices are read by record alone (ix_notices_record): a condition on delivery let PostgreSQL, its
    statistics behind a growing table, intersect every pending notice of the store for each record."""
    ids = list(record_ids)
    rows = conn.execute(
        select(notices.c.record_id, notices.c.kind, notices.c.delivered_at).where(
            notices.c.record_id.in_(ids)
        )
    )
    pending = {r.record_id for r in rows if r.kind in GATING and r.delivered_at is None}
    return [i for i in ids if i not in pending]


def _record_notices(where: Any, now: datetime, deemed: date) -> Any:
    """INSERT ... SELECT of a record notice for every active record awaiting notice matching `where`."""
    query = select(
        literal("record"),
        records.c.organisation_id,
        records.c.department,
        records.c.id,
        records.c.current_version,
        literal(now, notices.c.produced_at.type),
        literal(deemed, notices.c.deemed_on.type),
    ).where(where, records.c.noticed_at.is_(None), records.c.state == "active")
    return insert(notices).from_select(
        ["kind", "organisation_id", "department", "record_id", "version", "produced_at", "deemed_on"], query
    )
