"""Read-side queries of the self-service pages: an organisation's own file holds every record, whatever
its state, notice or publicity (unlike api.queries, which selects what anyone may see)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, exists, select

from credence.api.queries import organisations, records
from credence.catalog import Catalog
from credence.i18n import N_, _, format_date
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


# A record's state in the words of the own file (English, translated where shown).
STATES = {
    "withdrawn": N_("withdrawn"),
    "repaired": N_("repaired"),
    "ended": N_("ended"),
    "awaiting notice": N_("awaiting notice"),
    "awaiting notice · under objection": N_("awaiting notice · under objection"),
    "under objection": N_("under objection"),
    "published": N_("published"),
}
ENDED = ("withdrawn", "repaired", "ended")


def record_state(catalog: Catalog, record: Any, contested: bool, today: date) -> str:
    """Where a record stands, in the words of the own file (a key of STATES)."""
    if record.state != "active":
        return str(record.state)  # withdrawn, repaired, ended
    if record.noticed_at is None:
        return "awaiting notice · under objection" if contested else "awaiting notice"
    if contested:
        return "under objection"
    if today >= published_until(catalog, record):
        return "ended"
    return "published"


def ended_because(catalog: Catalog, record: Any, today: date) -> str | None:
    """Why a record has ended, in the reader's language, or None while it is in force. An ended record is
    withdrawn, repaired, ended with its list entry, or past its publication period (a correction may have
    shortened it): it is no longer published or shared, counts in no grade and grounds no measure, so
    there is nothing to object to or to repair."""
    state = record_state(catalog, record, False, today)
    if state not in ENDED:
        return None
    if record.state == "withdrawn":
        return _("it was withdrawn")
    if record.state == "repaired":
        return _("it was repaired")
    if record.state == "ended":
        return _("it ended with its list entry")
    return _("its publication period ended on %(day)s", day=format_date(published_until(catalog, record)))


AUDIENCES = {
    "public": N_("everyone"),
    "shared": N_("public bodies only"),
    "private": N_("only you"),
}
NEVER_PUBLIC = N_("nobody: a sole proprietor's records are never published")


def audience(catalog: Catalog, record: Any, never_public: bool) -> str:
    """Who may see a record once it is published (English, translated where shown)."""
    if never_public:
        return NEVER_PUBLIC
    return AUDIENCES.get(catalog.categories[record.category].publicity.value, AUDIENCES["private"])
