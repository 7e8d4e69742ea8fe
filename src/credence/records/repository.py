"""All queries on records, versions, organisations and batches live here; services never write SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, func, insert, select, union_all, update

from credence.catalog import Severity
from credence.records.block import ValidBlock
from credence.records.interchange import MATCHING_FIELDS
from credence.records.validation import Subject
from credence.store import db
from credence.store.db import Same, bulk_insert, bulk_insert_columns, bulk_update_columns, keyed_by
from credence.store.models import (
    UNEXPIRED,
    IngestBatch,
    Notice,
    Organisation,
    Record,
    RecordEvent,
    RecordVersion,
    SearchTerm,
    SearchVocabulary,
)

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
    published: bool = False  # noticed and active: a new version of it is visible at once
    organisation_id: int = -1
    stored_by: int = -1  # the batch that stored the current version
    matching: tuple[str | None, ...] = (None, None, None)  # address, organisation code, registration


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


def finish_batch(conn: Connection, batch_id: int, status: str, now: datetime, *, rated: bool = False) -> None:
    """End a batch (complete or interrupted); `rated` when what it changed needs no rating after it."""
    values: dict[str, Any] = {"status": status, "finished_at": now}
    if rated:
        values["rated_at"] = now
    conn.execute(update(batches).where(batches.c.id == batch_id).values(**values))


def end_abandoned(conn: Connection, alive: Callable[[int], bool], now: datetime) -> list[int]:
    """Mark `interrupted` each batch still `running` whose process is gone (killed, or lost with its
    machine), as Ctrl-C would have; returns their ids. `alive` tells whether a batch's process lives."""
    running = conn.execute(select(batches.c.id).where(batches.c.status == "running")).scalars()
    gone = [batch_id for batch_id in running if not alive(batch_id)]
    if gone:
        conn.execute(
            update(batches)
            .where(batches.c.id.in_(gone), batches.c.status == "running")
            .values(status="interrupted", finished_at=now)
        )
    return gone


def unfinished(conn: Connection, batch_ids: Sequence[int]) -> set[int]:
    """Those of these batches that did not complete: interrupted, or left running by a process that died."""
    if not batch_ids:
        return set()
    query = select(batches.c.id).where(batches.c.id.in_(list(batch_ids)), batches.c.status != "complete")
    return set(conn.execute(query).scalars())


def unrated_batches(conn: Connection) -> list[int]:
    """Finished batches whose organisations were not rated after them (`--no-rate`, Ctrl-C, a crash)."""
    query = select(batches.c.id).where(batches.c.status != "running", batches.c.rated_at.is_(None))
    return list(conn.execute(query.order_by(batches.c.id)).scalars())


def organisations_of_batches(conn: Connection, batch_ids: Sequence[int]) -> set[int]:
    """The organisations whose records these batches added or changed (the batch of a current version)."""
    found: set[int] = set()
    for start in range(0, len(batch_ids), 500):
        part = list(batch_ids[start : start + 500])
        query = select(records.c.organisation_id).where(records.c.batch_id.in_(part)).distinct()
        found.update(conn.execute(query).scalars())
    return found


def mark_rated(conn: Connection, batch_ids: Sequence[int], now: datetime) -> None:
    """These batches' organisations were rated (read with unrated_batches before their facts were)."""
    for start in range(0, len(batch_ids), 500):
        part = list(batch_ids[start : start + 500])
        conn.execute(update(batches).where(batches.c.id.in_(part)).values(rated_at=now))


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
            records.c.noticed_at.is_not(None).label("noticed"),
            records.c.state,
            records.c.organisation_id,
            records.c.batch_id,
            *(records.c[name] for name in MATCHING_FIELDS),
        )
        .select_from(source)
        .where(records.c.department == department, matches)
    )
    return {
        r.source_record_id: Current(
            r.id,
            r.current_version,
            r.content_hash,
            r.last_batch_id,
            r.last_line,
            bool(r.noticed) and r.state == "active",
            r.organisation_id,
            r.batch_id,
            tuple(r._mapping[name] for name in MATCHING_FIELDS),
        )
        for r in rows
    }


def last_record_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(records.c.id))).scalar() or 0)


def inserted_in(batch_id: int, ids: tuple[int, int]) -> Any:
    """The records this transaction inserted for a batch: ids in (first, last], the largest id before the
    insert and after it, a range scan of the primary key. Bounded on both sides so that PostgreSQL plans
    it as one even with no statistics yet (a one-sided range is guessed at a third of the table, and was
    planned as a scan of all of it). Told apart from other transactions' by last_batch_id, which is the
    batch on a new record and has no index: on batch_id the plan could walk ix_records_batch over every
    record the batch stored before, which grows with the run."""
    after, last = ids
    return and_(records.c.id > after, records.c.id <= last, records.c.last_batch_id == batch_id)


def inserted_ids(conn: Connection, batch_id: int, ids: tuple[int, int]) -> dict[str, int]:
    """The ids of the records this transaction inserted for a batch (see inserted_in): by source id."""
    query = select(records.c.source_record_id, records.c.id).where(inserted_in(batch_id, ids))
    return dict(conn.execute(query).all())  # rows of two, fetched at once rather than one by one


def analyze_written(conn: Connection, *, coarse: bool = False) -> None:
    """Refresh the statistics of the tables an ingest writes (see store.db.analyze)."""
    db.analyze(conn, [cast(Table, model.__table__) for model in WRITTEN_BY_INGEST], coarse=coarse)


# The tables an ingest's chunk looks up by lists of keys (the log's are read by their primary keys only).
WRITTEN_BY_INGEST = (Organisation, Record, Notice, SearchTerm, SearchVocabulary)


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


def organisation_ids(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    if not keys:
        return {}
    source, matches = keyed_by(organisations.c.key, keys, conn.dialect.name)
    rows = conn.execute(select(organisations.c.key, organisations.c.id).select_from(source).where(matches))
    return {r.key: r.id for r in rows}


def ensure_organisations(conn: Connection, subjects: Sequence[Subject], now: datetime) -> dict[str, int]:
    """The ids of these subjects' organisations, adding those not yet known. A known organisation keeps
    its first-seen name: names vary by source, and each version keeps the name it was submitted with.
    Added in the order of their keys: two ingests adding the same organisations at once (on PostgreSQL)
    then wait for each other in one order, instead of each holding a key the other waits for."""
    unique = {s.key: s for s in subjects}
    bulk_insert(
        conn,
        organisations,
        ORG_COLUMNS,
        [
            (s.key, s.scheme, s.code, s.name, s.alt_name, s.kind, s.country, s.division, s.never_public, now)
            for s in (unique[key] for key in sorted(unique))
        ],
        ignore_conflicts=True,
    )
    return organisation_ids(conn, list(unique))


def insert_records(
    conn: Connection,
    department: str,
    block: ValidBlock,
    organisation_ids: Sequence[int],
    batch_id: int,
    now: datetime,
) -> None:
    """Insert new records, each with its content as version 1: one row per record."""
    bulk_insert_columns(
        conn,
        records,
        {
            "department": Same(department),
            "source_record_id": block.source_record_id,
            "organisation_id": organisation_ids,
            "category": block.category,
            "state": Same("active"),
            "current_version": Same(1),
            **_content(block),
            "batch_id": Same(batch_id),
            "line": block.line,
            "received_at": Same(now),
            "last_batch_id": Same(batch_id),
            "last_line": block.line,
            "created_at": Same(now),
            "updated_at": Same(now),
        },
        len(block),
    )


def _content(block: ValidBlock) -> dict[str, Sequence[Any]]:
    return {name: getattr(block, name) for name in CONTENT_COLUMNS}


# The stored content of a version: every column of a checked block but its position and identity.
CONTENT_COLUMNS = tuple(
    name for name in ValidBlock.COLUMNS if name not in ("line", "source_record_id", "category", "subject_key")
)
# What record_versions keeps of a version, taken from the record's row before a correction replaces it.
_VERSION_FROM_RECORD = ("organisation_id", "category", *CONTENT_COLUMNS, "batch_id", "line", "received_at")


def archive_versions(conn: Connection, record_ids: Sequence[int]) -> None:
    """Copy these records' current versions to record_versions, before a correction replaces them."""
    if not record_ids:
        return
    conn.execute(
        insert(versions).from_select(
            ["record_id", "version", *_VERSION_FROM_RECORD, "file_name"],
            select(
                records.c.id,
                records.c.current_version,
                *(records.c[name] for name in _VERSION_FROM_RECORD),
                batches.c.file_name,
            )
            .join(batches, batches.c.id == records.c.batch_id)
            .where(records.c.id.in_(list(record_ids))),
        )
    )


def update_records(
    conn: Connection,
    changes: Sequence[tuple[int, int, int]],
    block: ValidBlock,
    batch_id: int,
    now: datetime,
) -> None:
    """Replace records' current versions: changes are (record id, new version, organisation id), in the
    order of the block's rows. Archive the versions they replace first."""
    if not changes:
        return
    archive_versions(conn, [rid for rid, _, _ in changes])
    bulk_update_columns(
        conn,
        records,
        "id",
        {
            "id": [rid for rid, _, _ in changes],
            "current_version": [version for _, version, _ in changes],
            "organisation_id": [org for _, _, org in changes],
            "category": block.category,
            **_content(block),
            "batch_id": Same(batch_id),
            "line": block.line,
            "received_at": Same(now),
            "last_batch_id": Same(batch_id),
            "last_line": block.line,
            "updated_at": Same(now),
        },
        len(changes),
    )


def refresh_matching(conn: Connection, rows: Sequence[tuple[int, tuple[str | None, ...]]]) -> None:
    """Replace records' matching data (address, organisation code, registration) in place: a submission
    whose content is unchanged may still say where the organisation is now. It is not content, so no new
    version is made."""
    bulk_update_columns(
        conn,
        records,
        "id",
        {
            "id": [rid for rid, _ in rows],
            **{name: [matching[k] for _, matching in rows] for k, name in enumerate(MATCHING_FIELDS)},
        },
        len(rows),
    )


def mark_seen(conn: Connection, rows: Sequence[tuple[int, int]], batch_id: int) -> None:
    """Note that this submission carried these records unchanged ((record id, line) pairs: last seen), so
    a later row of the same submission with the same id and other content is caught as a duplicate on
    every rerun alike."""
    bulk_update_columns(
        conn,
        records,
        "id",
        {
            "id": [rid for rid, _ in rows],
            "last_batch_id": Same(batch_id),
            "last_line": [line for _, line in rows],
        },
        len(rows),
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
    """Every version of a record, oldest first: the archived ones and the current one, same columns."""
    names = ("version", *_VERSION_FROM_RECORD, "file_name")
    archived = select(*(versions.c[name] for name in names)).where(versions.c.record_id == record_id)
    current = (
        select(
            records.c.current_version.label("version"),
            *(records.c[name] for name in _VERSION_FROM_RECORD),
            batches.c.file_name,
        )
        .join(batches, batches.c.id == records.c.batch_id)
        .where(records.c.id == record_id)
    )
    union = archived.union_all(current).subquery()
    return list(conn.execute(select(union).order_by(union.c.version)))


def set_state(conn: Connection, record_id: int, state: str, now: datetime) -> None:
    conn.execute(update(records).where(records.c.id == record_id).values(state=state, updated_at=now))


def set_unnoticed(conn: Connection, record_id: int) -> None:
    """The record awaits a (new) notice again: unpublished until it is delivered."""
    conn.execute(update(records).where(records.c.id == record_id).values(noticed_at=None))


def add_event(
    conn: Connection, record_id: int, version: int, kind: str, actor: str, reason: str, now: datetime
) -> None:
    conn.execute(
        insert(events).values(
            record_id=record_id, version=version, kind=kind, actor=actor, reason=reason, at=now
        )
    )


def to_expire(conn: Connection, periods: Sequence[tuple[str, str | None, int]], today: date) -> list[Any]:
    """Published, active records whose publication period has ended by today and whose current version
    has not expired yet (mark_expired), each with its organisation's never_public. `periods` gives the
    days of publication per (category, severity or None where severity does not apply).

    Read through ix_records_unexpired, whose rows are exactly the published records not yet expired: one
    range of days per category and severity (a category without severity asked for each severity a record
    may hold, which is none once validated), so a tick reads the records that end today, not every record
    that ended before (docs/benchmarks.md, "The tick at 10M records"). A union of the ranges rather than
    their OR: SQLite uses a partial index for neither term of an OR. Each organisation's never_public is
    read by its primary key, whatever the estimate of the rows found."""
    ranges = [
        select(records.c.id).where(
            UNEXPIRED,
            records.c.category == category,
            records.c.severity.is_(None) if level is None else records.c.severity == level,
            records.c.decided_on <= today - timedelta(days=days),
        )
        for category, severity, days in periods
        for level in ([severity] if severity is not None else [None, *(s.value for s in Severity)])
    ]
    if not ranges:
        return []
    ended = union_all(*ranges).subquery()
    never_public = (
        select(organisations.c.never_public)
        .where(organisations.c.id == records.c.organisation_id)
        .scalar_subquery()
    )
    db.few_rows(conn)
    return list(
        conn.execute(
            select(records, never_public.label("never_public"))
            .where(records.c.id.in_(select(ended.c.id)))
            .order_by(records.c.id)
        )
    )


def mark_expired(conn: Connection, record_ids: Sequence[int]) -> None:
    """These records' current versions have expired (their events are logged): they leave
    ix_records_unexpired. One statement for a tick's records."""
    if record_ids:
        conn.execute(
            update(records)
            .where(records.c.id.in_(record_ids))
            .values(expired_version=records.c.current_version)
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
