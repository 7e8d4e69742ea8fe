"""Every query on ratings and rating history, and the record facts rating reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql

from credence.rating.batch import BatchRating
from credence.rating.engine import RecordFacts
from credence.rating.partitioned import RATED
from credence.store.db import stage as stage_rows
from credence.store.db import upsert_from_select
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


def facts_query(conn: Connection, organisation_ids: Sequence[int] | None) -> Any:
    """The query of these files' facts (all when None) for the SQL engine, in the columns of
    credence.rating.partitioned.FACTS: each record under the head of its organisation's file
    (organisation_ids are heads). Without any link in the store, every organisation is its own file and
    the records are read without the join."""
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
    return query


def heads_query() -> Any:
    """The query of every organisation rated: the head of each file (a subject joined to another's file
    is rated in it), in order."""
    return select(organisations.c.id).where(organisations.c.file_id.is_(None)).order_by(organisations.c.id)


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


# A partition's ratings, as credence.rating.partitioned.RATED gives them, before they are stored.
STAGE = "rating_stage"
_STAGE_COLUMNS = (
    "organisation_id BIGINT, score INTEGER, grade VARCHAR(1), grade_limited_by VARCHAR(64), reasons TEXT"
)
stage = Table(
    STAGE,
    MetaData(),
    Column("organisation_id", BigInteger),
    Column("score", Integer),
    Column("grade", String(1)),
    Column("grade_limited_by", String(64)),
    Column("reasons", Text),
)


def store_ratings(
    conn: Connection,
    rated: Any,
    as_of: date,
    policy_version: str,
    policy_sha256: str,
    cause: str,
    now: datetime,
    read_at: datetime,
) -> list[dict[str, Any]]:
    """Store ratings (an Arrow table or batch with the columns of credence.rating.partitioned.RATED, in
    the order of the ids) made from facts read at `read_at` (at the latest), set-based: staged in a
    temporary table (credence.store.db.stage), then a history row is added for each organisation whose
    score or grade changed (or that is rated for the first time), so that the history's score is never
    stale, and the ratings are upserted. A stored rating whose facts were read later than `read_at` is
    kept as it is, with no history row: of two ratings made at once, the one made from older facts never
    replaces the fresher one, whichever stores last. Returns the rows that change a grade (as inserted,
    without their ids): those are logged, and bring or lift measures; the only Python object per
    organisation, and only for those."""
    if not rated.num_rows:
        return []
    stage_rows(conn, STAGE, _STAGE_COLUMNS, rated)
    constants = {"as_of": as_of, "cause": cause, "policy_version": policy_version, "rated_at": now}
    values = {name: literal(value, history.c[name].type) for name, value in constants.items()}
    stored = {
        **{k: v for k, v in values.items() if k != "cause"},
        "policy_sha256": literal(policy_sha256, ratings.c.policy_sha256.type),
        "facts_read_at": literal(read_at, ratings.c.facts_read_at.type),
    }
    if conn.dialect.name == "postgresql":
        bounds = pc.min_max(rated.column("organisation_id")).as_py()
        changed = _store_postgres(conn, values, stored, bounds["min"], bounds["max"])
    else:
        changed = _store_sqlite(conn, values, stored)
    return [
        {
            "organisation_id": row.organisation_id,
            "old_grade": row.old_grade,
            "new_grade": row.new_grade,
            "score": row.score,
            **constants,
        }
        for row in changed
    ]


_RATED = ("organisation_id", "score", "grade", "grade_limited_by", "reasons")
_HISTORY = ("organisation_id", "old_grade", "new_grade", "score")


def _store_sqlite(conn: Connection, values: dict[str, Any], stored: dict[str, Any]) -> Sequence[Any]:
    """SQLite: the grade changes read, the history added, the ratings upserted (one writer at a time:
    what is read is what is written over)."""
    joined = stage.outerjoin(ratings, ratings.c.organisation_id == stage.c.organisation_id)
    # The stored rating is replaced only by one whose facts were read no earlier.
    fresher = ratings.c.organisation_id.is_(None) | (ratings.c.facts_read_at <= stored["facts_read_at"])
    changes = (
        select(stage.c.organisation_id, ratings.c.grade.label("old_grade"), stage.c.grade.label("new_grade"))
        .add_columns(stage.c.score)
        .select_from(joined)
        .where(fresher)
    )
    changed = conn.execute(
        changes.where(ratings.c.grade.is_distinct_from(stage.c.grade)).order_by(stage.c.organisation_id)
    ).all()
    conn.execute(
        insert(history).from_select(
            [*_HISTORY, *values],
            select(stage.c.organisation_id, ratings.c.grade, stage.c.grade, stage.c.score, *values.values())
            .select_from(joined)
            .where(fresher)
            .where(
                ratings.c.grade.is_distinct_from(stage.c.grade)
                | ratings.c.score.is_distinct_from(stage.c.score)
            )
            .order_by(stage.c.organisation_id),
        )
    )
    upsert_from_select(
        conn,
        ratings,
        ["organisation_id"],
        [*_RATED, *stored],
        select(*(stage.c[name] for name in _RATED), *stored.values()),
        where_newer="facts_read_at",
    )
    return changed


def _store_postgres(
    conn: Connection, values: dict[str, Any], stored: dict[str, Any], low: int, high: int
) -> Sequence[Any]:
    """PostgreSQL: one statement. The stage is joined once to the ratings of its own range of ids (an
    index range scan: joined to the whole table, every slice read all of it); the ratings are upserted
    where no fresher one is stored; the history rows are added for those written whose score or grade
    changed; the grade changes are what it returns."""
    on = (ratings.c.organisation_id == stage.c.organisation_id) & ratings.c.organisation_id.between(low, high)
    old = (
        select(*(stage.c[name] for name in _RATED))
        .add_columns(ratings.c.grade.label("old_grade"), ratings.c.score.label("old_score"))
        .select_from(stage.outerjoin(ratings, on))
        .where(ratings.c.organisation_id.is_(None) | (ratings.c.facts_read_at <= stored["facts_read_at"]))
        .cte("old")
    )
    fresh = ratings.c.facts_read_at <= stored["facts_read_at"]
    # The ratings stored before are updated by a join (an upsert of each row cost half as much again);
    # the new ones are inserted, upserting only if another rating inserted one meanwhile.
    updated = (
        update(ratings)
        .where(ratings.c.organisation_id == old.c.organisation_id, old.c.old_score.is_not(None))
        .where(ratings.c.organisation_id.between(low, high), fresh)  # fresh: as the row is now
        .values({name: old.c[name] for name in _RATED[1:]} | stored)
        .returning(ratings.c.organisation_id)
        .cte("updated")
    )
    insert_new = postgresql.insert(ratings).from_select(
        [*_RATED, *stored],
        select(*(old.c[name] for name in _RATED), *stored.values()).where(old.c.old_score.is_(None)),
    )
    inserted = (
        insert_new.on_conflict_do_update(
            index_elements=["organisation_id"],
            set_={name: insert_new.excluded[name] for name in [*_RATED[1:], *stored]},
            where=ratings.c.facts_read_at <= insert_new.excluded.facts_read_at,
        )
        .returning(ratings.c.organisation_id)
        .cte("inserted")
    )
    up = union_all(select(updated.c.organisation_id), select(inserted.c.organisation_id)).subquery("up")
    added = (
        insert(history)
        .from_select(
            [*_HISTORY, *values],
            select(old.c.organisation_id, old.c.old_grade, old.c.grade, old.c.score, *values.values())
            .select_from(old.join(up, up.c.organisation_id == old.c.organisation_id))
            .where(
                old.c.old_grade.is_distinct_from(old.c.grade) | old.c.old_score.is_distinct_from(old.c.score)
            )
            .order_by(old.c.organisation_id),
        )
        .returning(*(history.c[name] for name in _HISTORY))
        .cte("added")
    )
    return conn.execute(
        select(added)
        .where(added.c.old_grade.is_distinct_from(added.c.new_grade))
        .order_by(added.c.organisation_id)
    ).all()


def as_rated(results: Sequence[BatchRating]) -> pa.Table:
    """Ratings made one by one (the Python engine), as store_ratings takes them."""
    return pa.table(
        {
            "organisation_id": [r.organisation_id for r in results],
            "score": [r.score for r in results],
            "grade": [r.grade for r in results],
            "grade_limited_by": [r.grade_limited_by for r in results],
            "reasons": [json.dumps([{"record_id": i, "points": p} for i, p in r.reasons]) for r in results],
        },
        RATED,
    )


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
