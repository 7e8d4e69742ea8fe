"""Read-side queries of the API and the web pages: search, profiles, the access log, the proofs served with
records. Which records anyone may see is credence.records.publicity's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, func, or_, select

from credence.catalog import Catalog
from credence.log import records as logged
from credence.records import publicity
from credence.store.models import AccessRead, Organisation, RatingRow, Record, SubjectLink

organisations = cast(Table, Organisation.__table__)
records = cast(Table, Record.__table__)
subject_links = cast(Table, SubjectLink.__table__)
# The grade shown with a subject is its file's: a subject links joined to another's file is rated there.
_file_of = func.coalesce(organisations.c.file_id, organisations.c.id)
ratings = cast(Table, RatingRow.__table__)
access_reads = cast(Table, AccessRead.__table__)


def search(
    conn: Connection, catalog: Catalog, today: date, text: str, page: int, per_page: int
) -> tuple[int, list[Any]]:
    """Organisations whose name (Chinese or Latin) contains the text, names starting with it first: those
    anything public may name (`publicity.listed`)."""
    pattern = f"%{_escape(text)}%"
    prefix = f"{_escape(text)}%"
    name_matches = or_(
        organisations.c.name.ilike(pattern, escape="\\"), organisations.c.alt_name.ilike(pattern, escape="\\")
    )
    where = [name_matches, publicity.listed(catalog, today)]
    total = int(conn.execute(select(func.count()).select_from(organisations).where(*where)).scalar_one())
    starts = or_(
        organisations.c.name.ilike(prefix, escape="\\"), organisations.c.alt_name.ilike(prefix, escape="\\")
    )
    rows = conn.execute(
        select(organisations, ratings.c.grade, ratings.c.score)
        .outerjoin(ratings, ratings.c.organisation_id == _file_of)
        .where(*where)
        .order_by(starts.desc(), organisations.c.name, organisations.c.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return total, list(rows)


def by_ids(conn: Connection, ids: list[int]) -> list[Any]:
    """Organisations (with their grade) in the order of the ids."""
    if not ids:
        return []
    rows = conn.execute(
        select(organisations, ratings.c.grade, ratings.c.score)
        .outerjoin(ratings, ratings.c.organisation_id == _file_of)
        .where(organisations.c.id.in_(ids))
    )
    found = {r.id: r for r in rows}
    return [found[i] for i in ids if i in found]


def listed_ids(conn: Connection, catalog: Catalog, today: date, ids: list[int]) -> list[int]:
    """The ids, in order, of the subjects among them anything public may name (`publicity.listed`)."""
    shown = publicity.listed_ids(conn, catalog, today, ids)
    return [i for i in ids if i in shown]


def never_public(conn: Connection, organisation_id: int) -> bool:
    """Whether the organisation is never public (a sole proprietor)."""
    query = select(organisations.c.never_public).where(organisations.c.id == organisation_id)
    return bool(conn.execute(query).scalar_one())


# Asked on every profile request, so sent as plain SQL: through SQLAlchemy's statement and result layers
# it cost five times the query itself. Constant text; the id is a bound parameter.
# The subjects of a file: the head ({p}, its id, a bound parameter) and those whose file_id is {p}. A union,
# as clusters.members_query has it: SQLite answered `id = {p} OR file_id = {p}` by reading all of ix file_id.
_VERSION_SQL = (
    "SELECT count(*), sum(current_version), (SELECT max(e.id) FROM record_events e "
    "JOIN records r ON r.id = e.record_id WHERE r.organisation_id IN {file}), "
    "(SELECT sum(id) FROM organisations WHERE file_id = {p}), "
    "(SELECT max(l.id) FROM subject_links l WHERE l.left_id IN {file} OR l.right_id IN {file}) "
    "FROM records WHERE organisation_id IN {file}"
).replace("{file}", "(SELECT {p} UNION ALL SELECT id FROM organisations WHERE file_id = {p})")


def records_version(conn: Connection, organisation_id: int) -> tuple[Any, ...]:
    """What changes whenever the records of the file headed by this organisation change in a way a rating
    can see: a new record (the count), a correction (the sum of versions), and any state change or notice
    (each is an event, with a new id); or its subjects do (the sum of the ids joined into it, and the latest
    judgement on any of them: a join, a split and a join again give the same sum, not the same judgement).
    Not times: two changes can share a timestamp."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    row = conn.exec_driver_sql(_VERSION_SQL.format(p=marker), (organisation_id,) * 9).one()
    return tuple(row)


# Constant text, one per driver's parameter style (SQLite's ?, psycopg's %s); the id is a bound parameter.
_FILE_ID_SQL = {
    "qmark": "SELECT file_id FROM organisations WHERE id = ?",
    "pyformat": "SELECT file_id FROM organisations WHERE id = %s",
    "format": "SELECT file_id FROM organisations WHERE id = %s",
}


def file_id(conn: Connection, organisation_id: int) -> int | None:
    """The file a subject is in now (organisations.file_id: None for its own), which links change. Plain
    SQL, as records_version: asked on every request about an organisation."""
    found = conn.exec_driver_sql(_FILE_ID_SQL[conn.dialect.paramstyle], (organisation_id,)).scalar()
    return None if found is None else int(found)


def organisation_by_id(conn: Connection, organisation_id: int) -> Any:
    """An organisation with its grade and score, as by_code finds one."""
    return conn.execute(
        select(organisations, ratings.c.grade, ratings.c.score)
        .outerjoin(ratings, ratings.c.organisation_id == _file_of)
        .where(organisations.c.id == organisation_id)
    ).one()


def subjects(conn: Connection, organisation_ids: list[int]) -> list[Any]:
    """Subjects (organisations rows) in id order."""
    query = select(organisations).where(organisations.c.id.in_(organisation_ids)).order_by(organisations.c.id)
    return list(conn.execute(query))


def link(conn: Connection, link_id: int) -> Any | None:
    return conn.execute(select(subject_links).where(subject_links.c.id == link_id)).first()


def pair_history(conn: Connection, left_id: int, right_id: int) -> list[Any]:
    """Every judgement on a pair of subjects, oldest first (the last one holds)."""
    c = subject_links.c
    left_id, right_id = sorted((left_id, right_id))
    return list(
        conn.execute(select(subject_links).where(c.left_id == left_id, c.right_id == right_id).order_by(c.id))
    )


def judgements(
    conn: Connection, judged_by: str | None, department: str | None, page: int, per_page: int
) -> tuple[int, list[Any], set[int]]:
    """Judgements newest first, made by a clerk, the model or a shared identifier (`judged_by`; None: all),
    of one department's clerks when `department` is given: the total, one page, and which of its
    judgements still hold (the latest on their pair)."""
    c = subject_links.c
    where: list[ColumnElement[bool]] = []
    if judged_by == "identifier":
        where.append(c.basis.like("identifier:%"))
    elif judged_by is not None:
        where.append(c.basis == judged_by)
    if department is not None:
        where.append(c.department == department)
    total = conn.execute(select(func.count()).select_from(subject_links).where(*where)).scalar_one()
    rows = list(
        conn.execute(
            select(subject_links)
            .where(*where)
            .order_by(c.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    holding: set[int] = set()
    pairs = {(r.left_id, r.right_id) for r in rows}
    if pairs:
        latest = (
            select(func.max(c.id))
            .where(or_(*[(c.left_id == a) & (c.right_id == b) for a, b in sorted(pairs)]))
            .group_by(c.left_id, c.right_id)
        )
        holding = set(conn.execute(latest).scalars())
    return total, rows, holding


def departments_of(conn: Connection, organisation_ids: list[int]) -> dict[int, list[str]]:
    """The departments whose records name each of these subjects, in order."""
    if not organisation_ids:
        return {}
    rows = conn.execute(
        select(records.c.organisation_id, records.c.department)
        .where(records.c.organisation_id.in_(organisation_ids))
        .distinct()
        .order_by(records.c.organisation_id, records.c.department)
    )
    found: dict[int, list[str]] = {}
    for organisation_id, department in rows:
        found.setdefault(organisation_id, []).append(department)
    return found


def by_code(conn: Connection, code: str) -> Any | None:
    return conn.execute(
        select(organisations, ratings.c.grade, ratings.c.score)
        .outerjoin(ratings, ratings.c.organisation_id == _file_of)
        .where(organisations.c.code == code)
    ).first()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def reads(conn: Connection, organisation_id: int | None, page: int, per_page: int) -> tuple[int, list[Any]]:
    """Reads of non-public data (of one organisation, or of all), newest first, each with the code of the
    organisation read."""
    where = [] if organisation_id is None else [access_reads.c.organisation_id == organisation_id]
    total = int(conn.execute(select(func.count()).select_from(access_reads).where(*where)).scalar_one())
    rows = conn.execute(
        select(access_reads, organisations.c.code.label("organisation_code"))
        .join(organisations, organisations.c.id == access_reads.c.organisation_id)
        .where(*where)
        .order_by(access_reads.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return total, list(rows)


def record_proofs(conn: Connection, rows: Sequence[Any]) -> dict[int, logged.Proved]:
    """For each record served (records rows), the log entry that committed to its current content, with
    its content, salt and inclusion proof (three queries for a page)."""
    return logged.proved(conn, rows)


def subject_country(record: Any, org: Any, proved: logged.Proved | None) -> str | None:
    """The subject's country that the record's logged content hash covers (the organisation's, unless
    the record was submitted with another: then that one, so a verifier recomputes the hash from what is
    served)."""
    return logged.served_country(record, org.key, org.country, proved)
