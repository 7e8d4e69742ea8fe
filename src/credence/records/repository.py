"""All queries on records, versions, organisations and batches live here; services never write SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from credence.records.validation import Subject, ValidRow
from credence.store.db import bulk_insert, keyed_by
from credence.store.models import IngestBatch, Organisation, Record, RecordEvent, RecordVersion

records = cast(Table, Record.__table__)
versions = cast(Table, RecordVersion.__table__)
organisations = cast(Table, Organisation.__table__)
batches = cast(Table, IngestBatch.__table__)
events = cast(Table, RecordEvent.__table__)


@dataclass(frozen=True, slots=True)
class Current:
    """What the store holds now for a record: enough to decide new / unchanged / updated / duplicate."""

    id: int
    version: int
    content_hash: str
    batch_id: int
    line: int


def start_batch(
    conn: Connection, department: str, file_name: str, fmt: str, file_sha256: str | None, now: datetime
) -> int:
    result = conn.execute(
        insert(batches).returning(batches.c.id),
        {
            "department": department,
            "file_name": file_name,
            "file_sha256": file_sha256,
            "format": fmt,
            "status": "running",
            "started_at": now,
            "new": 0,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
        },
    )
    return int(result.scalar_one())


def add_batch_counts(
    conn: Connection, batch_id: int, new: int, updated: int, unchanged: int, rejected: int
) -> None:
    conn.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(
            new=batches.c.new + new,
            updated=batches.c.updated + updated,
            unchanged=batches.c.unchanged + unchanged,
            rejected=batches.c.rejected + rejected,
        )
    )


def finish_batch(conn: Connection, batch_id: int, status: str, now: datetime) -> None:
    conn.execute(update(batches).where(batches.c.id == batch_id).values(status=status, finished_at=now))


def current_of(conn: Connection, department: str, source_record_ids: Sequence[str]) -> dict[str, Current]:
    if not source_record_ids:
        return {}
    source, matches = keyed_by(records.c.source_record_id, source_record_ids, conn.dialect.name)
    rows = conn.execute(
        select(
            records.c.id,
            records.c.source_record_id,
            records.c.current_version,
            records.c.content_hash,
            records.c.last_batch_id,
            records.c.last_line,
        )
        .select_from(source)
        .where(records.c.department == department, matches)
    )
    return {
        r.source_record_id: Current(r.id, r.current_version, r.content_hash, r.last_batch_id, r.last_line)
        for r in rows
    }


ORG_COLUMNS = (
    "key",
    "scheme",
    "code",
    "name",
    "alt_name",
    "kind",
    "country",
    "division",
    "never_public",
    "created_at",
)
RECORD_COLUMNS = (
    "department",
    "source_record_id",
    "organisation_id",
    "category",
    "state",
    "current_version",
    "content_hash",
    "last_batch_id",
    "last_line",
    "created_at",
    "updated_at",
)
VERSION_COLUMNS = (
    "record_id",
    "version",
    "organisation_id",
    "category",
    "subject_name",
    "subject_alt_name",
    "severity",
    "decided_on",
    "legal_basis",
    "status",
    "amount",
    "currency",
    "summary",
    "effective_until",
    "until_kind",
    "content_hash",
    "batch_id",
    "file_name",
    "line",
    "received_at",
)


def organisation_ids(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    if not keys:
        return {}
    source, matches = keyed_by(organisations.c.key, keys, conn.dialect.name)
    rows = conn.execute(select(organisations.c.key, organisations.c.id).select_from(source).where(matches))
    return {r.key: r.id for r in rows}


def ensure_organisations(conn: Connection, subjects: Sequence[Subject], now: datetime) -> dict[str, int]:
    """The ids of these subjects' organisations, adding those not yet known. A known organisation keeps
    its first-seen name: names vary by source, and each version keeps the name it was submitted with."""
    unique = {s.key: s for s in subjects}
    bulk_insert(
        conn,
        organisations,
        ORG_COLUMNS,
        [
            (s.key, s.scheme, s.code, s.name, s.alt_name, s.kind, s.country, s.division, s.never_public, now)
            for s in unique.values()
        ],
        ignore_conflicts=True,
    )
    return organisation_ids(conn, list(unique))


def insert_records(
    conn: Connection, department: str, rows: Sequence[tuple[ValidRow, int]], batch_id: int, now: datetime
) -> dict[str, int]:
    """Insert new records ((row, organisation id) pairs); return their ids by source_record_id."""
    if not rows:
        return {}
    bulk_insert(
        conn,
        records,
        RECORD_COLUMNS,
        [
            (
                department,
                r.source_record_id,
                org,
                r.category,
                "active",
                1,
                r.content_hash,
                batch_id,
                r.line,
                now,
                now,
            )
            for r, org in rows
        ],
    )
    found = current_of(conn, department, [r.source_record_id for r, _ in rows])
    return {sid: c.id for sid, c in found.items()}


def update_records(
    conn: Connection, rows: Sequence[tuple[int, int, int, ValidRow]], batch_id: int, now: datetime
) -> None:
    """Point records at their new current version: (record id, version, organisation id, row)."""
    if rows:
        conn.execute(
            update(records)
            .where(records.c.id == bindparam("rid"))
            .values(
                current_version=bindparam("v"),
                content_hash=bindparam("h"),
                organisation_id=bindparam("o"),
                category=bindparam("c"),
                last_batch_id=bindparam("b"),
                last_line=bindparam("l"),
                updated_at=bindparam("t"),
            ),
            [
                {
                    "rid": rid,
                    "v": v,
                    "h": r.content_hash,
                    "o": org,
                    "c": r.category,
                    "b": batch_id,
                    "l": r.line,
                    "t": now,
                }
                for rid, v, org, r in rows
            ],
        )


def mark_seen(conn: Connection, rows: Sequence[tuple[int, int]], batch_id: int) -> None:
    """Note that this submission carried these records unchanged ((record id, line) pairs: last seen), so
    a later row of the same submission with the same id and other content is caught as a duplicate on
    every rerun alike."""
    if rows:
        conn.execute(
            update(records)
            .where(records.c.id == bindparam("rid"))
            .values(last_batch_id=bindparam("b"), last_line=bindparam("l")),
            [{"rid": rid, "b": batch_id, "l": line} for rid, line in rows],
        )


def insert_versions(
    conn: Connection,
    rows: Sequence[tuple[int, int, int, ValidRow]],
    batch_id: int,
    file_name: str,
    now: datetime,
) -> None:
    """Add versions: (record id, version, organisation id, row)."""
    bulk_insert(
        conn,
        versions,
        VERSION_COLUMNS,
        [
            (
                rid,
                v,
                org,
                r.category,
                r.subject.name,
                r.subject.alt_name,
                r.severity,
                r.decided_on,
                r.legal_basis,
                r.status,
                r.amount,
                r.currency,
                r.summary,
                r.effective_until,
                r.until_kind,
                r.content_hash,
                batch_id,
                file_name,
                r.line,
                now,
            )
            for rid, v, org, r in rows
        ],
    )


def organisation(conn: Connection, organisation_id: int) -> Any | None:
    return conn.execute(select(organisations).where(organisations.c.id == organisation_id)).first()


def find_record(conn: Connection, department: str, source_record_id: str) -> Any | None:
    return conn.execute(
        select(records).where(
            records.c.department == department, records.c.source_record_id == source_record_id
        )
    ).first()


def record_versions(conn: Connection, record_id: int) -> list[Any]:
    return list(
        conn.execute(select(versions).where(versions.c.record_id == record_id).order_by(versions.c.version))
    )


def set_state(conn: Connection, record_id: int, state: str, now: datetime) -> None:
    conn.execute(update(records).where(records.c.id == record_id).values(state=state, updated_at=now))


def add_event(
    conn: Connection, record_id: int, version: int, kind: str, actor: str, reason: str, now: datetime
) -> None:
    conn.execute(
        insert(events).values(
            record_id=record_id, version=version, kind=kind, actor=actor, reason=reason, at=now
        )
    )


def record_events(conn: Connection, record_id: int) -> list[Any]:
    return list(conn.execute(select(events).where(events.c.record_id == record_id).order_by(events.c.id)))


def table_counts(conn: Connection) -> dict[str, int]:
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in (organisations, records, versions, events, batches)
    }


def counts_by(conn: Connection, column: Any) -> list[tuple[str, int]]:
    rows = conn.execute(select(column, func.count()).group_by(column).order_by(func.count().desc()))
    return [(str(k), int(n)) for k, n in rows]
