"""Every query on objections and repairs, and the day the tick last ran."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, update

from credence.store.db import upsert
from credence.store.models import Objection, Organisation, Record, Repair, TickMark

objections = cast(Table, Objection.__table__)
repairs = cast(Table, Repair.__table__)
records = cast(Table, Record.__table__)
organisations = cast(Table, Organisation.__table__)
marks = cast(Table, TickMark.__table__)

OPEN_OBJECTION = ("open", "extended")


def add(conn: Connection, table: Table, **values: Any) -> int:
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def change(conn: Connection, table: Table, row_id: int, **values: Any) -> None:
    conn.execute(update(table).where(table.c.id == row_id).values(**values))


def find(conn: Connection, table: Table, row_id: int) -> Any | None:
    return conn.execute(select(table).where(table.c.id == row_id)).first()


def record(conn: Connection, record_id: int) -> Any:
    """The record an objection, repair or notice refers to (it always exists: records are never
    deleted)."""
    return conn.execute(select(records).where(records.c.id == record_id)).one()


def organisation(conn: Connection, organisation_id: int) -> Any:
    return conn.execute(select(organisations).where(organisations.c.id == organisation_id)).one()


def open_objection(conn: Connection, record_id: int) -> Any | None:
    return conn.execute(
        select(objections).where(objections.c.record_id == record_id, objections.c.state.in_(OPEN_OBJECTION))
    ).first()


def open_repair(conn: Connection, record_id: int) -> Any | None:
    return conn.execute(
        select(repairs).where(repairs.c.record_id == record_id, repairs.c.state == "applied")
    ).first()


def under_objection(conn: Connection, record_ids: Sequence[int]) -> set[int]:
    """Which of these records have an open objection."""
    if not record_ids:
        return set()
    return set(
        conn.execute(
            select(objections.c.record_id).where(
                objections.c.record_id.in_(list(record_ids)), objections.c.state.in_(OPEN_OBJECTION)
            )
        ).scalars()
    )


def overdue_objections(conn: Connection, today: date) -> list[Any]:
    """Open objections whose answer was due before today."""
    return list(
        conn.execute(
            select(objections)
            .where(objections.c.state.in_(OPEN_OBJECTION), objections.c.due_on < today)
            .order_by(objections.c.id)
        )
    )


def count_overdue_repairs(conn: Connection, today: date) -> int:
    """Repair applications still undecided after their decision day."""
    return int(
        conn.execute(
            select(func.count()).where(repairs.c.state == "applied", repairs.c.decide_by < today)
        ).scalar_one()
    )


def of_organisation(conn: Connection, table: Table, organisation_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(table, records.c.source_record_id, records.c.category)
            .join(records, records.c.id == table.c.record_id)
            .where(table.c.organisation_id == organisation_id)
            .order_by(table.c.id.desc())
        )
    )


def awaiting_department(
    conn: Connection, table: Table, department: str, states: Sequence[str], due: Any
) -> list[Any]:
    """What awaits a department's answer, soonest deadline first, with the organisation it concerns."""
    return list(
        conn.execute(
            select(
                table,
                records.c.source_record_id,
                records.c.category,
                organisations.c.code.label("organisation_code"),
                organisations.c.name.label("organisation_name"),
            )
            .join(records, records.c.id == table.c.record_id)
            .join(organisations, organisations.c.id == table.c.organisation_id)
            .where(table.c.department == department, table.c.state.in_(list(states)))
            .order_by(due, table.c.id)
        )
    )


def last_ran(conn: Connection, name: str) -> date | None:
    """The last day the job `name` ran to its end, or None if it never did."""
    found = conn.execute(select(marks.c.day).where(marks.c.name == name)).scalar()
    return cast(date | None, found)


def ran(conn: Connection, name: str, day: date, now: datetime) -> None:
    upsert(conn, marks, ("name",), [{"name": name, "day": day, "ran_at": now}])
