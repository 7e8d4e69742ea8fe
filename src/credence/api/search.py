"""Search and browse: organisations by name (typos, pinyin and Chinese forgiven) or by code, filtered by
region, kind, grade, department, category and list, sorted, a page at a time. The page /search and the
API's /api/v1/organisations both answer through `find`.

Only what anyone may see is searched and filtered on: the subjects anything public may name
(`publicity.listed`); a department or category through the organisation's published public records
(`publicity.published`: nothing before notice, nothing past its period, nothing shared); a list through
its entries in force and public (`lists.repository.current_query`). How names are matched is
`credence.subjects.search`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Float, Table, case, func, literal, or_, select

from credence.catalog import Catalog
from credence.catalog.model import GRADES, ListKind
from credence.i18n import N_, _
from credence.identity import (
    IdentifierError,
    SubjectError,
    fold,
    lei_check_digits,
    org_code_check_character,
    resolve_subject,
    uscc_check_character,
)
from credence.identity.kinds import OrgKind
from credence.lists import repository as lists_repo
from credence.records import publicity
from credence.store.models import Organisation, RatingRow, Record
from credence.subjects import search as terms

organisations = cast(Table, Organisation.__table__)
records = cast(Table, Record.__table__)
ratings = cast(Table, RatingRow.__table__)
_file_of = func.coalesce(organisations.c.file_id, organisations.c.id)

SORTS = {
    "relevance": N_("Relevance"),
    "name": N_("Name"),
    "grade": N_("Grade"),
    "latest": N_("Latest record"),
}
MIN_COVERAGE = 0.5  # a subject matching less than half of a query's terms is not offered
# Kinds anything public may name (a sole proprietor never; religious bodies and unions are never held).
KINDS = tuple(
    k.value
    for k in OrgKind
    if k not in (OrgKind.SOLE_PROPRIETOR, OrgKind.RELIGIOUS_BODY, OrgKind.TRADE_UNION)
)


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    kind: str | None = None
    grade: str | None = None
    department: str | None = None
    category: str | None = None
    list: str | None = None

    def given(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


class InvalidFilter(ValueError):
    """A filter's value is none of those it may take: `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CodeProblem:
    """A query that has the shape of a code but fails its check: what is wrong, said in the reader's
    language, never repeating more than the code itself."""

    reason: str
    position: int | None
    found: str | None
    expected: str | None
    message: str


@dataclass
class Found:
    total: int
    rows: list[Any]
    problem: CodeProblem | None = None
    sort: str = "relevance"
    terms: list[str] = field(default_factory=list)


def check_filters(catalog: Catalog, regions: Sequence[str], f: Filters) -> None:
    """Refuse a filter value that names nothing, naming the filter."""
    if f.region and f.region not in regions:
        raise InvalidFilter("region", _("region: not a known division code (such as 330100 for Hangzhou)"))
    if f.kind and f.kind not in KINDS:
        raise InvalidFilter("kind", _("kind: one of %(values)s", values=", ".join(KINDS)))
    if f.grade and f.grade not in GRADES:
        raise InvalidFilter("grade", _("grade: one of %(values)s", values=", ".join(GRADES)))
    if f.department and f.department not in catalog.departments:
        raise InvalidFilter(
            "department", _("department: one of %(values)s", values=", ".join(sorted(catalog.departments)))
        )
    if f.category and f.category not in public_categories(catalog):
        raise InvalidFilter("category", _("category: not a public category of the catalog"))
    if f.list and f.list not in ListKind.__members__:
        raise InvalidFilter("list", _("list: one of %(values)s", values=", ".join(ListKind.__members__)))


def sort_refused() -> str:
    return _("sort: one of %(values)s", values=", ".join(SORTS))


def q_missing() -> str:
    return _("query.q: give a name or a code, or a filter")


def public_categories(catalog: Catalog) -> list[str]:
    return [c.code for c in catalog.categories.values() if c.publicity.value == "public"]


def code_problem(text: str) -> CodeProblem | None:
    """Why a query shaped like a USCC (18 letters and digits) or an LEI (20) is not one; None for any
    other query. A person's identity number is the caller's to refuse first."""
    code = fold(text).strip().upper()
    if len(code) not in (18, 20) or not code.isascii() or not code.isalnum():
        return None
    if sum(ch.isdigit() for ch in code) < 6:  # a word, not a code
        return None
    try:
        resolve_subject(code)
    except IdentifierError as exc:
        return _explain(code, exc)
    except SubjectError:
        return None
    return None


def _explain(code: str, exc: IdentifierError) -> CodeProblem:
    if exc.reason == "check_character":
        expected = uscc_check_character(code[:17])
        message = _(
            "This looks like a unified social credit code, but its check character (position 18) is "
            "%(found)s: for the first 17 characters it should be %(expected)s. A character is mistyped, "
            "so no organisation has this code.",
            found=code[17],
            expected=expected,
        )
        return CodeProblem(exc.reason, 18, code[17], expected, message)
    if exc.reason == "org_code_check":
        expected = org_code_check_character(code[8:16])
        message = _(
            "This looks like a unified social credit code, but the check character of its organisation "
            "code (position 17) is %(found)s: for positions 9 to 16 it should be %(expected)s. A character "
            "is mistyped, so no organisation has this code.",
            found=code[16],
            expected=expected,
        )
        return CodeProblem(exc.reason, 17, code[16], expected, message)
    if exc.reason == "check_digits":
        expected = lei_check_digits(code[:18])
        message = _(
            "This looks like an LEI, but its check digits (positions 19 and 20) are %(found)s: for the first "
            "18 characters they should be %(expected)s. A character is mistyped, so no organisation has "
            "this code.",
            found=code[18:],
            expected=expected,
        )
        return CodeProblem(exc.reason, 19, code[18:], expected, message)
    message = _(
        "This looks like a unified social credit code or an LEI, but it is not a valid one (%(reason)s), "
        "so no organisation has it.",
        reason=exc.message,
    )
    return CodeProblem(exc.reason, exc.position, None, None, message)


def find(
    conn: Connection,
    catalog: Catalog,
    vocabulary: terms.Vocabulary,
    today: date,
    *,
    text: str,
    code: str | None,
    filters: Filters,
    sort: str | None,
    page: int,
    per_page: int,
) -> Found:
    """One page of the organisations matching the query (a name, or `code` when it is one) and the
    filters, in the order asked (relevance by default with a name, name otherwise), and how many in all."""
    o = organisations
    base: list[ColumnElement[bool]] = [
        publicity.listed(catalog, today),
        *_filter_clauses(catalog, today, filters),
    ]
    plain = select(o, ratings.c.grade, ratings.c.score).outerjoin(
        ratings, ratings.c.organisation_id == _file_of
    )
    found_terms: list[str] = []

    def run(query: Any, relevance: ColumnElement[Any] | None) -> tuple[int, list[Any], str]:
        chosen = sort if sort in SORTS else ("relevance" if relevance is not None else "name")
        if chosen == "relevance" and relevance is None:
            chosen = "name"
        order: list[Any]
        if chosen == "relevance":
            assert relevance is not None
            order = [relevance.desc(), o.c.name, o.c.id]
        elif chosen == "grade":
            rank = case({g: i for i, g in enumerate(GRADES)}, value=ratings.c.grade, else_=len(GRADES))
            order = [rank, ratings.c.score.desc(), o.c.name, o.c.id]
        elif chosen == "latest":
            order = [_latest(catalog, today).desc().nulls_last(), o.c.name, o.c.id]
        else:
            order = [o.c.name, o.c.id]
        # The total with the page, in one statement (a window over the matches): the filters run once.
        counted = query.add_columns(func.count().over().label("matches"))
        rows = list(conn.execute(counted.order_by(*order).limit(per_page).offset((page - 1) * per_page)))
        total = rows[0].matches if rows else (_count(conn, query) if page > 1 else 0)
        return int(total), rows, chosen

    if code is not None:
        total, rows, chosen = run(plain.where(*base, o.c.code == code), None)
    elif text:
        vocabulary.refresh(conn)
        expansions = vocabulary.expansions(text)
        found_terms = [e.term for e in expansions]
        scored = terms.coverage_query(expansions) if expansions else None
        total = 0
        if scored is not None:
            sub = scored.subquery("scored")
            query = plain.join(sub, sub.c.id == o.c.id).where(*base, sub.c.coverage >= MIN_COVERAGE)
            total, rows, chosen = run(query, sub.c.coverage + _name_bonus(text))
        if not total:  # no term of the query is in any name (a legal form alone, punctuation): contains
            pattern = f"%{_escape(text)}%"
            contains = or_(o.c.name.ilike(pattern, escape="\\"), o.c.alt_name.ilike(pattern, escape="\\"))
            total, rows, chosen = run(plain.where(*base, contains), _name_bonus(text))
    else:
        total, rows, chosen = run(plain.where(*base), None)
    return Found(total=total, rows=rows, sort=chosen, terms=found_terms)


def _count(conn: Connection, query: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def _name_bonus(text: str) -> ColumnElement[Any]:
    """A little more for a name that starts with the text as typed, a little for one that contains it."""
    o = organisations
    starts = f"{_escape(text)}%"
    contains = f"%{_escape(text)}%"
    return case(
        (
            or_(o.c.name.ilike(starts, escape="\\"), o.c.alt_name.ilike(starts, escape="\\")),
            literal(0.2, Float),
        ),
        (
            or_(o.c.name.ilike(contains, escape="\\"), o.c.alt_name.ilike(contains, escape="\\")),
            literal(0.1, Float),
        ),
        else_=literal(0.0, Float),
    )


def _has_record(wanted: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """Whether the organisation, or a subject links joined into its file, has a record such as `wanted`.
    The subjects with one are found once (an uncorrelated subquery, read from the index
    ix_records_published): asked per organisation, SQLite chose the department's index and read the
    department's records again for each."""
    members = organisations.alias("members")
    having = select(records.c.organisation_id).where(*wanted)
    into_file = select(members.c.file_id).where(members.c.file_id.is_not(None), members.c.id.in_(having))
    return or_(organisations.c.id.in_(having), organisations.c.id.in_(into_file))


def _filter_clauses(catalog: Catalog, today: date, f: Filters) -> list[ColumnElement[bool]]:
    o = organisations
    clauses: list[ColumnElement[bool]] = []
    if f.region:
        clauses.append(o.c.division == f.region)
    if f.kind:
        clauses.append(o.c.kind == f.kind)
    if f.grade:
        clauses.append(ratings.c.grade == f.grade)
    if f.department or f.category:
        wanted = [publicity.published(catalog, today)]
        if f.department:
            wanted.append(records.c.department == f.department)
        if f.category:
            wanted.append(records.c.category == f.category)
        clauses.append(_has_record(wanted))
    if f.list:
        entries = lists_repo.entries
        listed = lists_repo.current_query(today).where(entries.c.list == f.list)
        clauses.append(o.c.id.in_(listed.with_only_columns(entries.c.organisation_id).correlate(None)))
    return clauses


def _latest(catalog: Catalog, today: date) -> ColumnElement[Any]:
    """The date of the organisation's latest published public record."""
    return (
        select(func.max(records.c.decided_on))
        .where(records.c.organisation_id == organisations.c.id, publicity.published(catalog, today))
        .scalar_subquery()
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
