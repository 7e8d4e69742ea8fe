"""Every query on list entries and their events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, insert, or_, select, update

from credence.store.models import ListEntry, ListEntryEvent, Organisation, Record

entries = cast(Table, ListEntry.__table__)
events = cast(Table, ListEntryEvent.__table__)
organisations = cast(Table, Organisation.__table__)
records = cast(Table, Record.__table__)

# States in which an entry is still in procedure or in force: a second one under the same criterion waits.
LIVE = ("proposed", "open", "answered", "listed")


def add(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(entries).values(**values).returning(entries.c.id)).scalar_one())


def change(conn: Connection, entry_id: int, **values: Any) -> None:
    conn.execute(update(entries).where(entries.c.id == entry_id).values(**values))


def find(conn: Connection, entry_id: int) -> Any | None:
    return conn.execute(select(entries).where(entries.c.id == entry_id)).first()


def add_event(
    conn: Connection, entry_id: int, state: str, event: str, actor: str, reason: str, at: datetime
) -> None:
    conn.execute(
        insert(events).values(entry_id=entry_id, state=state, event=event, actor=actor, reason=reason, at=at)
    )


def events_of(conn: Connection, entry_id: int) -> list[Any]:
    return list(conn.execute(select(events).where(events.c.entry_id == entry_id).order_by(events.c.id)))


def of_record(conn: Connection, record_id: int) -> Any | None:
    return conn.execute(select(entries).where(entries.c.record_id == record_id)).first()


def of_records(conn: Connection, record_ids: Sequence[int]) -> list[Any]:
    """The entries of these records (a list entry's record is its own)."""
    found: list[Any] = []
    for start in range(0, len(record_ids), 5000):
        part = list(record_ids[start : start + 5000])
        found.extend(
            conn.execute(select(entries).where(entries.c.record_id.in_(part)).order_by(entries.c.id))
        )
    return found


def live(conn: Connection, organisation_id: int, kind: str, criterion: str) -> Any | None:
    return conn.execute(
        select(entries).where(
            entries.c.organisation_id == organisation_id,
            entries.c.list == kind,
            entries.c.criterion == criterion,
            entries.c.state.in_(LIVE),
        )
    ).first()


def of_organisation(conn: Connection, organisation_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(entries).where(entries.c.organisation_id == organisation_id).order_by(entries.c.id.desc())
        )
    )


def awaiting_department(conn: Connection, department: str) -> list[Any]:
    """Proposed serious-dishonesty entries this department has still to decide."""
    return list(
        conn.execute(
            select(entries)
            .where(entries.c.department == department, entries.c.state.in_(("open", "answered")))
            .order_by(entries.c.answer_due, entries.c.id)
        )
    )


def current_query(today: date) -> Select[Any]:
    """Entries in force and public today: listed, their record published (its notice delivered) and
    active, not past their end. Joined to the organisation; filter or order on `entries`."""
    return (
        select(
            entries,
            organisations.c.code.label("organisation_code"),
            organisations.c.name.label("organisation_name"),
            organisations.c.never_public,
        )
        .join(organisations, organisations.c.id == entries.c.organisation_id)
        .join(records, records.c.id == entries.c.record_id)
        .where(
            entries.c.state == "listed",
            records.c.noticed_at.is_not(None),
            records.c.state == "active",
            or_(entries.c.ends_on.is_(None), entries.c.ends_on >= today),
        )
    )


def current(conn: Connection, kind: str, today: date) -> list[Any]:
    return list(conn.execute(current_query(today).where(entries.c.list == kind).order_by(entries.c.id)))


def current_of(conn: Connection, organisation_id: int, today: date) -> list[Any]:
    return list(
        conn.execute(
            current_query(today).where(entries.c.organisation_id == organisation_id).order_by(entries.c.id)
        )
    )


def past_end(conn: Connection, today: date) -> list[Any]:
    """Listed entries whose last day has passed."""
    return list(conn.execute(select(entries).where(entries.c.state == "listed", entries.c.ends_on < today)))


def to_warn(conn: Connection, today: date, escalation_days: int, warning_days: int) -> list[Any]:
    """Abnormal-operation entries that reach the escalation period within the warning period, not yet
    warned."""
    return list(
        conn.execute(
            select(entries).where(
                entries.c.list == "abnormal_operation",
                entries.c.state == "listed",
                entries.c.warned_on.is_(None),
                entries.c.starts_on <= today - timedelta(days=escalation_days - warning_days),
            )
        )
    )


def to_escalate(conn: Connection, today: date, escalation_days: int, warning_days: int) -> list[Any]:
    """Abnormal-operation entries past the escalation period whose warning is at least warning_days old."""
    return list(
        conn.execute(
            select(entries).where(
                entries.c.list == "abnormal_operation",
                entries.c.state == "listed",
                entries.c.starts_on <= today - timedelta(days=escalation_days),
                entries.c.warned_on <= today - timedelta(days=warning_days),
            )
        )
    )


def by_ids(conn: Connection, ids: Sequence[int]) -> list[Any]:
    return list(conn.execute(select(entries).where(entries.c.id.in_(list(ids))))) if ids else []
