"""Every query on ratings and rating history, and the record facts rating reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

import pyarrow as pa
from sqlalchemy import Connection, Table, func, insert, select

from credence.rating.batch import BatchRating
from credence.rating.engine import RecordFacts
from credence.store.db import upsert
from credence.store.models import ListEntry, Organisation, RatingChange, RatingRow, Record
from credence.subjects.clusters import file_head, members_query

records = cast(Table, Record.__table__)
organisations = cast(Table, Organisation.__table__)
ratings = cast(Table, RatingRow.__table__)
history = cast(Table, RatingChange.__table__)
entries = cast(Table, ListEntry.__table__)
file_of = func.coalesce(organisations.c.file_id, organisations.c.id)  # the head of a subject's file

_FACTS = (
    records.c.organisation_id,
    records.c.id.label("record_id"),
    records.c.source_record_id,
    records.c.category,
    records.c.severity,
    records.c.status,
    records.c.decided_on,
    records.c.state,
)
_ARROW = pa.schema(
    [
        ("organisation_id", pa.int64()),
        ("record_id", pa.int64()),
        ("category", pa.string()),
        ("severity", pa.string()),
        ("status", pa.string()),
        ("decided_on", pa.date32()),
        ("state", pa.string()),
    ]
)


# Only records whose notice was logged count: nothing is published, or weighs on a grade, before notice.
_NOTICED = records.c.noticed_at.is_not(None)


def facts_of(conn: Connection, organisation_id: int) -> list[RecordFacts]:
    """The facts of the records of the file this organisation is in (its own, and those of the subjects
    links joined to it: credence.subjects.clusters)."""
    members = members_query(file_head(conn, organisation_id))
    rows = conn.execute(select(*_FACTS).where(records.c.organisation_id.in_(members), _NOTICED))
    return [
        RecordFacts(r.record_id, r.source_record_id, r.category, r.severity, r.status, r.decided_on, r.state)
        for r in rows
    ]


def listed_of(conn: Connection, organisation_id: int) -> list[Any]:
    """The list entries in force in the file this organisation is in, with a record (what the tick may
    end or escalate: credence.rating.service reads them to say what would change the grade)."""
    members = members_query(file_head(conn, organisation_id))
    query = select(entries).where(
        entries.c.organisation_id.in_(members), entries.c.state == "listed", entries.c.record_id.is_not(None)
    )
    return list(conn.execute(query.order_by(entries.c.id)))


def listed_of_files(conn: Connection, heads: Sequence[int]) -> dict[int, list[Any]]:
    """listed_of for many files at once (one query), by the head of each file."""
    found: dict[int, list[Any]] = {head: [] for head in heads}
    if not heads:
        return found
    query = (
        select(file_of.label("file_head"), entries)
        .select_from(entries.join(organisations, organisations.c.id == entries.c.organisation_id))
        .where(file_of.in_(list(heads)), entries.c.state == "listed", entries.c.record_id.is_not(None))
        .order_by(entries.c.id)
    )
    for row in conn.execute(query):
        found.setdefault(row.file_head, []).append(row)
    return found


def facts_table(conn: Connection, organisation_ids: Sequence[int] | None) -> pa.Table:
    """The facts of these files' records (all when None), as an Arrow table for the SQL engine: each
    record under the head of its organisation's file (organisation_ids are heads). Without any link in
    the store, every organisation is its own file and the records are read without the join."""
    read: list[Any] = [c for c in _FACTS if c.name != "source_record_id"]
    if any_files(conn):
        read[0] = file_of.label("organisation_id")
        query = select(*read).select_from(records.join(organisations)).where(_NOTICED)
        if organisation_ids is not None:
            query = query.where(file_of.in_(list(organisation_ids)))
    else:
        query = select(*read).where(_NOTICED)
        if organisation_ids is not None:
            query = query.where(records.c.organisation_id.in_(list(organisation_ids)))
    batches = []
    for part in conn.execution_options(yield_per=50_000).execute(query).partitions():
        columns: list[Any] = list(zip(*part, strict=True))
        batches.append(
            pa.record_batch([pa.array(c, t.type) for c, t in zip(columns, _ARROW, strict=True)], _ARROW)
        )
    return pa.Table.from_batches(batches, _ARROW)


def organisation_ids(conn: Connection) -> list[int]:
    """Every organisation rated: the head of each file (a subject joined to another's file is rated in
    it)."""
    query = select(organisations.c.id).where(organisations.c.file_id.is_(None)).order_by(organisations.c.id)
    return list(conn.execute(query).scalars())


def heads(conn: Connection, organisation_ids: Sequence[int]) -> list[int]:
    """The heads of the files these organisations are in, each once, in order."""
    found: set[int] = set()
    ids = sorted(set(organisation_ids))
    for start in range(0, len(ids), 1000):
        query = select(file_of).where(organisations.c.id.in_(ids[start : start + 1000]))
        found.update(conn.execute(query).scalars())
    return sorted(found)


def any_files(conn: Connection) -> bool:
    """Whether any subject is in another's file (the index on file_id answers at once)."""
    return (
        conn.execute(select(organisations.c.id).where(organisations.c.file_id.is_not(None)).limit(1)).first()
        is not None
    )


def current_grades(conn: Connection, organisation_ids: Sequence[int]) -> dict[int, str]:
    return {i: grade for i, (grade, _) in current_ratings(conn, organisation_ids).items()}


def current_ratings(conn: Connection, organisation_ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """The stored grade and score of these organisations (those rated)."""
    if not organisation_ids:
        return {}
    rows = conn.execute(
        select(ratings.c.organisation_id, ratings.c.grade, ratings.c.score).where(
            ratings.c.organisation_id.in_(list(organisation_ids))
        )
    )
    return {r.organisation_id: (r.grade, r.score) for r in rows}


def save_ratings(
    conn: Connection,
    results: Sequence[BatchRating],
    as_of: date,
    policy_version: str,
    policy_sha256: str,
    cause: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Store the ratings; add a history row for each organisation whose score or grade changed (or that
    is rated for the first time), so that the history's score is never stale. Returns the rows that
    change a grade (as inserted, without their ids): those are logged, and bring or lift measures."""
    before: dict[int, tuple[str, int]] = {}
    ids = [r.organisation_id for r in results]
    for start in range(0, len(ids), 5000):
        before.update(current_ratings(conn, ids[start : start + 5000]))
    upsert(
        conn,
        ratings,
        ["organisation_id"],
        [
            {
                "organisation_id": r.organisation_id,
                "as_of": as_of,
                "score": r.score,
                "grade": r.grade,
                "grade_limited_by": r.grade_limited_by,
                "reasons": json.dumps([{"record_id": i, "points": p} for i, p in r.reasons]),
                "policy_version": policy_version,
                "policy_sha256": policy_sha256,
                "rated_at": now,
            }
            for r in results
        ],
    )
    added = [
        {
            "organisation_id": r.organisation_id,
            "as_of": as_of,
            "old_grade": before[r.organisation_id][0] if r.organisation_id in before else None,
            "new_grade": r.grade,
            "score": r.score,
            "cause": cause,
            "policy_version": policy_version,
            "rated_at": now,
        }
        for r in results
        if before.get(r.organisation_id) != (r.grade, r.score)
    ]
    if added:
        conn.execute(insert(history), added)
    return [row for row in added if row["old_grade"] != row["new_grade"]]


def rating_of(conn: Connection, organisation_id: int) -> Any | None:
    return conn.execute(select(ratings).where(ratings.c.organisation_id == organisation_id)).first()


def history_of(conn: Connection, organisation_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(history).where(history.c.organisation_id == organisation_id).order_by(history.c.id)
        )
    )


def find_organisation(conn: Connection, key_or_code: str) -> Any | None:
    """An organisation by its key ('uscc:…'), its code (a USCC or LEI) or its number."""
    text = key_or_code.strip()
    query = select(organisations)
    if text.isdigit() and len(text) < 12:
        return conn.execute(query.where(organisations.c.id == int(text))).first()
    found = conn.execute(query.where(organisations.c.key == text)).first()
    return found or conn.execute(query.where(organisations.c.code == text.upper())).first()
