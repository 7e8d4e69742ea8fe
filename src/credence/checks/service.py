"""Eligibility checks: for one named organisation and one domain, which measures are in force today, on
what legal basis, until when, and how to remedy them. Measures are not stored: they follow, at the moment
of the check, from the organisation's own public list entries and its own grade, so a repair, a cure, an
expiry or a re-rating lifts them in the same transaction that changes their trigger. Nothing is looked up
for parents, subsidiaries, officers or anyone else: only the organisation named.

A sole proprietor's file (USCC prefix 92) is never public. A check of one is answered `undisclosed`, without
looking it up, unless the caller's Disclosure allows its code (a public body reading for a purpose, or the
organisation itself): so whoever may not see it gets the same answer whether the registry holds the code or
not. The Disclosure keeps the sole proprietors it was shown, for the edge to log the reads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select

from credence.catalog import Catalog
from credence.catalog.model import Citations, ListKind
from credence.checks.bidders import Bidder
from credence.checks.names import Found, NameQuery, NameRefused, NameScreening
from credence.clock import Clock, today
from credence.i18n import N_, _, ngettext, pick
from credence.identity import IdentifierError, SubjectId, SubjectRefused, not_an_identifier, resolve_subject
from credence.lists import repository as lists_repo
from credence.lists.config import Lists
from credence.measures import decisions
from credence.measures.catalog import DOMAINS, Measure, Measures
from credence.rating import repository as rating_repo
from credence.rating.engine import RecordFacts, rate_one, what_would_change
from credence.rating.service import Explanation, RatingService
from credence.records.publicity import published, published_until, records
from credence.records.validation import spreadsheet_csv
from credence.settings import Settings
from credence.store.db import one_of
from credence.store.models import Organisation, RatingChange, RatingRow
from credence.subjects.clusters import file_head, members_query

_orgs: Table = Organisation.__table__  # type: ignore[assignment]
_ratings: Table = RatingRow.__table__  # type: ignore[assignment]
_history: Table = RatingChange.__table__  # type: ignore[assignment]
_file_of = func.coalesce(_orgs.c.file_id, _orgs.c.id)  # the head of a subject's file
# Bidders checked together in a file: each block is answered by one query of each kind (the codes, the
# list entries, the ratings, the grade histories, the decisions abroad, the records behind a grade's
# remedy), never by a query per bidder.
BLOCK = 2_000

RESULTS = ("eligible", "restricted", "fast_track", "undisclosed")
# The answers of a check by name besides those: no file at or above the review threshold; or a possible
# match, for a person to review (below the auto threshold, or more than one file at or above it).
NAME_RESULTS = (*RESULTS[:3], "possible_match", "no_match")
POSSIBLE_MATCH = N_(
    "possible match, review: the name resembles the candidates below, but not closely enough to be taken "
    "for one of them; a fuzzy match alone never restricts"
)
NO_MATCH = N_("no organisation of the registry resembles this name closely enough to be a candidate")
CANDIDATES_SHOWN = 5
GRADE_CHANGES = N_("The grade changes when the records behind it end.")
NOT_HELD = N_("not in the registry: no record, no measure")
UNDISCLOSED = N_(
    "not disclosed: a sole proprietor's file (USCC prefix 92) is never public, whether the registry holds "
    "it or not; a public body reads this check through the API, with its token and a stated purpose"
)
CSV_COLUMNS = (
    "line",
    "subject_id",
    "organisation",
    "result",
    "measures",
    "until",
    "legal_basis",
    "remedy",
    "error",
)
# Why a list entry's measure is in force, by the entry's list (marked for the catalogs).
ENTRY_BECAUSE = {
    ListKind.serious_dishonesty: N_("serious-dishonesty list entry %(entry)s from %(since)s: %(what)s"),
    ListKind.abnormal_operation: N_("abnormal-operation list entry %(entry)s from %(since)s: %(what)s"),
    ListKind.honour: N_("honour list entry %(entry)s from %(since)s: %(what)s"),
}
# Added to the answer when a measure in it gives effect to a decision published abroad: from when, the
# list, the decision, and where to contest it (empty on the other lines). An answer without one keeps the
# columns above, unchanged.
DECISION_COLUMNS = ("since", "list", "decision", "contest")
# Added to the answer of a file that has bidders without a code (the answer of a file with codes alone
# keeps the columns above, unchanged).
NAME_COLUMNS = ("name", "country", "matched_by", "probability", "candidates")


class UnknownDomain(ValueError):
    pass


class Disclosure:
    """Whom a check answers: `allows(code)` says whether it may see the answer about a sole proprietor with
    that code (whose file is never public); `shown` keeps each sole proprietor's organisations row whose
    answer it was given, for the access log. The default allows nobody: the public answer."""

    def __init__(self, allows: Callable[[str], bool] | None = None) -> None:
        self.allows = allows or (lambda code: False)
        self.shown: list[Any] = []


@dataclass(frozen=True)
class Applied:
    """A measure in force on the organisation, with why and until when."""

    measure: Measure
    because: str  # the trigger as it applies: "serious-dishonesty list entry 3 (…)" or "grade D since …"
    since: date
    until: date
    remedy: str
    # For a decision published abroad (a record trigger): the department that decided it, the list it is
    # on, the decision (its id, date and own legal basis), and where it is contested: with its maker.
    department: str | None = None
    list: str | None = None
    decision: str | None = None
    contest: str | None = None

    def to_json(self) -> dict[str, Any]:
        m = self.measure
        return {
            "code": m.code,
            "title": m.title,
            "title_zh": m.title_zh,
            "effect": m.effect.value,
            "domain": m.domain,
            "department": self.department or m.department,
            "legal_basis": str(m.legal_basis),
            "because": self.because,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "remedy": self.remedy,
            "list": self.list,
            "decision": self.decision,
            "contest": self.contest,
        }


@dataclass
class Check:
    subject: str
    domain: str
    as_of: date
    result: str = "eligible"
    organisation: Any | None = None  # the organisations row, None when the registry holds none
    applied: list[Applied] = field(default_factory=list)
    disclosed: bool = True  # False: a sole proprietor's check for someone who may not see it (undisclosed)

    def to_json(self) -> dict[str, Any]:
        org = self.organisation
        return {
            "subject": self.subject,
            "domain": self.domain,
            "as_of": self.as_of.isoformat(),
            "result": self.result,
            "organisation": None if org is None else {"identifier": org.code, "name": org.name},
            "known": (org is not None) if self.disclosed else None,
            "measures": [a.to_json() for a in self.applied],
        }


@dataclass
class NameCheck:
    """A check of a bidder known by name: the candidates, and, when one file matches at or above the auto
    threshold, that file's check as if its code had been given."""

    name: str
    country: str | None
    domain: str
    as_of: date
    result: str
    candidates: list[Found]
    check: Check | None = None  # the matched file's check; None below the auto threshold

    @property
    def probability(self) -> float | None:
        return self.candidates[0].probability if self.candidates else None

    def to_json(self) -> dict[str, Any]:
        check = self.check
        org = check.organisation if check is not None else None
        return {
            "name": self.name,
            "country": self.country,
            "domain": self.domain,
            "as_of": self.as_of.isoformat(),
            "result": self.result,
            "matched_by": "name" if check is not None else None,
            "probability": None if self.probability is None else round(self.probability, 6),
            "organisation": None
            if org is None
            else {"key": org.key, "identifier": org.code, "name": org.name},
            "known": check is not None,
            "measures": [a.to_json() for a in check.applied] if check is not None else [],
            "candidates": [c.to_json() for c in self.candidates],
        }


@dataclass
class _Facts:
    """What one organisation's measures follow from, read once however many bidders name it: its list
    entries in force, its rating, since when it holds its grade, the published decisions abroad each
    record-triggered measure gives effect to (by the measure's code), and its grade's remedy."""

    entries: list[Any]
    rating: Any  # the ratings row, None when unrated
    grade_since: date | None
    decisions: dict[str, list[Any]]
    remedy: str


Progress = Callable[[int, int], None]  # told (bidders done, bidders in the file) as a file is checked


class CheckService:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        measures: Measures,
        lists: Lists,
        clock: Clock,
        settings: Settings,
        rating: RatingService,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.measures = measures
        self.lists = lists
        self.clock = clock
        self.settings = settings
        self.rating = rating
        self._names: NameScreening | None = None
        self._citations: Citations | None = None

    @property
    def citations(self) -> Citations:
        """The legal bases of the catalog, the lists' criteria and the measures, by their English citation:
        `citations(text)` is a stored citation (a list entry's, a check answer's) in the reader's language."""
        if self._citations is None:
            bases = [c.legal_basis for c in self.catalog.categories.values()]
            bases += [m.legal_basis for m in self.measures.measures.values()]
            bases += [c.legal_basis for criteria in self.lists.criteria.values() for c in criteria.values()]
            self._citations = Citations(bases)
        return self._citations

    @property
    def names(self) -> NameScreening:
        """Screening by name, over the registry's subjects kept in memory (built on first use)."""
        if self._names is None:
            self._names = NameScreening(
                self.engine,
                self.catalog,
                self.settings.link_auto_threshold,
                self.settings.link_review_threshold,
                self.settings.link_model_path,
            )
        return self._names

    def today(self) -> date:
        return today(self.clock, self.settings.timezone)

    def check(self, subject: str, domain: str, disclosure: Disclosure | None = None) -> Check:
        """The check as the public sees it, or as `disclosure` allows. Raises UnknownDomain, or
        IdentifierError / SubjectRefused for a subject that is not an organisation's identifier."""
        self._domain(domain)
        on = self.today()
        resolved = resolve_subject(subject, today=on)
        with self.engine.connect() as conn:
            return self._check(conn, resolved, domain, on, disclosure or Disclosure())

    def check_name(self, name: str, country: str | None, domain: str) -> NameCheck:
        """A bidder without a code, by its name and country: its best candidates; at or above the auto
        threshold, the matched file's check. Raises UnknownDomain, or NameRefused (a person's name, a
        religious body, a trade union), which never repeats the name."""
        self._domain(domain)
        on = self.today()
        query = self.names.refuse(NameQuery((name,), country), on, where="name")
        (screened,) = self.names.screen_many([query], on, limit=CANDIDATES_SHOWN)
        with self.engine.connect() as conn:
            return self._by_name(conn, name.strip(), query, screened.found, domain, on)

    def _by_name(
        self,
        conn: Connection,
        given: str,
        query: NameQuery,
        found: list[Found],
        domain: str,
        on: date,
        facts: dict[int, _Facts] | None = None,
    ) -> NameCheck:
        matches = [f for f in found if f.match]
        answer = NameCheck(given, query.country, domain, on, "no_match", found)
        if len(matches) == 1:
            # One file at or above the auto threshold: checked as if its code had been given.
            org = matches[0].organisation
            check = Check(org.code or org.key, domain, on, organisation=org)
            if facts is None:
                self._measures(conn, check, org, domain, on)
            else:
                self._measures_from(check, org, domain, facts[org.id])
            answer.check, answer.result = check, check.result
            answer.candidates = [matches[0], *(f for f in found if f is not matches[0])]
        elif found:
            answer.result = "possible_match"  # never restricted on a fuzzy match alone
        return answer

    def check_rows(
        self,
        rows: Iterable[Bidder],
        domain: str,
        disclosure: Disclosure | None = None,
        progress: Progress | None = None,
    ) -> Iterator[dict[str, str]]:
        """One output row per bidder row, in order, as the public sees it or as `disclosure` allows: by its
        `subject_id`, or, when that is empty and the row has a `name` (and a `country`), by name. A bad
        identifier or a refused name is reported on its line and does not stop the others. The bidders
        known by name are screened together, in one pass over the registry; the rest are checked a block
        of BLOCK at a time, each block by one query of each kind (`check` is the same answer for one
        organisation, by the queries of one). `progress(done, total)` is told after each block."""
        self._domain(domain)
        on = self.today()
        disclosure = disclosure or Disclosure()
        rows = list(rows)
        total = len(rows)
        if progress is not None:
            progress(0, total)
        by_name = self._screen_rows(rows, on)
        resolved: dict[str, SubjectId | IdentifierError | SubjectRefused] = {}
        with self.engine.connect() as conn:
            for start in range(0, total, BLOCK):
                yield from self._block(
                    conn, rows[start : start + BLOCK], by_name, resolved, domain, on, disclosure
                )
                if progress is not None:
                    progress(min(start + BLOCK, total), total)

    def _block(
        self,
        conn: Connection,
        block: list[Bidder],
        by_name: dict[int, NameQuery | NameRefused | tuple[NameQuery, list[Found]]],
        resolved: dict[str, SubjectId | IdentifierError | SubjectRefused],
        domain: str,
        on: date,
        disclosure: Disclosure,
    ) -> Iterator[dict[str, str]]:
        """The answers of one block of bidders: their codes resolved, their organisations found by one
        query, and what their measures follow from read for all of them at once."""
        subjects: list[SubjectId | IdentifierError | SubjectRefused | None] = []
        codes: set[str] = set()
        for bidder in block:
            if bidder.line in by_name:
                subjects.append(None)
                continue
            given = (bidder.values.get("subject_id") or "").strip()
            subject = resolved.get(given)
            if subject is None:
                try:
                    subject = resolve_subject(given, today=on)
                except (IdentifierError, SubjectRefused) as exc:
                    subject = exc
                resolved[given] = subject
            subjects.append(subject)
            if isinstance(subject, SubjectId) and not (
                subject.never_public and not disclosure.allows(subject.code)
            ):
                codes.add(subject.code.upper())
        held: dict[str, Any] = {}
        ordered = sorted(codes)
        dialect = conn.dialect.name
        for part in range(0, len(ordered), 1000):
            for org in conn.execute(
                select(_orgs).where(one_of(_orgs.c.code, ordered[part : part + 1000], dialect))
            ):
                held[org.code] = org
        # The organisations whose measures are asked: those held (unless undisclosed) and those matched by
        # name at the auto threshold.
        asked: dict[int, Any] = {}
        for org in held.values():
            if not org.never_public or disclosure.allows(org.code):
                asked[org.id] = org
        for bidder in block:
            screened = by_name.get(bidder.line)
            if isinstance(screened, tuple):
                matches = [f for f in screened[1] if f.match]
                if len(matches) == 1:
                    asked.setdefault(matches[0].organisation.id, matches[0].organisation)
        facts = self._facts_many(conn, list(asked.values()), domain, on)
        for bidder, subject in zip(block, subjects, strict=True):
            given = (bidder.values.get("subject_id") or "").strip()
            out = dict.fromkeys(CSV_COLUMNS, "")
            out.update(line=str(bidder.line), subject_id=given)
            if subject is None:
                yield self._name_row(conn, out, bidder, by_name[bidder.line], domain, on, facts)
                continue
            if not isinstance(subject, SubjectId):
                # What is no identifier is not repeated in the answer: it may be a person's number or
                # telephone (its line names the row).
                out["subject_id"] = "" if isinstance(subject, IdentifierError) or _person(subject) else given
                out["error"] = f"subject_id: {not_an_identifier(subject)}"
                yield out
                continue
            found = self._held(subject, held.get(subject.code.upper()), domain, on, disclosure, facts)
            _fill(out, found)
            if not found.disclosed:
                out["error"] = _(UNDISCLOSED)
            elif found.organisation is None:
                out["error"] = _(NOT_HELD)
            yield out

    def _held(
        self,
        subject: SubjectId,
        organisation: Any | None,
        domain: str,
        on: date,
        disclosure: Disclosure,
        facts: dict[int, _Facts],
    ) -> Check:
        """`_check` for an organisation already looked up, its facts already read."""
        check = Check(subject.code, domain, on)
        if subject.never_public and not disclosure.allows(subject.code):
            check.result, check.disclosed = "undisclosed", False
            return check
        if organisation is not None and organisation.never_public:
            if not disclosure.allows(subject.code):
                check.result, check.disclosed = "undisclosed", False
                return check
            disclosure.shown.append(organisation)
        check.organisation = organisation
        if organisation is not None:
            self._measures_from(check, organisation, domain, facts[organisation.id])
        return check

    def _screen_rows(
        self, rows: list[Bidder], on: date
    ) -> dict[int, NameQuery | NameRefused | tuple[NameQuery, list[Found]]]:
        """The bidders without a code but with a name, by line: screened together, or refused."""
        queries: dict[int, NameQuery | NameRefused | tuple[NameQuery, list[Found]]] = {}
        for bidder in rows:
            values = bidder.values
            name = (values.get("name") or "").strip()
            if (values.get("subject_id") or "").strip() or not name:
                continue
            try:
                queries[bidder.line] = self.names.refuse(
                    NameQuery((name,), (values.get("country") or "").strip() or None), on, where="name"
                )
            except NameRefused as exc:
                queries[bidder.line] = exc
        asked = [(line, q) for line, q in queries.items() if isinstance(q, NameQuery)]
        screened = self.names.screen_many([q for _, q in asked], on, limit=CANDIDATES_SHOWN)
        for (line, query), result in zip(asked, screened, strict=True):
            queries[line] = (query, result.found)
        return queries

    def _name_row(
        self,
        conn: Connection,
        out: dict[str, str],
        bidder: Bidder,
        screened: NameQuery | NameRefused | tuple[NameQuery, list[Found]],
        domain: str,
        on: date,
        facts: dict[int, _Facts] | None = None,
    ) -> dict[str, str]:
        out.update(dict.fromkeys(NAME_COLUMNS, ""))
        if isinstance(screened, NameRefused):
            out["error"] = str(screened)  # the name is not repeated: it may be a person's
            return out
        assert not isinstance(screened, NameQuery)
        query, found = screened
        given = (bidder.values.get("name") or "").strip()
        answer = self._by_name(conn, given, query, found, domain, on, facts)
        out.update(name=given, country=query.country or "", result=answer.result)
        out["candidates"] = " | ".join(f.line() for f in answer.candidates)
        if answer.probability is not None:
            out["probability"] = f"{answer.probability:.4f}"
        if answer.check is not None:
            _fill(out, answer.check)
            out["matched_by"] = "name"
        elif answer.result == "possible_match":
            out["error"] = _(POSSIBLE_MATCH)
        else:
            out["error"] = _(NO_MATCH)
        return out

    def _domain(self, domain: str) -> None:
        if domain not in DOMAINS:
            raise UnknownDomain(f"domain '{domain}' is not one of {', '.join(DOMAINS)}")

    def _check(
        self, conn: Connection, subject: SubjectId, domain: str, on: date, disclosure: Disclosure
    ) -> Check:
        check = Check(subject.code, domain, on)
        if subject.never_public and not disclosure.allows(subject.code):
            # Not looked up: the same answer whether the registry holds this sole proprietor or not.
            check.result, check.disclosed = "undisclosed", False
            return check
        organisation = rating_repo.find_organisation(conn, subject.code)
        if organisation is not None and organisation.never_public:
            if not disclosure.allows(subject.code):
                check.result, check.disclosed = "undisclosed", False
                return check
            disclosure.shown.append(organisation)
        check.organisation = organisation
        if organisation is None:
            return check
        self._measures(conn, check, organisation, domain, on)
        return check

    def _measures(self, conn: Connection, check: Check, organisation: Any, domain: str, on: date) -> None:
        """The measures in force on the organisation in the domain, and the check's result from them, read
        by the queries of one organisation."""
        self._measures_from(check, organisation, domain, self._facts_one(conn, organisation, domain, on))

    def _facts_one(self, conn: Connection, organisation: Any, domain: str, on: date) -> _Facts:
        """What one organisation's measures follow from, by its own queries."""
        entries = lists_repo.current_of(conn, organisation.id, on)
        rating = rating_repo.rating_of(conn, organisation.id)
        grade_since = self._grade_since(conn, organisation.id, rating.grade) if rating is not None else None
        found: dict[str, list[Any]] = {}
        remedy = ""
        for measure in self.measures.in_domain(domain):
            trigger = measure.trigger
            if trigger.list is None and trigger.record is not None:
                found[measure.code] = self._decisions(conn, organisation, measure, on)
            elif (
                trigger.list is None
                and rating is not None
                and rating.grade == trigger.grade
                and grade_since is not None
            ):
                remedy = self._grade_remedy(organisation, rating.grade)
        return _Facts(entries, rating, grade_since, found, remedy)

    def _facts_many(
        self, conn: Connection, organisations: Sequence[Any], domain: str, on: date
    ) -> dict[int, _Facts]:
        """What these organisations' measures follow from, by one query of each kind that the domain's
        measures need (for up to a block of organisations): the same facts as `_facts_one` gives each."""
        ids = sorted({o.id for o in organisations})
        dialect = conn.dialect.name
        facts = {i: _Facts([], None, None, {}, "") for i in ids}
        if not ids:
            return facts
        in_domain = self.measures.in_domain(domain)
        by_list = [m for m in in_domain if m.trigger.list is not None]
        by_record = [m for m in in_domain if m.trigger.list is None and m.trigger.record is not None]
        by_grade = [m for m in in_domain if m.trigger.list is None and m.trigger.record is None]
        if by_list:
            entries = lists_repo.entries
            query = (
                lists_repo.current_query(on)
                .where(one_of(entries.c.organisation_id, ids, dialect))
                .order_by(entries.c.id)
            )
            for entry in conn.execute(query):
                facts[entry.organisation_id].entries.append(entry)
        heads: dict[int, int] = {}
        if by_record or by_grade:
            for row in conn.execute(
                select(_orgs.c.id, _file_of.label("head")).where(one_of(_orgs.c.id, ids, dialect))
            ):
                heads[row.id] = row.head
        if by_record:
            categories = sorted({m.trigger.record for m in by_record if m.trigger.record is not None})
            departments = sorted({d for m in by_record for d in m.trigger.departments})
            query = (
                select(records, _file_of.label("file_head"))
                .select_from(records.join(_orgs, _orgs.c.id == records.c.organisation_id))
                .where(
                    one_of(_file_of, sorted(set(heads.values())), dialect),
                    records.c.category.in_(categories),
                    records.c.department.in_(departments),
                    published(self.catalog, on),
                )
                .order_by(records.c.decided_on, records.c.id)
            )
            in_file: dict[int, list[Any]] = defaultdict(list)
            for record in conn.execute(query):
                in_file[record.file_head].append(record)
            for i in ids:
                for measure in by_record:
                    trigger = measure.trigger
                    facts[i].decisions[measure.code] = [
                        r
                        for r in in_file.get(heads[i], [])
                        if r.category == trigger.record
                        and r.department in trigger.departments
                        and decisions.gives_effect(measure, r)
                    ]
        if by_grade:
            for rating in conn.execute(
                select(_ratings).where(one_of(_ratings.c.organisation_id, ids, dialect))
            ):
                facts[rating.organisation_id].rating = rating
            graded = {m.trigger.grade for m in by_grade}
            rated = [i for i in ids if facts[i].rating is not None and facts[i].rating.grade in graded]
            if rated:
                query = (
                    select(_history)
                    .where(one_of(_history.c.organisation_id, rated, dialect))
                    .order_by(_history.c.id)
                )
                for change in conn.execute(query):
                    f = facts[change.organisation_id]
                    if change.new_grade == f.rating.grade and change.old_grade != f.rating.grade:
                        f.grade_since = change.as_of
            explained = [
                i for i in rated if facts[i].grade_since is not None and facts[i].rating.grade != "A"
            ]
            if explained:
                by_id = {o.id: o for o in organisations}
                remedies = self._grade_remedies(conn, [(by_id[i], heads[i]) for i in explained])
                for i in explained:
                    facts[i].remedy = remedies[i]
        return facts

    def _grade_remedies(self, conn: Connection, organisations: list[tuple[Any, int]]) -> dict[int, str]:
        """`_grade_remedy` for each of these organisations (with the head of its file), the records of
        their files read by one query: what would change each grade, told only through public records."""
        wanted = sorted({head for _, head in organisations})
        query = (
            select(
                _file_of.label("file_head"),
                records.c.id.label("record_id"),
                records.c.source_record_id,
                records.c.category,
                records.c.severity,
                records.c.status,
                records.c.decided_on,
                records.c.state,
            )
            .select_from(records.join(_orgs, _orgs.c.id == records.c.organisation_id))
            .where(one_of(_file_of, wanted, conn.dialect.name), records.c.noticed_at.is_not(None))
        )
        in_file: dict[int, list[RecordFacts]] = defaultdict(list)
        for r in conn.execute(query):
            in_file[r.file_head].append(
                RecordFacts(
                    r.record_id, r.source_record_id, r.category, r.severity, r.status, r.decided_on, r.state
                )
            )
        tables, as_of = self.rating.tables, self.rating.today()
        listed = rating_repo.listed_of_files(conn, wanted)  # what the tick will end or escalate
        remedies: dict[int, str] = {}
        for org, head in organisations:
            facts = in_file.get(head, [])
            rating = rate_one(tables, facts, as_of)
            scheduled = self.rating.scheduled(listed.get(head, []), facts, as_of)
            coming = what_would_change(tables, facts, rating, scheduled=scheduled)
            explained = Explanation(org, rating, coming, [])
            changes = explained.public_change_lines(self.catalog)
            remedies[org.id] = "; ".join(changes) if changes else _(GRADE_CHANGES)
        return remedies

    def _measures_from(self, check: Check, organisation: Any, domain: str, facts: _Facts) -> None:
        """The measures in force on the organisation in the domain, from its facts, and the check's
        result from them."""
        rating, grade_since = facts.rating, facts.grade_since
        for measure in self.measures.in_domain(domain):
            trigger = measure.trigger
            if trigger.list is not None:
                for entry in facts.entries:
                    if entry.list == trigger.list.value:
                        self._apply(
                            check,
                            measure,
                            entry.starts_on,
                            entry.ends_on,
                            self._entry_text(entry),
                            self._entry_remedy(entry),
                        )
            elif trigger.record is not None:
                for record in facts.decisions.get(measure.code, []):
                    self._apply_decision(check, measure, record)
            elif rating is not None and rating.grade == trigger.grade and grade_since is not None:
                self._apply(
                    check,
                    measure,
                    grade_since,
                    None,
                    _("grade %(grade)s since %(since)s", grade=rating.grade, since=grade_since),
                    facts.remedy,
                )
        if any(not a.measure.incentive for a in check.applied):
            check.result = "restricted"
        elif check.applied:
            check.result = "fast_track"

    def _apply(
        self, check: Check, measure: Measure, since: date, ends: date | None, because: str, remedy: str
    ) -> None:
        until = since + timedelta(days=measure.max_days)
        if ends is not None:
            until = min(until, ends)
        if until >= check.as_of:
            check.applied.append(Applied(measure, because, since, until, remedy))

    def _decisions(self, conn: Connection, organisation: Any, measure: Measure, on: date) -> list[Any]:
        """The published records of the measure's category, from its departments, in the organisation's
        file (its own, and those links joined to it: one organisation, never a parent or an affiliate),
        that meet the trigger's condition on length. Only what anyone may see: nothing before its notice."""
        trigger = measure.trigger
        file = members_query(file_head(conn, organisation.id))
        rows = conn.execute(
            select(records)
            .where(
                records.c.organisation_id.in_(file),
                records.c.category == trigger.record,
                records.c.department.in_(trigger.departments),
                published(self.catalog, on),
            )
            .order_by(records.c.decided_on, records.c.id)
        )
        return [r for r in rows if decisions.gives_effect(measure, r)]

    def _apply_decision(self, check: Check, measure: Measure, record: Any) -> None:
        """A measure for a decision abroad: from the decision's day until its own end (a permanent one for
        at most the measure's max_days), and never past the record's publication."""
        since, ends = decisions.period(measure, record, published_until(self.catalog, record))
        department = self.catalog.departments.get(record.department)
        name = pick(department.name, department.name_zh) if department is not None else record.department
        where = (department.contest if department is not None else None) or name
        listed = (department.publishes if department is not None else None) or _(
            "the list of %(name)s", name=name
        )
        period = (
            _("until %(day)s", day=record.effective_until)
            if record.until_kind == "date"
            else _("without an end date")
        )
        years = measure.trigger.longer_than_years
        longer = (
            ngettext(", more than %(num)s year,", ", more than %(num)s years,", years)
            if years is not None
            else ""
        )
        category = self.catalog.categories.get(record.category)
        because = _(
            "%(category)s by %(department)s from %(since)s %(period)s%(longer)s on %(list)s; %(law)s gives "
            "it effect here",
            category=pick(record.category.replace("_", " "), category.title_zh if category else None),
            department=name,
            since=record.decided_on,
            period=period,
            longer=longer,
            list=listed,
            law=measure.legal_basis.law_cited(),
        )
        decision = f"{record.department}/{record.source_record_id} of {record.decided_on}"
        if record.legal_basis:
            decision += f" ({record.legal_basis})"
        remedy = _(
            "Contest the decision with %(where)s. Credence republishes it and cannot lift it; the measure "
            "ends with the decision's period, or earlier when %(department)s ends the decision and its "
            "record is corrected or withdrawn.",
            where=where,
            department=record.department,
        )
        before = len(check.applied)
        self._apply(check, measure, since, ends, because, remedy)
        if len(check.applied) > before:
            applied = check.applied[-1]
            check.applied[-1] = replace(
                applied, department=record.department, list=listed, decision=decision, contest=where
            )

    def _grade_since(self, conn: Connection, organisation_id: int, grade: str) -> date | None:
        history = rating_repo.history_of(conn, organisation_id)
        changed = [h for h in history if h.new_grade == grade and h.old_grade != grade]
        return changed[-1].as_of if changed else None

    def _entry_text(self, entry: Any) -> str:
        kind = ListKind(entry.list)
        rule = self.lists.criterion(kind, entry.criterion)
        what = pick(rule.text, rule.text_zh) if rule is not None else entry.criterion
        return _(ENTRY_BECAUSE[kind], entry=entry.id, since=entry.starts_on, what=what)

    def _entry_remedy(self, entry: Any) -> str:
        kind = ListKind(entry.list)
        record = f"{entry.department}/LIST-{entry.id}"
        if kind is ListKind.abnormal_operation:
            return _(
                "Cure the cause and ask %(department)s to remove the entry, or apply to repair record "
                "%(record)s; the measure ends with the entry.",
                department=entry.department,
                record=record,
            )
        category = self.catalog.list_category(kind)
        min_days = category.period(None).min_days if category is not None else 0
        earliest = entry.starts_on + timedelta(days=min_days)
        ends = _("; the entry ends by itself after %(day)s", day=entry.ends_on) if entry.ends_on else ""
        return _(
            "Apply to repair record %(record)s from %(earliest)s with evidence the duty is fulfilled and a "
            "public commitment (free of charge); an approved repair lifts the measure at once%(ends)s.",
            record=record,
            earliest=earliest,
            ends=ends,
        )

    def _grade_remedy(self, organisation: Any, grade: str) -> str:
        if grade == "A":
            return ""
        # Only what anyone may see: a check is public, so records shared with public bodies stay unnamed.
        changes = self.rating.explain_row(organisation, with_history=False).public_change_lines(self.catalog)
        return "; ".join(changes) if changes else _(GRADE_CHANGES)


def _fill(out: dict[str, str], found: Check) -> None:
    out["result"] = found.result
    out["organisation"] = found.organisation.name if found.organisation is not None else ""
    out["measures"] = "; ".join(a.measure.code for a in found.applied)
    out["until"] = "; ".join(a.until.isoformat() for a in found.applied)
    out["legal_basis"] = "; ".join(str(a.measure.legal_basis) for a in found.applied)
    out["remedy"] = " | ".join(a.remedy for a in found.applied)
    if any(a.decision for a in found.applied):
        out["since"] = "; ".join(a.since.isoformat() for a in found.applied)
        out["list"] = "; ".join(a.list or "" for a in found.applied)
        out["decision"] = "; ".join(a.decision or "" for a in found.applied)
        out["contest"] = " | ".join(a.contest or "" for a in found.applied)


def write_rows(rows: Iterable[dict[str, str]]) -> str:
    """The answer as CSV: the columns of a check by code; when a measure gives effect to a decision
    published abroad, that decision's columns; and when any bidder was known by name, the columns of a
    check by name after them."""
    rows = list(rows)
    columns: tuple[str, ...] = CSV_COLUMNS
    if any(r.get("decision") for r in rows):
        columns += DECISION_COLUMNS
    if any("matched_by" in r for r in rows):
        columns += NAME_COLUMNS
    return spreadsheet_csv(columns, ({c: r.get(c, "") for c in columns} for r in rows))


def _person(exc: SubjectRefused) -> bool:
    return exc.reason == "natural_person"
