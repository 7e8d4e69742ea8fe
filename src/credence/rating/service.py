"""Rate organisations and explain ratings: the one place the edges (CLI, API, ingest) call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine

from credence.catalog import Catalog
from credence.clock import Clock, today
from credence.identity import no_organisation
from credence.log import events as log
from credence.measures.catalog import Measures, load_measures
from credence.rating import repository as repo
from credence.rating.batch import BatchRating, rate_batch
from credence.rating.engine import Change, Rating, compile_policy, rate_one, what_would_change
from credence.rating.policy import Policy
from credence.records import repository as records_repo
from credence.records.service import IngestResult, uninterrupted
from credence.settings import Settings

# Up to this many organisations (one submission's worth) are re-rated one by one by the Python engine;
# more, by one query of the SQL engine. Both give the same ratings (tests/rating/test_engines_agree.py).
ONE_BY_ONE = 200
# Grade changes are logged this many at a time (a first rating of the registry changes every grade).
LOG_SLICE = 50_000


class UnknownOrganisation(LookupError):
    pass


@dataclass(frozen=True)
class RateResult:
    as_of: date
    rated: int
    grade_changes: int


@dataclass(frozen=True)
class Explanation:
    organisation: Any  # the organisations row
    rating: Rating
    changes: list[Change]
    history: list[Any]

    def reason_lines(self, catalog: Catalog) -> list[str]:
        return [describe(catalog, c) for c in self.rating.reasons]

    def change_lines(self, catalog: Catalog) -> list[str]:
        return [describe_change(catalog, c) for c in self.changes]

    def public_reason_lines(self, catalog: Catalog) -> list[str]:
        """The reasons anyone may read: public records described; those shared only with public bodies
        counted in one line, without their content."""
        public = _public(catalog)
        lines = [describe(catalog, c) for c in self.rating.reasons if c.category in public]
        hidden = [c for c in self.rating.reasons if c.category not in public]
        if hidden:
            lines.append(
                f"{sum(c.points for c in hidden):+d} points from {len(hidden)} record(s) shared only with "
                "public bodies"
            )
        return lines

    def public_change_lines(self, catalog: Catalog) -> list[str]:
        """What would change the grade, told only through records anyone may see: a change that rests on
        a record shared only with public bodies is left out (as on the profile and the report)."""
        public = _public(catalog)
        return [
            describe_change(catalog, c) for c in self.changes if all(x.category in public for x in c.records)
        ]


class RatingService:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        policy: Policy,
        clock: Clock,
        settings: Settings,
        measures: Measures | None = None,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.policy = policy
        self.clock = clock
        self.settings = settings
        self.tables = compile_policy(policy, catalog)
        self._measures = measures
        self._rules_noted = False

    @property
    def measures(self) -> Measures:
        """The measures catalog in force (loaded when first needed): which measures a grade brings."""
        if self._measures is None:
            self._measures = load_measures(self.catalog, self.settings.measures_path)
        return self._measures

    def today(self) -> date:
        return today(self.clock, self.settings.timezone)

    def rate(
        self,
        organisation_ids: Sequence[int] | None = None,
        as_of: date | None = None,
        cause: str = "",
        *,
        batches: Sequence[int] = (),
    ) -> RateResult:
        """Re-rate these organisations (all when None); store the ratings and every change of grade.
        `batches` (or, rating all, every batch left unrated) count as rated once they are stored."""
        as_of = as_of or self.today()
        if organisation_ids is None:  # read before the facts: a batch that ends meanwhile stays unrated
            with self.engine.connect() as conn:
                batches = records_repo.unrated_batches(conn)
        if organisation_ids is not None:  # a subject in another's file is rated in that file
            with self.engine.connect() as conn:
                organisation_ids = repo.heads(conn, organisation_ids)
        if organisation_ids is not None and len(organisation_ids) <= ONE_BY_ONE:
            results = self._rate_each(organisation_ids, as_of)
        else:
            with self.engine.connect() as conn:
                ids = list(organisation_ids) if organisation_ids is not None else repo.organisation_ids(conn)
                facts = repo.facts_table(conn, ids if organisation_ids is not None else None)
            # One call for every organisation: the query reads all the facts whichever organisations it
            # is asked about, so calling it per slice of them read the facts once per slice (at 1M
            # organisations in slices of 200,000: 7.3 s against 1.6 s for one call).
            orgs = pa.table({"organisation_id": pa.array(ids, pa.int64())})
            results = rate_batch(self.tables, facts, orgs, as_of)
        now = self.clock.now()
        with uninterrupted(), self.engine.begin() as conn:  # Ctrl-C: after the commit
            self._note_rules(conn)
            records_repo.mark_rated(conn, batches, now)
            changes = repo.save_ratings(
                conn,
                results,
                as_of,
                self.policy.version,
                self.policy.sha256,
                cause or f"re-rated as of {as_of.isoformat()} under policy {self.policy.version}",
                now,
            )
            # Last, in slices: each slice's events are built only when the previous one is appended.
            for start in range(0, len(changes), LOG_SLICE):
                self._note_changes(conn, changes[start : start + LOG_SLICE])
                log.flush(conn, now)
            log.flush(conn, now)  # the rules' events when no grade changed
        return RateResult(as_of, len(results), len(changes))

    def after_ingest(self, result: IngestResult) -> None:
        """Re-rate the organisations whose records an ingest added or changed, and those of every batch
        before it left unrated (`--no-rate`, Ctrl-C, a process killed, a rating that failed), so that
        every organisation is rated since its records last changed; the counts go on the result (the CLI
        and the API report them)."""
        with self.engine.connect() as conn:  # read before the facts: a batch that ends meanwhile waits
            batches = records_repo.unrated_batches(conn)
            earlier = [b for b in batches if b != result.batch_id]
            ids = result.organisation_ids | records_repo.organisations_of_batches(conn, earlier)
        if not ids:
            if batches:
                with uninterrupted(), self.engine.begin() as conn:
                    records_repo.mark_rated(conn, batches, self.clock.now())
            return
        named = sorted({*earlier, *([result.batch_id] if result.batch_id is not None else [])})
        listed = ", ".join(map(str, named[:5])) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
        cause = f"records changed in batch{'es' if len(named) > 1 else ''} {listed}"
        rated = self.rate(sorted(ids), cause=cause, batches=batches)
        result.rated, result.grade_changes = rated.rated, rated.grade_changes

    def rate_within(self, conn: Connection, organisation_ids: Sequence[int], cause: str) -> int:
        """Re-rate a few organisations inside the caller's transaction, so a decision and the grade it
        changes commit together (a repair, an answered objection). Returns the number of grade changes."""
        as_of = self.today()
        organisation_ids = repo.heads(conn, organisation_ids)
        results = [self._rate_one(conn, organisation_id, as_of) for organisation_id in organisation_ids]
        self._note_rules(conn)
        changes = repo.save_ratings(
            conn, results, as_of, self.policy.version, self.policy.sha256, cause, self.clock.now()
        )
        self._note_changes(conn, changes)
        return len(changes)

    def note_rules(self) -> None:
        """Log the policy and catalog in force if they differ from the last ones logged (a server calls
        this when it starts; rating calls it before the first ratings it stores)."""
        log.note_rules(self.engine, self.catalog, self.policy, self.clock.now())
        self._rules_noted = True

    def _note_rules(self, conn: Connection) -> None:
        """note_rules in the caller's transaction, once per service: ratings are stored under a policy
        that the log names. (A scan of the log, so not on every rating.)"""
        if not self._rules_noted:
            log.note_rules_in(conn, self.catalog, self.policy)
            self._rules_noted = True

    def _note_changes(self, conn: Connection, changes: Sequence[dict[str, Any]]) -> None:
        """Note each grade change, and the measures it brings into force or lifts: measures follow a grade
        at the moment of a check, not stored, so the change of grade is where they start and end. Public
        when the organisation has a public profile, where its grade is shown."""
        if not changes:
            return
        public = log.public_organisations(conn, [c["organisation_id"] for c in changes])
        by_grade: dict[str | None, list[str]] = {}
        for measure in self.measures.measures.values():
            if measure.trigger.grade is not None:
                by_grade.setdefault(measure.trigger.grade, []).append(measure.code)
        events = []
        for change in changes:
            organisation_id, seen = change["organisation_id"], change["organisation_id"] in public
            events.append(log.grade_changed(change, seen))
            ref = f"organisation:{organisation_id}"
            old, new = change["old_grade"], change["new_grade"]
            if by_grade.get(old):
                events.append(
                    log.about_measures(
                        "measure.lifted", ref, organisation_id, by_grade[old], f"grade {old}", seen, to=new
                    )
                )
            if by_grade.get(new):
                events.append(
                    log.about_measures(
                        "measure.applied",
                        ref,
                        organisation_id,
                        by_grade[new],
                        f"grade {new}",
                        seen,
                        since=change["as_of"],
                    )
                )
        log.note_all(conn, events)

    def _rate_each(self, organisation_ids: Sequence[int], as_of: date) -> list[BatchRating]:
        """The Python engine, one organisation at a time: for the few that one submission touches."""
        with self.engine.connect() as conn:
            return [self._rate_one(conn, organisation_id, as_of) for organisation_id in organisation_ids]

    def _rate_one(self, conn: Connection, organisation_id: int, as_of: date) -> BatchRating:
        rating = rate_one(self.tables, repo.facts_of(conn, organisation_id), as_of)
        return BatchRating(
            organisation_id,
            rating.score,
            rating.grade,
            rating.grade_limited_by,
            tuple((c.record_id, c.points) for c in rating.reasons),
        )

    def explain(self, organisation: str, as_of: date | None = None) -> Explanation:
        """An organisation's rating computed now by the Python engine, with every contribution, what
        would change its grade, and its stored history."""
        with self.engine.connect() as conn:
            org = repo.find_organisation(conn, organisation)
        if org is None:
            raise UnknownOrganisation(no_organisation(organisation, " in the registry"))
        return self.explain_row(org, as_of)

    def explain_row(self, org: Any, as_of: date | None = None, with_history: bool = True) -> Explanation:
        """explain() for an organisation row already found."""
        as_of = as_of or self.today()
        with self.engine.connect() as conn:
            facts = repo.facts_of(conn, org.id)
            history = repo.history_of(conn, org.id) if with_history else []
        rating = rate_one(self.tables, facts, as_of)
        return Explanation(org, rating, what_would_change(self.tables, facts, rating), history)


def _public(catalog: Catalog) -> set[str]:
    return {c.code for c in catalog.categories.values() if c.publicity.value == "public"}


def describe(catalog: Catalog, c: Any) -> str:
    title = catalog.categories[c.category].title
    severity = f", {c.severity}" if c.severity else ""
    pending = ", pending" if c.status == "pending" else ""
    return (
        f"{c.points:+d} points: {title.lower()} {c.source_record_id} of {c.decided_on.isoformat()}"
        f"{severity}{pending}; published until {c.published_until.isoformat()}"
    )


def describe_change(catalog: Catalog, change: Change) -> str:
    names = ", ".join(
        f"{catalog.categories[c.category].title.lower()} {c.source_record_id}" for c in change.records
    )
    if change.on is None:
        return f"grade {change.grade} if {names} is repaired and leaves publication"
    verb = "leaves publication" if change.because == "leaves publication" else "weighs less with age"
    return f"grade {change.grade} from {change.on.isoformat()}, when {names} {verb}"
