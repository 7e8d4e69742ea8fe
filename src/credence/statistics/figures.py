"""The registry in figures: organisations by kind and region, public records by department and category,
the grades, the lists in force, the latest entries and repairs, and each department's figures month by
month. One GROUP BY query per figure, on SQLite and PostgreSQL alike (months are cut in SQL).

What is counted is only what anyone may already see:
- organisations: those anything public may name (`publicity.listed`: never a sole proprietor, a subject
  without an identifier only once a record of its own is published), one per file (the head of a file
  that links joined);
- records: those published today (`publicity.published`: noticed, active, of a public category, inside
  their publication period) of such organisations; a month's figure counts the records decided that
  month that are public today;
- objections and repairs: those on a record that was published (its notice delivered), of a public
  category, of an organisation that may be named: a department's answers, not the records' content;
- list entries: those in force on a public list page (`lists.repository.current_query`, of a public
  category, never a sole proprietor's);
- repairs shown one by one: approved, and logged as public (their record was published when approved).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    String,
    Table,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy import cast as cast_

from credence.catalog import Catalog
from credence.catalog.model import ListKind
from credence.lists import repository as lists_repo
from credence.process.figures import DepartmentFigures, department_figures
from credence.records import publicity
from credence.store.models import LogEntry, LogHead, Objection, Organisation, RatingRow, Record, Repair

organisations = cast(Table, Organisation.__table__)
records = cast(Table, Record.__table__)
ratings = cast(Table, RatingRow.__table__)
objections = cast(Table, Objection.__table__)
repairs = cast(Table, Repair.__table__)
log_entries = cast(Table, LogEntry.__table__)
log_head = cast(Table, LogHead.__table__)

MONTHS = 12
"""How many months the figures over time cover, this one included."""
RECENT = 8
"""How many recent list entries and repairs are shown."""
CENTRAL = "10"
"""Positions 3-4 of a USCC registered at the central level."""


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class DepartmentMonth:
    """One department's figures in one month (`month`: its first day)."""

    department: str
    month: date
    records_decided: int = 0  # records decided that month and public today
    objections_received: int = 0
    objections_answered: int = 0
    objection_answer_days: float | None = None  # the mean, over those answered that month
    repairs_decided: int = 0
    repairs_approved: int = 0
    repair_decision_days: float | None = None


@dataclass(frozen=True)
class RecentEntry:
    entry: int
    list: str
    organisation_code: str | None
    organisation_name: str
    department: str
    listed_from: date


@dataclass(frozen=True)
class RecentRepair:
    repair: int
    organisation_code: str | None
    organisation_name: str
    department: str
    category: str
    decided_on: date


@dataclass(frozen=True)
class Statistics:
    as_of: date
    last_updated: datetime | None
    organisations: int
    records: int
    by_kind: list[Count]
    by_region: list[Count]  # "44" (a province's code), "10" (central), or a country code
    by_department: list[Count]
    by_category: list[Count]
    grades: list[Count]
    lists: list[Count]
    recent_entries: list[RecentEntry] = field(default_factory=list)
    recent_repairs: list[RecentRepair] = field(default_factory=list)
    months: list[date] = field(default_factory=list)
    by_month: list[DepartmentMonth] = field(default_factory=list)
    departments: list[DepartmentFigures] = field(default_factory=list)


def statistics(conn: Connection, catalog: Catalog, today: date, *, detail: bool = True) -> Statistics:
    """The registry's figures as of `today`. Without `detail` (the home page), the figures over time and
    the departments' own figures are left out."""
    months = month_starts(today, MONTHS)
    published = _public_record_counts(conn, catalog, today, months[0])
    by_department = _sum(published, lambda k: k[0])
    return Statistics(
        as_of=today,
        last_updated=last_updated(conn),
        organisations=sum(c.count for c in _organisations_by(conn, catalog, today, organisations.c.kind)),
        records=sum(c.count for c in by_department),
        by_kind=_organisations_by(conn, catalog, today, organisations.c.kind),
        by_region=_organisations_by(conn, catalog, today, _region()),
        by_department=_in_catalog_order(by_department, list(catalog.departments)),
        by_category=_sum(published, lambda k: k[1]) if detail else [],
        grades=_grades(conn, catalog, today),
        lists=_lists(conn, catalog, today),
        recent_entries=recent_entries(conn, catalog, today),
        recent_repairs=recent_repairs(conn),
        months=months if detail else [],
        by_month=_by_month(conn, catalog, months, published) if detail else [],
        departments=department_figures(conn, catalog, today) if detail else [],
    )


_kept: OrderedDict[tuple[Any, ...], Statistics] = OrderedDict()
_kept_lock = threading.Lock()
KEPT = 8


def kept_statistics(engine: Engine, catalog: Catalog, today: date, *, detail: bool = True) -> Statistics:
    """`statistics`, kept until what anyone may see changes. Every such change is a decision appended to
    the transparency log, so the figures are kept by the log's head (its size and its frontier's hashes,
    which no two different logs share), the day and the catalog; a page shown again in between is
    answered without counting again."""
    with engine.connect() as conn:
        head = conn.execute(select(log_head.c.size, log_head.c.frontier)).first()
        mark = (int(head.size), hashlib.sha256(bytes(head.frontier)).hexdigest()) if head else (0, "")
        key = (str(engine.url), id(catalog), today, detail, *mark)
        with _kept_lock:
            if key in _kept:
                _kept.move_to_end(key)
                return _kept[key]
        found = statistics(conn, catalog, today, detail=detail)
    with _kept_lock:
        _kept[key] = found
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return found


def last_updated(conn: Connection) -> datetime | None:
    """When the registry last changed in what anyone may see: its latest public log entry."""
    query = select(log_entries.c.at).where(log_entries.c.public.is_(True)).order_by(log_entries.c.idx.desc())
    at: datetime | None = conn.execute(query.limit(1)).scalar()
    return at


def month_starts(today: date, count: int) -> list[date]:
    """The first days of the `count` months up to and including today's, oldest first."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


# -- organisations and records ------------------------------------------------------------------------------


def _named(catalog: Catalog, today: date) -> ColumnElement[bool]:
    """The organisations counted: anything public may name them, and each file counts once."""
    head = or_(organisations.c.file_id.is_(None), organisations.c.file_id == organisations.c.id)
    return and_(publicity.listed(catalog, today), head)


def _region() -> ColumnElement[Any]:
    """A province's code (positions 3-4 of the USCC: the division's first two digits), or the country."""
    return func.coalesce(func.substr(organisations.c.division, 1, 2), organisations.c.country, "")


def _organisations_by(
    conn: Connection, catalog: Catalog, today: date, column: ColumnElement[Any]
) -> list[Count]:
    key = func.coalesce(column, "").label("key")
    query = (
        select(key, func.count().label("n"))
        .select_from(organisations)
        .where(_named(catalog, today))
        .group_by(key)
    )
    return _sorted(conn.execute(query))


def _named_ids(catalog: Catalog, today: date) -> Any:
    """The ids of the organisations anything public may name, as a subquery to join (in FROM, so that
    `publicity.listed`'s own test on records is not tied to the records counted)."""
    return select(organisations.c.id).where(publicity.listed(catalog, today)).subquery("named")


def _public_records_from(catalog: Catalog, today: date) -> Any:
    """The records anyone may see today, joined to their organisation (which may be named)."""
    named = _named_ids(catalog, today)
    return records.join(named, named.c.id == records.c.organisation_id).join(
        organisations, organisations.c.id == records.c.organisation_id
    )


def _public_record_counts(
    conn: Connection, catalog: Catalog, today: date, first: date
) -> dict[tuple[str, str, str], int]:
    """The records anyone may see today, counted by (department, category, month of decision), the month
    'YYYY-MM' from `first` on and '' before it: one pass over the records for every figure on them."""
    month = case((records.c.decided_on >= first, _month(conn, records.c.decided_on)), else_=literal(""))
    public = (
        select(records.c.department, records.c.category, month.label("month"))
        .select_from(_public_records_from(catalog, today))
        .where(publicity.published(catalog, today))
        .subquery("public")
    )
    query = select(public.c.department, public.c.category, public.c.month, func.count().label("n")).group_by(
        public.c.department, public.c.category, public.c.month
    )
    return {(r.department, r.category, r.month): int(r.n) for r in conn.execute(query)}


def _sum(counts: dict[tuple[str, str, str], int], key: Callable[[tuple[str, str, str]], str]) -> list[Count]:
    totals: Counter[str] = Counter()
    for k, n in counts.items():
        totals[key(k)] += n
    return sorted((Count(k, n) for k, n in totals.items()), key=lambda c: (-c.count, c.key))


def _grades(conn: Connection, catalog: Catalog, today: date) -> list[Count]:
    """The current grade of each organisation counted (as its public profile shows it)."""
    query = (
        select(ratings.c.grade.label("key"), func.count().label("n"))
        .select_from(ratings.join(organisations, organisations.c.id == ratings.c.organisation_id))
        .where(_named(catalog, today))
        .group_by(ratings.c.grade)
    )
    found = {row.key: int(row.n) for row in conn.execute(query)}
    return [Count(g, found.get(g, 0)) for g in sorted(set(found) | {"A", "B", "C", "D"})]


def _public_entries(catalog: Catalog, today: date) -> Any:
    """The list entries in force on the public list pages (sole proprietors' left out), as a query."""
    public = [c.code for c in catalog.categories.values() if c.publicity.value == "public"]
    return (
        lists_repo.current_query(today)
        .where(organisations.c.never_public.is_(False), lists_repo.records.c.category.in_(public))
        .subquery()
    )


def _lists(conn: Connection, catalog: Catalog, today: date) -> list[Count]:
    current = _public_entries(catalog, today)
    query = select(current.c.list, func.count().label("n")).group_by(current.c.list)
    found = {row.list: int(row.n) for row in conn.execute(query)}
    return [Count(kind.value, found.get(kind.value, 0)) for kind in ListKind]


def recent_entries(conn: Connection, catalog: Catalog, today: date, limit: int = RECENT) -> list[RecentEntry]:
    """The latest entries in force on the public lists, newest first."""
    current = _public_entries(catalog, today)
    query = select(current).order_by(current.c.starts_on.desc(), current.c.id.desc()).limit(limit)
    return [
        RecentEntry(e.id, e.list, e.organisation_code, e.organisation_name, e.department, e.starts_on)
        for e in conn.execute(query)
    ]


def recent_repairs(conn: Connection, limit: int = RECENT) -> list[RecentRepair]:
    """The latest repairs approved whose decision was logged as public (the record was published when
    repaired), newest first; never a sole proprietor's."""
    ref = literal("repair:", String) + cast_(repairs.c.id, String)
    logged = (
        select(log_entries.c.idx)
        .where(
            log_entries.c.kind == "repair.decided", log_entries.c.public.is_(True), log_entries.c.ref == ref
        )
        .exists()
    )
    query = (
        select(
            repairs.c.id,
            repairs.c.department,
            repairs.c.decided_on,
            records.c.category,
            organisations.c.code,
            organisations.c.name,
        )
        .select_from(
            repairs.join(records, records.c.id == repairs.c.record_id).join(
                organisations, organisations.c.id == repairs.c.organisation_id
            )
        )
        .where(repairs.c.state == "approved", organisations.c.never_public.is_(False), logged)
        .order_by(repairs.c.decided_on.desc(), repairs.c.id.desc())
        .limit(limit)
    )
    return [
        RecentRepair(r.id, r.code, r.name, r.department, r.category, r.decided_on)
        for r in conn.execute(query)
    ]


# -- each department over time ---------------------------------------------------------------------------


def _month(conn: Connection, column: ColumnElement[Any]) -> ColumnElement[str]:
    """A date's month as 'YYYY-MM', in SQL."""
    if conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _days(conn: Connection, start: ColumnElement[Any], end: ColumnElement[Any]) -> ColumnElement[Any]:
    """Days from one date to another, in SQL."""
    if conn.dialect.name == "postgresql":
        return end - start
    return func.julianday(end) - func.julianday(start)


def _on_published_records(catalog: Catalog) -> ColumnElement[bool]:
    """An objection's or repair's record: published once, of a public category, of an organisation that
    may be named (the step says nothing of the record's content)."""
    public = [c.code for c in catalog.categories.values() if c.publicity.value == "public"]
    return and_(
        records.c.noticed_at.is_not(None),
        records.c.category.in_(public),
        organisations.c.never_public.is_(False),
    )


def _by_month(
    conn: Connection, catalog: Catalog, months: list[date], published: dict[tuple[str, str, str], int]
) -> list[DepartmentMonth]:
    first = months[0]
    cells: dict[tuple[str, str], dict[str, Any]] = {}

    def put(department: str, month: str, **values: Any) -> None:
        cells.setdefault((department, month), {}).update(values)

    in_month: Counter[tuple[str, str]] = Counter()
    for (department, _category, month), n in published.items():
        if month:
            in_month[department, month] += n
    for (department, month), n in in_month.items():
        put(department, month, records_decided=n)

    on_objections = objections.join(records, records.c.id == objections.c.record_id).join(
        organisations, organisations.c.id == records.c.organisation_id
    )
    filed = _month(conn, objections.c.filed_on).label("month")
    received = (
        select(objections.c.department, filed, func.count().label("n"))
        .select_from(on_objections)
        .where(_on_published_records(catalog), objections.c.filed_on >= first)
        .group_by(objections.c.department, filed)
    )
    for row in conn.execute(received):
        put(row.department, row.month, objections_received=int(row.n))
    answered_in = _month(conn, objections.c.decided_on).label("month")
    answered = (
        select(
            objections.c.department,
            answered_in,
            func.count().label("n"),
            func.avg(_days(conn, objections.c.filed_on, objections.c.decided_on)).label("days"),
        )
        .select_from(on_objections)
        .where(
            _on_published_records(catalog),
            objections.c.state.in_(("corrected", "upheld", "withdrawn")),
            objections.c.decided_on >= first,
        )
        .group_by(objections.c.department, answered_in)
    )
    for row in conn.execute(answered):
        put(row.department, row.month, objections_answered=int(row.n), objection_answer_days=_round(row.days))

    on_repairs = repairs.join(records, records.c.id == repairs.c.record_id).join(
        organisations, organisations.c.id == records.c.organisation_id
    )
    decided_in = _month(conn, repairs.c.decided_on).label("month")
    decided = (
        select(
            repairs.c.department,
            decided_in,
            func.count().label("n"),
            func.sum(case((repairs.c.state == "approved", 1), else_=0)).label("approved"),
            func.avg(_days(conn, repairs.c.applied_on, repairs.c.decided_on)).label("days"),
        )
        .select_from(on_repairs)
        .where(
            _on_published_records(catalog),
            repairs.c.state.in_(("approved", "refused")),
            repairs.c.decided_on >= first,
        )
        .group_by(repairs.c.department, decided_in)
    )
    for row in conn.execute(decided):
        put(
            row.department,
            row.month,
            repairs_decided=int(row.n),
            repairs_approved=int(row.approved or 0),
            repair_decision_days=_round(row.days),
        )

    keys = {m.strftime("%Y-%m"): m for m in months}
    departments = [*catalog.departments, *sorted({d for d, _m in cells} - set(catalog.departments))]
    return [
        DepartmentMonth(d, start, **cells.get((d, key), {}))
        for d in departments
        for key, start in keys.items()
    ]


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


# -- helpers ---------------------------------------------------------------------------------------------


def _sorted(rows: Any) -> list[Count]:
    """Counts, largest first, then by key."""
    counts = [Count(str(row.key), int(row.n)) for row in rows]
    return sorted(counts, key=lambda c: (-c.count, c.key))


def _in_catalog_order(counts: list[Count], order: list[str]) -> list[Count]:
    """Every department of the catalog, with zeros, in the catalog's order; then any other found."""
    found = {c.key: c.count for c in counts}
    return [Count(k, found.get(k, 0)) for k in order] + [c for c in counts if c.key not in order]
