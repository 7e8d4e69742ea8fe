"""Each department measured as a decision-maker: how it answers objections and decides repair
applications against their deadlines, counted in SQL (one GROUP BY query per table, on any backend)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, select

from credence.catalog import Catalog
from credence.process import repository as repo
from credence.process.machine import OUTCOMES
from credence.store.models import LogEntry

REFUSAL = "refusal.prohibited_ground"

ANSWERED = OUTCOMES  # decided by the department; "lapsed" is the registry's doing, not an answer
CORRECTING = ("corrected", "withdrawn")
DECIDED = ("approved", "refused")


@dataclass(frozen=True)
class DepartmentFigures:
    """One department's counts; a rate is None when nothing counts towards it (shown as "—")."""

    code: str
    name: str
    name_zh: str | None
    records_published: int = 0  # records whose notice was delivered, whatever their state since
    objections_received: int = 0
    objections_pending: int = 0  # open and not yet due: not measured
    objections_answered: int = 0
    objections_answered_in_time: int = 0
    objections_corrected_or_withdrawn: int = 0
    objections_lapsed: int = 0
    objections_overdue: int = 0  # open past their due day, until the tick lapses them
    repairs_received: int = 0
    repairs_pending: int = 0  # undecided and not yet due: not measured
    repairs_decided: int = 0
    repairs_decided_in_time: int = 0
    repairs_overdue: int = 0  # undecided past their decision day
    refused_prohibited_ground: int = 0  # submissions refused on a prohibited ground (logged, public)

    @property
    def objections_measured(self) -> int:
        return self.objections_answered + self.objections_lapsed + self.objections_overdue

    @property
    def objections_in_time_rate(self) -> float | None:
        return _rate(self.objections_answered_in_time, self.objections_measured)

    @property
    def correction_rate(self) -> float | None:
        return _rate(self.objections_corrected_or_withdrawn, self.objections_answered)

    @property
    def repairs_measured(self) -> int:
        return self.repairs_decided + self.repairs_overdue

    @property
    def repairs_in_time_rate(self) -> float | None:
        return _rate(self.repairs_decided_in_time, self.repairs_measured)


def department_figures(conn: Connection, catalog: Catalog, today: date) -> list[DepartmentFigures]:
    """Every catalog department, in catalog order (with zeros where it has done nothing), then any
    department found in the store that the catalog no longer names. `today` decides what is past due."""
    o, r, rec = repo.objections, repo.repairs, repo.records
    open_ = o.c.state.in_(repo.OPEN_OBJECTION)
    answered = o.c.state.in_(ANSWERED)
    objections = _per_department(
        conn,
        o.c.department,
        objections_received=func.count(),
        objections_pending=_count(open_ & (o.c.due_on >= today)),
        objections_answered=_count(answered),
        objections_answered_in_time=_count(answered & (o.c.decided_on <= o.c.due_on)),
        objections_corrected_or_withdrawn=_count(o.c.state.in_(CORRECTING)),
        objections_lapsed=_count(o.c.state == "lapsed"),
        objections_overdue=_count(open_ & (o.c.due_on < today)),
    )
    applied = r.c.state == "applied"
    decided = r.c.state.in_(DECIDED)
    repairs = _per_department(
        conn,
        r.c.department,
        repairs_received=func.count(),
        repairs_pending=_count(applied & (r.c.decide_by >= today)),
        repairs_decided=_count(decided),
        repairs_decided_in_time=_count(decided & (r.c.decided_on <= r.c.decide_by)),
        repairs_overdue=_count(applied & (r.c.decide_by < today)),
    )
    published = _per_department(
        conn, rec.c.department, records_published=_count(rec.c.noticed_at.is_not(None))
    )
    refused = _refusals(conn)
    found = set(objections) | set(repairs) | set(published) | set(refused)
    codes = [*catalog.departments, *sorted(found - set(catalog.departments))]
    figures = []
    for code in codes:
        department = catalog.departments.get(code)
        figures.append(
            DepartmentFigures(
                code=code,
                name=department.name if department else code,
                name_zh=department.name_zh if department else None,
                **objections.get(code, {}),
                **repairs.get(code, {}),
                **published.get(code, {}),
                refused_prohibited_ground=refused.get(code, 0),
            )
        )
    return figures


def _refusals(conn: Connection) -> dict[str, int]:
    """Refusals on prohibited grounds per department, from the transparency log (its kind index)."""
    entries = LogEntry.__table__
    query = (
        select(entries.c.ref, func.count().label("n"))
        .where(entries.c.kind == REFUSAL)
        .group_by(entries.c.ref)
    )
    return {str(row.ref).removeprefix("department:"): int(row.n) for row in conn.execute(query)}


def percent(rate: float | None) -> str:
    """A rate as people read it: a whole percentage, or "—" when there is nothing to measure."""
    return "—" if rate is None else f"{rate:.0%}"


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _per_department(
    conn: Connection, department: ColumnElement[str], **counts: ColumnElement[Any]
) -> dict[str, dict[str, int]]:
    query = select(department.label("department"), *(c.label(n) for n, c in counts.items()))
    return {
        row.department: {n: int(row._mapping[n]) for n in counts}
        for row in conn.execute(query.group_by(department))
    }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
