"""Who may see a record: its publication period, whether it is public today, and the reads of what anyone
may see (an organisation's public records, one public record). The services ask it before they log a
step as public; the API, the pages and the credit reports read through it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, and_, exists, false, or_, select

from credence.catalog import Catalog, Severity
from credence.store.models import IngestBatch, Organisation, Record
from credence.subjects.clusters import file_head, members_query

organisations = cast(Table, Organisation.__table__)
records = cast(Table, Record.__table__)
batches = cast(Table, IngestBatch.__table__)
PUBLIC = ("public",)


def in_period(catalog: Catalog, category: str, severity: str | None, decided_on: date, today: date) -> bool:
    """Whether a record of a public category is inside its publication period today (as the public
    record pages decide)."""
    found = catalog.categories.get(category)
    if found is None or found.publicity.value != "public":
        return False
    level = Severity(severity) if found.severity_applies and severity else None
    until = decided_on + timedelta(days=found.period(level).max_days)
    return decided_on <= today < until


def periods(catalog: Catalog) -> list[tuple[str, str | None, int]]:
    """The days of publication per (category, severity or None where severity does not apply): what
    records.repository.to_expire asks with."""
    return [
        (category.code, severity.value if severity else None, category.period(severity).max_days)
        for category in catalog.categories.values()
        for severity in (list(Severity) if category.severity_applies else [None])
    ]


def published_until(catalog: Catalog, record: Any) -> date:
    category = catalog.categories[record.category]
    severity = Severity(record.severity) if category.severity_applies and record.severity else None
    period = category.period(severity)
    return cast(date, record.decided_on) + timedelta(days=period.max_days)


def record_public(
    conn: Connection, catalog: Catalog, record: Any, today: date, *, never_public: bool | None = None
) -> bool:
    """Whether anyone may see this record (a records row) today: published (its notice delivered),
    active, of a public category, in its publication period, not a sole proprietor's."""
    if record.noticed_at is None or record.state != "active":
        return False
    if not in_period(catalog, record.category, record.severity, record.decided_on, today):
        return False
    return not (_never_public(conn, record.organisation_id) if never_public is None else never_public)


def entry_public(
    conn: Connection, catalog: Catalog, record: Any | None, *, never_public: bool | None = None
) -> bool:
    """Whether anyone may see a listed entry, by its record (as it stands before the step): on the list's
    public page while its record is published and active, of a public category, not a sole proprietor's.
    The entry's own end date, not its record's period, decides until when: so an entry that expires was
    public until the step that ends it, and the mirrors that copied it learn that it ended."""
    if record is None or record.noticed_at is None or record.state != "active":
        return False
    category = catalog.categories.get(record.category)
    if category is None or category.publicity.value != "public":
        return False
    return not (_never_public(conn, record.organisation_id) if never_public is None else never_public)


def _never_public(conn: Connection, organisation_id: int) -> bool:
    return bool(
        conn.execute(
            select(organisations.c.never_public).where(organisations.c.id == organisation_id)
        ).scalar_one()
    )


def published(catalog: Catalog, today: date, publicities: Collection[str] = PUBLIC) -> ColumnElement[bool]:
    """The records (rows of `records`) anyone may see today, as SQL: active, noticed, of a category of these
    publicities, decided by today and inside their publication period (`published_until` after today, the
    period counted by category and severity as `published_until` counts it). Whether the organisation is
    never public is the caller's to ask."""
    # decided_on + max_days > today  <=>  decided_on > today - max_days, grouped by the period's length.
    by_days: dict[int, list[ColumnElement[bool]]] = {}
    for c in catalog.categories.values():
        if c.publicity.value not in publicities:
            continue
        if not c.severity_applies:
            by_days.setdefault(c.period(None).max_days, []).append(records.c.category == c.code)
            continue
        for level in Severity:
            if getattr(c.publication, level.value) is not None:
                match = and_(records.c.category == c.code, records.c.severity == level.value)
                by_days.setdefault(c.period(level).max_days, []).append(match)
    periods = [
        and_(records.c.decided_on > today - timedelta(days=days), or_(*matches))
        for days, matches in sorted(by_days.items())
    ]
    return and_(
        records.c.state == "active",
        records.c.noticed_at.is_not(None),
        records.c.decided_on <= today,
        or_(*periods) if periods else false(),
    )


def has_published(catalog: Catalog, today: date, subject: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the subject (a column or value of an organisation's id) has a record of its own anyone may
    see today (`published`): what a subject without an identifier, which exists only by its records, needs
    before anything public names it."""
    return exists().where(records.c.organisation_id == subject, published(catalog, today))


# A subject links joined into a never-public file (a clerk's join to a sole proprietor) is never listed.
_heads = organisations.alias("heads")
_in_hidden_file = (
    select(_heads.c.id)
    .where(_heads.c.id == organisations.c.file_id, _heads.c.never_public.is_(True))
    .exists()
)


def listed(catalog: Catalog, today: date) -> ColumnElement[bool]:
    """The subjects (rows of `organisations`) anything public may name (search, screening by name, and the
    key of a subject without an identifier): never a sole proprietor (their records are never public, and
    their names are often a person's), nor a subject joined into a sole proprietor's file; and a subject
    without an identifier, which exists only by its records, once a record of its own is published
    (nothing shows of a listing before its notice, nor of the file a link joined it to)."""
    return and_(
        organisations.c.never_public.is_(False),
        ~_in_hidden_file,
        or_(organisations.c.code.is_not(None), has_published(catalog, today, organisations.c.id)),
    )


def listed_ids(conn: Connection, catalog: Catalog, today: date, ids: Collection[int]) -> set[int]:
    """Those of the subjects with these ids anything public may name (`listed`)."""
    shown: set[int] = set()
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(organisations.c.id).where(organisations.c.id.in_(chunk), listed(catalog, today))
        shown.update(conn.execute(query).scalars())
    return shown


def public_records(
    conn: Connection,
    catalog: Catalog,
    organisation_id: int,
    today: date,
    page: int,
    per_page: int,
    publicities: Collection[str] = PUBLIC,
    *,
    own_only: bool = False,
) -> tuple[int, list[Any]]:
    """The records anyone may see in the file of this organisation (its own and those of the subjects
    links joined to it): active, noticed, of a public category, inside their publication period.
    With more `publicities` (shared, private), the same records of those categories too: what a department
    reading for a purpose, or the organisation itself, may see."""
    # The subjects links joined into its file; `own_only`: this subject's alone (a pair under review).
    file = [organisation_id] if own_only else members_query(file_head(conn, organisation_id))
    visible = list(
        conn.execute(
            select(records)
            .where(records.c.organisation_id.in_(file), published(catalog, today, publicities))
            .order_by(records.c.decided_on.desc(), records.c.id)
        )
    )
    start = (page - 1) * per_page
    return len(visible), visible[start : start + per_page]


def public_record(
    conn: Connection, catalog: Catalog, department: str, source_record_id: str, today: date
) -> tuple[Any, Any, Any] | None:
    """(record, organisation, batch) of a record anyone may see, or None."""
    record = conn.execute(
        select(records).where(
            records.c.department == department, records.c.source_record_id == source_record_id
        )
    ).first()
    if record is None or record.state != "active" or record.noticed_at is None:
        return None
    category = catalog.categories.get(record.category)
    if category is None or category.publicity.value != "public":
        return None
    if not record.decided_on <= today < published_until(catalog, record):
        return None
    org = conn.execute(select(organisations).where(organisations.c.id == record.organisation_id)).first()
    if org is None or org.never_public:
        return None
    batch = conn.execute(select(batches).where(batches.c.id == record.batch_id)).first()
    return record, org, batch
