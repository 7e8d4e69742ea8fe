"""All queries on records, versions, organisations and batches live here; services never write SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from credence.records.validation import ValidRow
from credence.store.db import bulk_insert
from credence.store.models import IngestBatch, Organisation, Record, RecordEvent, RecordVersion

records = cast(Table, Record.__table__)
versions = cast(Table, RecordVersion.__table__)
organisations = cast(Table, Organisation.__table__)
batches = cast(Table, IngestBatch.__table__)
events = cast(Table, RecordEvent.__table__)


@dataclass(frozen=True, slots=True)
class Current:
    """What the store holds now for a record id: enough to decide new / unchanged / updated."""

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


def current_of(conn: Connection, record_ids: Sequence[str]) -> dict[str, Current]:
    if not record_ids:
        return {}
    rows = conn.execute(
        select(
            records.c.id,
            records.c.current_version,
            records.c.content_hash,
            records.c.last_batch_id,
            records.c.last_line,
        ).where(records.c.id.in_(record_ids))
    )
    return {r.id: Current(r.current_version, r.content_hash, r.last_batch_id, r.last_line) for r in rows}


ORG_COLUMNS = (
    "id",
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
    "id",
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


def ensure_organisations(conn: Connection, rows: Iterable[ValidRow], now: datetime) -> None:
    """Add organisations not yet known; a known one keeps its first-seen name (names vary by source)."""
    subjects = {r.subject.key: r.subject for r in rows}
    bulk_insert(
        conn,
        organisations,
        ORG_COLUMNS,
        [
            (s.key, s.scheme, s.code, s.name, s.alt_name, s.kind, s.country, s.division, s.never_public, now)
            for s in subjects.values()
        ],
        ignore_conflicts=True,
    )


def insert_records(
    conn: Connection, department: str, rows: Sequence[ValidRow], batch_id: int, now: datetime
) -> None:
    bulk_insert(
        conn,
        records,
        RECORD_COLUMNS,
        [
            (
                r.record_id,
                department,
                r.source_record_id,
                r.subject.key,
                r.category,
                "active",
                1,
                r.content_hash,
                batch_id,
                r.line,
                now,
                now,
            )
            for r in rows
        ],
    )


def update_records(
    conn: Connection, rows: Sequence[tuple[ValidRow, int]], batch_id: int, now: datetime
) -> None:
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
                    "rid": r.record_id,
                    "v": v,
                    "h": r.content_hash,
                    "o": r.subject.key,
                    "c": r.category,
                    "b": batch_id,
                    "l": r.line,
                    "t": now,
                }
                for r, v in rows
            ],
        )


def mark_seen(conn: Connection, rows: Sequence[ValidRow], batch_id: int) -> None:
    """Note that this submission carried these rows unchanged (last seen), so a later row of the same
    submission with the same id and other content is caught as a duplicate on every rerun alike."""
    if rows:
        conn.execute(
            update(records)
            .where(records.c.id == bindparam("rid"))
            .values(last_batch_id=bindparam("b"), last_line=bindparam("l")),
            [{"rid": r.record_id, "b": batch_id, "l": r.line} for r in rows],
        )


def insert_versions(
    conn: Connection, rows: Sequence[tuple[ValidRow, int]], batch_id: int, file_name: str, now: datetime
) -> None:
    bulk_insert(
        conn,
        versions,
        VERSION_COLUMNS,
        [
            (
                r.record_id,
                v,
                r.subject.key,
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
            for r, v in rows
        ],
    )


def find_record(conn: Connection, department: str, source_record_id: str) -> Any | None:
    return conn.execute(
        select(records).where(
            records.c.department == department, records.c.source_record_id == source_record_id
        )
    ).first()


def record_versions(conn: Connection, record_id: str) -> list[Any]:
    return list(
        conn.execute(select(versions).where(versions.c.record_id == record_id).order_by(versions.c.version))
    )


def set_state(conn: Connection, record_id: str, state: str, now: datetime) -> None:
    conn.execute(update(records).where(records.c.id == record_id).values(state=state, updated_at=now))


def add_event(
    conn: Connection, record_id: str, version: int, kind: str, actor: str, reason: str, now: datetime
) -> None:
    conn.execute(
        insert(events).values(
            record_id=record_id, version=version, kind=kind, actor=actor, reason=reason, at=now
        )
    )


def record_events(conn: Connection, record_id: str) -> list[Any]:
    return list(conn.execute(select(events).where(events.c.record_id == record_id).order_by(events.c.id)))


def table_counts(conn: Connection) -> dict[str, int]:
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in (organisations, records, versions, events, batches)
    }


def counts_by(conn: Connection, column: Any) -> list[tuple[str, int]]:
    rows = conn.execute(select(column, func.count()).group_by(column).order_by(func.count().desc()))
    return [(str(k), int(n)) for k, n in rows]
