"""Read-side queries of the self-service pages: an organisation's own file holds every record, whatever
its state, notice or publicity (unlike api.queries, which selects what anyone may see)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, exists, select

from credence.api.queries import organisations, records
from credence.catalog import Catalog
from credence.records.publicity import published_until
from credence.subjects.clusters import file_head, members_query


def own_records(conn: Connection, organisation_id: int) -> list[Any]:
    """Every record of the organisation's file, newest decision first: awaiting notice, withdrawn,
    repaired, ended and shared or private ones included, and those of the listings a clerk's link joined
    to it (`linked`: they count in its grade, and it may object that they are not about it)."""
    return list(
        conn.execute(
            select(records, (records.c.organisation_id != organisation_id).label("linked"))
            .where(records.c.organisation_id.in_(_file(conn, organisation_id)))
            .order_by(records.c.decided_on.desc(), records.c.id.desc())
        )
    )


def own_record(conn: Connection, organisation_id: int, department: str, source_record_id: str) -> Any | None:
    """One record of the organisation's file, or None when there is none or it is another's."""
    return conn.execute(
        select(records, (records.c.organisation_id != organisation_id).label("linked")).where(
            records.c.department == department,
            records.c.source_record_id == source_record_id,
            records.c.organisation_id.in_(_file(conn, organisation_id)),
        )
    ).first()


def _file(conn: Connection, organisation_id: int) -> Any:
    return members_query(file_head(conn, organisation_id))


def examples(conn: Connection, limit: int = 6) -> list[Any]:
    """A few organisations with records to sign in as in the demo (never a sole proprietor)."""
    has_records = exists().where(records.c.organisation_id == organisations.c.id)
    return list(
        conn.execute(
            select(organisations.c.code, organisations.c.name)
            .where(has_records, organisations.c.code.is_not(None), organisations.c.never_public.is_(False))
            .order_by(organisations.c.id)
            .limit(limit)
        )
    )


def record_state(catalog: Catalog, record: Any, contested: bool, today: date) -> str:
    """Where a record stands, in the words of the own file."""
    if record.state != "active":
        return str(record.state)  # withdrawn, repaired, ended
    if record.noticed_at is None:
        return "awaiting notice · under objection" if contested else "awaiting notice"
    if contested:
        return "under objection"
    if today >= published_until(catalog, record):
        return "ended"
    return "published"


def audience(catalog: Catalog, record: Any, never_public: bool) -> str:
    """Who may see a record once it is published."""
    if never_public:
        return "nobody: a sole proprietor's records are never published"
    return {
        "public": "everyone",
        "shared": "public bodies only",
        "private": "only you",
    }.get(catalog.categories[record.category].publicity.value, "only you")
