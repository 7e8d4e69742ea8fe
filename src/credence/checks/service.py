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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from credence.catalog import Catalog
from credence.catalog.model import ListKind
from credence.checks.bidders import Bidder
from credence.clock import Clock, today
from credence.identity import IdentifierError, SubjectId, SubjectRefused, resolve_subject
from credence.lists import repository as lists_repo
from credence.lists.config import Lists
from credence.measures.catalog import DOMAINS, Measure, Measures
from credence.rating import repository as rating_repo
from credence.rating.service import RatingService
from credence.records.validation import spreadsheet_csv
from credence.settings import Settings

RESULTS = ("eligible", "restricted", "fast_track", "undisclosed")
NOT_HELD = "not in the registry: no record, no measure"
UNDISCLOSED = (
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

    def to_json(self) -> dict[str, Any]:
        m = self.measure
        return {
            "code": m.code,
            "title": m.title,
            "title_zh": m.title_zh,
            "effect": m.effect.value,
            "domain": m.domain,
            "department": m.department,
            "legal_basis": str(m.legal_basis),
            "because": self.because,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "remedy": self.remedy,
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

    def check_rows(
        self, rows: Iterable[Bidder], domain: str, disclosure: Disclosure | None = None
    ) -> Iterator[dict[str, str]]:
        """One output row per bidder row (a `subject_id` column), in order, as the public sees it or as
        `disclosure` allows; a bad identifier is reported on its line and does not stop the others."""
        self._domain(domain)
        on = self.today()
        disclosure = disclosure or Disclosure()
        with self.engine.connect() as conn:
            for bidder in rows:
                given = (bidder.values.get("subject_id") or "").strip()
                out = dict.fromkeys(CSV_COLUMNS, "")
                out.update(line=str(bidder.line), subject_id=given)
                try:
                    found = self._check(conn, resolve_subject(given, today=on), domain, on, disclosure)
                except (IdentifierError, SubjectRefused) as exc:
                    if exc.reason == "natural_person":
                        out["subject_id"] = ""  # a person's number is not repeated in the answer
                    out["error"] = f"subject_id: {exc}"
                    yield out
                    continue
                out["result"] = found.result
                out["organisation"] = found.organisation.name if found.organisation is not None else ""
                out["measures"] = "; ".join(a.measure.code for a in found.applied)
                out["until"] = "; ".join(a.until.isoformat() for a in found.applied)
                out["legal_basis"] = "; ".join(str(a.measure.legal_basis) for a in found.applied)
                out["remedy"] = " | ".join(a.remedy for a in found.applied)
                if not found.disclosed:
                    out["error"] = UNDISCLOSED
                elif found.organisation is None:
                    out["error"] = NOT_HELD
                yield out

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
        entries = lists_repo.current_of(conn, organisation.id, on)
        rating = rating_repo.rating_of(conn, organisation.id)
        grade_since = self._grade_since(conn, organisation.id, rating.grade) if rating is not None else None
        for measure in self.measures.in_domain(domain):
            trigger = measure.trigger
            if trigger.list is not None:
                for entry in entries:
                    if entry.list == trigger.list.value:
                        self._apply(
                            check,
                            measure,
                            entry.starts_on,
                            entry.ends_on,
                            self._entry_text(entry),
                            self._entry_remedy(entry),
                        )
            elif rating is not None and rating.grade == trigger.grade and grade_since is not None:
                self._apply(
                    check,
                    measure,
                    grade_since,
                    None,
                    f"grade {rating.grade} since {grade_since}",
                    self._grade_remedy(organisation, rating.grade),
                )
        if any(not a.measure.incentive for a in check.applied):
            check.result = "restricted"
        elif check.applied:
            check.result = "fast_track"
        return check

    def _apply(
        self, check: Check, measure: Measure, since: date, ends: date | None, because: str, remedy: str
    ) -> None:
        until = since + timedelta(days=measure.max_days)
        if ends is not None:
            until = min(until, ends)
        if until >= check.as_of:
            check.applied.append(Applied(measure, because, since, until, remedy))

    def _grade_since(self, conn: Connection, organisation_id: int, grade: str) -> date | None:
        history = rating_repo.history_of(conn, organisation_id)
        changed = [h for h in history if h.new_grade == grade and h.old_grade != grade]
        return changed[-1].as_of if changed else None

    def _entry_text(self, entry: Any) -> str:
        kind = ListKind(entry.list)
        rule = self.lists.criterion(kind, entry.criterion)
        what = rule.text if rule is not None else entry.criterion
        return f"{kind.value.replace('_', '-')} list entry {entry.id} from {entry.starts_on}: {what}"

    def _entry_remedy(self, entry: Any) -> str:
        kind = ListKind(entry.list)
        record = f"record {entry.department}/LIST-{entry.id}"
        if kind is ListKind.abnormal_operation:
            return (
                f"Cure the cause and ask {entry.department} to remove the entry, or apply to repair "
                f"{record}; the measure ends with the entry."
            )
        category = self.catalog.list_category(kind)
        min_days = category.period(None).min_days if category is not None else 0
        earliest = entry.starts_on + timedelta(days=min_days)
        ends = f"; the entry ends by itself after {entry.ends_on}" if entry.ends_on else ""
        return (
            f"Apply to repair {record} from {earliest} with evidence the duty is fulfilled and a public "
            f"commitment (free of charge); an approved repair lifts the measure at once{ends}."
        )

    def _grade_remedy(self, organisation: Any, grade: str) -> str:
        if grade == "A":
            return ""
        # Only what anyone may see: a check is public, so records shared with public bodies stay unnamed.
        changes = self.rating.explain_row(organisation, with_history=False).public_change_lines(self.catalog)
        return "; ".join(changes) if changes else "The grade changes when the records behind it end."


def write_rows(rows: Iterable[dict[str, str]]) -> str:
    return spreadsheet_csv(CSV_COLUMNS, rows)
