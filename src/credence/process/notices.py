"""Notices: produced into the organisation's inbox and the outbox, delivered when delivery is logged or
deemed delivered after the configured period. A record's own notice (and a reinstatement's) gates its
publication: until it is delivered, the record is not published and does not count in any rating. A
record's notice is produced with the record (credence.records.notices); those of the other steps here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, Table, func, insert, or_, select, update

from credence.catalog import Catalog
from credence.catalog.model import Polarity, Severity
from credence.records.notices import GATING
from credence.settings import Settings
from credence.store.models import Notice, Organisation, Record, RecordEvent

notices = cast(Table, Notice.__table__)
records = cast(Table, Record.__table__)
organisations = cast(Table, Organisation.__table__)
events = cast(Table, RecordEvent.__table__)


def produce(
    conn: Connection,
    kind: str,
    record: Any,
    now: datetime,
    deemed: date,
    message: str | None = None,
) -> int:
    """One notice about one record; returns its id."""
    return _insert(
        conn, kind, record, now, deemed, message, record_id=record.id, version=record.current_version
    )


def produce_for_organisation(
    conn: Connection,
    kind: str,
    organisation_id: int,
    department: str,
    now: datetime,
    deemed: date,
    message: str,
) -> int:
    """One notice to an organisation about no single record (a link that joins listings to its file)."""
    about = SimpleNamespace(organisation_id=organisation_id, department=department)
    return _insert(conn, kind, about, now, deemed, message)


def produce_about_entry(
    conn: Connection, kind: str, entry: Any, now: datetime, deemed: date, message: str
) -> int:
    """One notice about a list entry (a proposal, a warning, a decision); returns its id."""
    return _insert(conn, kind, entry, now, deemed, message, record_id=entry.record_id, list_entry_id=entry.id)


def _insert(
    conn: Connection, kind: str, about: Any, now: datetime, deemed: date, message: str | None, **refs: Any
) -> int:
    """A notice to `about`'s organisation from its department, referring to what `refs` name."""
    values = {
        "kind": kind,
        "organisation_id": about.organisation_id,
        "department": about.department,
        "message": message,
        "produced_at": now,
        "deemed_on": deemed,
        **refs,
    }
    return int(conn.execute(insert(notices).values(**values).returning(notices.c.id)).scalar_one())


def select_pending() -> Any:
    """Gating notices awaiting delivery, joined to their records (filter on `records` columns)."""
    return (
        select(notices)
        .join(records, records.c.id == notices.c.record_id)
        .where(notices.c.kind.in_(GATING), notices.c.delivered_at.is_(None))
        .order_by(notices.c.id)
    )


def find(conn: Connection, notice_id: int) -> Any | None:
    return conn.execute(select(notices).where(notices.c.id == notice_id)).first()


def pending_for_record(conn: Connection, record_id: int) -> Any | None:
    return conn.execute(
        select(notices)
        .where(
            notices.c.record_id == record_id,
            notices.c.kind.in_(GATING),
            notices.c.delivered_at.is_(None),
        )
        .order_by(notices.c.id)
    ).first()


def undelivered_about(
    conn: Connection, *, record_id: int | None = None, entry_id: int | None = None
) -> list[Any]:
    """Every notice not yet delivered about a record or a list entry, oldest first."""
    query = select(notices).where(notices.c.delivered_at.is_(None))
    if record_id is not None:
        query = query.where(notices.c.record_id == record_id)
    if entry_id is not None:
        query = query.where(notices.c.list_entry_id == entry_id)
    return list(conn.execute(query.order_by(notices.c.id)))


def mark_delivered(
    conn: Connection, notices_: Sequence[Any], how: str, actor: str, channel: str | None, now: datetime
) -> list[Any]:
    """Record delivery of these notices and publish the records of the gating ones. Returns the records
    this published (with their organisation's never_public), for the log."""
    published: list[Any] = []
    for start in range(0, len(notices_), 5000):
        part = notices_[start : start + 5000]
        conn.execute(
            update(notices)
            .where(notices.c.id.in_([n.id for n in part]))
            .values(delivered_at=now, delivery=how, delivered_by=actor, channel=channel)
        )
        gating = [n.record_id for n in part if n.kind in GATING and n.record_id is not None]
        if gating:
            reason = f"notice {part[0].id} {how}" if len(part) == 1 else f"notice {how}"
            published.extend(publish(conn, gating, f"notice_{how}", actor, reason, now))
    return published


def publish(
    conn: Connection, record_ids: Sequence[int], kind: str, actor: str, reason: str, now: datetime
) -> list[Any]:
    """Set noticed_at on these records (those still awaiting it) and keep an event on each. Returns them
    as published, each with its organisation's never_public."""
    waiting = list(
        conn.execute(
            select(records.c.id, records.c.current_version).where(
                records.c.id.in_(list(record_ids)), records.c.noticed_at.is_(None)
            )
        )
    )
    if not waiting:
        return []
    ids = [r.id for r in waiting]
    conn.execute(update(records).where(records.c.id.in_(ids)).values(noticed_at=now))
    conn.execute(
        insert(events),
        [
            {
                "record_id": r.id,
                "version": r.current_version,
                "kind": kind,
                "actor": actor,
                "reason": reason,
                "at": now,
            }
            for r in waiting
        ],
    )
    return list(
        conn.execute(
            select(records, organisations.c.never_public)
            .join(organisations, organisations.c.id == records.c.organisation_id)
            .where(records.c.id.in_(ids))
            .order_by(records.c.id)
        )
    )


def deem_due(conn: Connection, today: date, now: datetime) -> tuple[list[Any], list[Any]]:
    """Every notice past its deemed-delivery day counts as delivered. Returns them, as delivered, and the
    records they published (as mark_delivered)."""
    due = list(
        conn.execute(select(notices).where(notices.c.delivered_at.is_(None), notices.c.deemed_on <= today))
    )
    published = mark_delivered(conn, due, "deemed", "registry", None, now)
    ids = [n.id for n in due]
    delivered = [n for start in range(0, len(ids), 5000) for n in _by_ids(conn, ids[start : start + 5000])]
    return delivered, published


def _by_ids(conn: Connection, ids: Sequence[int]) -> list[Any]:
    return list(conn.execute(select(notices).where(notices.c.id.in_(list(ids))).order_by(notices.c.id)))


def outbox(conn: Connection, department: str | None, after: int, limit: int) -> list[Any]:
    """Notices not yet delivered, oldest first, for a mailer or a department's system to deliver."""
    query = select(notices).where(notices.c.delivered_at.is_(None), notices.c.id > after)
    if department:
        query = query.where(notices.c.department == department)
    return list(conn.execute(query.order_by(notices.c.id).limit(limit)))


def find_many(conn: Connection, notice_ids: Sequence[int]) -> list[Any]:
    """These notices, by id (those that exist)."""
    ids = list(notice_ids)
    return [n for start in range(0, len(ids), 5000) for n in _by_ids(conn, ids[start : start + 5000])]


OUTBOX_STATES = ("undelivered", "delivered", "overdue")


@dataclass(frozen=True)
class OutboxFilter:
    """What a department's outbox shows: by state (undelivered; delivered, logged or deemed; overdue:
    undelivered on or after its deemed day, which the next tick deems delivered), by the notice's kind,
    by the record's category, by its recipient's name or code, and by the day it was produced."""

    state: str = "undelivered"
    kind: str | None = None
    category: str | None = None
    recipient: str | None = None
    produced_from: date | None = None
    produced_to: date | None = None


def outbox_query(department: str, chosen: OutboxFilter, today: date, tz: str) -> Select[Any]:
    """The department's notices that the filter chooses, oldest first, as a query over `notices` joined
    to their organisation (and record, for the category)."""
    query = (
        select(notices)
        .join(organisations, organisations.c.id == notices.c.organisation_id)
        .where(notices.c.department == department)
    )
    if chosen.state == "delivered":
        query = query.where(notices.c.delivered_at.is_not(None))
    else:
        query = query.where(notices.c.delivered_at.is_(None))
        if chosen.state == "overdue":
            query = query.where(notices.c.deemed_on <= today)
    if chosen.kind:
        query = query.where(notices.c.kind == chosen.kind)
    if chosen.category:
        query = query.join(records, records.c.id == notices.c.record_id).where(
            records.c.category == chosen.category
        )
    if chosen.recipient:
        words = chosen.recipient.strip()
        like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                organisations.c.name.ilike(like, escape="\\"),
                organisations.c.alt_name.ilike(like, escape="\\"),
                organisations.c.code == words.upper(),
            )
        )
    zone = ZoneInfo(tz)
    if chosen.produced_from:
        start = datetime.combine(chosen.produced_from, time(0), zone).astimezone(UTC)
        query = query.where(notices.c.produced_at >= start)
    if chosen.produced_to:
        end = datetime.combine(chosen.produced_to + timedelta(days=1), time(0), zone).astimezone(UTC)
        query = query.where(notices.c.produced_at < end)
    return query


def outbox_page(
    conn: Connection, department: str, chosen: OutboxFilter, today: date, tz: str, offset: int, limit: int
) -> tuple[list[Any], int]:
    """A page of the department's outbox as the filter chooses it, and how many notices it chooses."""
    query = outbox_query(department, chosen, today, tz)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = list(conn.execute(query.order_by(notices.c.id).offset(offset).limit(limit)))
    return rows, int(total)


def outbox_ids(conn: Connection, department: str, chosen: OutboxFilter, today: date, tz: str) -> list[int]:
    """The ids of every notice the filter chooses, oldest first."""
    query = outbox_query(department, chosen, today, tz).with_only_columns(notices.c.id)
    return list(conn.execute(query.order_by(notices.c.id)).scalars())


def inbox(conn: Connection, organisation_id: int) -> list[Any]:
    """Every notice to an organisation, newest first."""
    return list(
        conn.execute(
            select(notices).where(notices.c.organisation_id == organisation_id).order_by(notices.c.id.desc())
        )
    )


def content(
    catalog: Catalog,
    settings: Settings,
    notice: Any,
    record: Any | None,
    organisation: Any,
    today: date,
    entry: Any | None = None,
) -> dict[str, Any]:
    """What a notice says: the record, its legal basis, its publication period, how to object and how to
    repair, served together; for a list entry, the entry and its criterion; or, for a decision notice,
    what was decided."""
    body: dict[str, Any] = {
        "notice": notice.id,
        "kind": notice.kind,
        "produced_at": notice.produced_at.isoformat(),
        "deemed_delivered_on": notice.deemed_on.isoformat(),
        "delivered_at": notice.delivered_at.isoformat() if notice.delivered_at else None,
        "delivery": notice.delivery,
        "to": {"identifier": organisation.code, "name": organisation.name},
        "from": {"department": notice.department, "name": catalog.departments[notice.department].name},
    }
    if entry is not None:
        body["list_entry"] = {
            "id": entry.id,
            "list": entry.list,
            "criterion": entry.criterion,
            "field": entry.field,
            "legal_basis": entry.legal_basis,
            "facts": entry.facts,
            "decision_ref": entry.decision_ref,
            "state": entry.state,
            "answer_due": entry.answer_due.isoformat() if entry.answer_due else None,
            "starts_on": entry.starts_on.isoformat() if entry.starts_on else None,
            "ends_on": entry.ends_on.isoformat() if entry.ends_on else None,
        }
    if record is None:
        if notice.message:
            body["decision"] = notice.message
        return body
    category = catalog.categories[record.category]
    severity = Severity(record.severity) if category.severity_applies and record.severity else None
    period = category.period(severity)
    body["record"] = {
        "source_record_id": record.source_record_id,
        "category": record.category,
        "title": category.title,
        "severity": record.severity,
        "decided_on": record.decided_on.isoformat(),
        "status": record.status,
        "legal_basis": record.legal_basis,
        "category_legal_basis": str(category.legal_basis),
        "amount": record.amount,
        "currency": record.currency,
        "summary": record.summary,
        "version": record.current_version,
    }
    if notice.message:
        body["decision"] = notice.message
    if notice.kind in GATING:
        until = record.decided_on + timedelta(days=period.max_days)
        body["publication"] = {
            "publicity": category.publicity.value,
            "starts": "when this notice is delivered, or on "
            f"{notice.deemed_on.isoformat()} if no delivery is logged before",
            "ends_on": until.isoformat(),
            "text": _publication_text(category.publicity.value, period.max_days, until, today),
        }
        body["how_to_object"] = (
            "You may object, free of charge, to the content of this record or to its publication period. "
            f"{record.department} must answer within {settings.objection_answer_days} days "
            f"({settings.objection_answer_days + settings.objection_extension_days} if you bring new "
            "information); meanwhile the record shows 'under objection'. An objection not answered in time "
            "withdraws the record from publication."
        )
        if category.polarity is Polarity.adverse:
            body["how_to_repair"] = _repair_text(record.decided_on, period.min_days, severity, settings)
    return body


def _publication_text(publicity: str, max_days: int, until: date, today: date) -> str:
    if max_days == 0:
        return "This record is not published."
    if until <= today:
        return f"The publication period of this record ended on {until.isoformat()}: it is not published."
    who = {
        "public": "published to everyone",
        "shared": "shared with public bodies for a stated purpose",
        "private": "visible only to you",
    }[publicity]
    return f"This record is {who} until {until.isoformat()}, then it ends by itself."


def _repair_text(decided: date, min_days: int, severity: Severity | None, settings: Settings) -> str:
    earliest = decided + timedelta(days=min_days)
    duty = "once the duty it imposed is fulfilled"
    if severity is not Severity.minor:
        duty += ", with evidence of it and a public commitment"
    return (
        f"You may apply to repair your credit on this record from {earliest.isoformat()}, {duty}. "
        f"The department decides within {settings.repair_decision_working_days} working days and the "
        f"whole repair is complete within {settings.repair_total_working_days} working days. A repair "
        "ends publication, sharing and every measure based on this record. No fee is ever charged."
    )
