"""Rate organisations and explain ratings: the one place the edges (CLI, API, ingest) call."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine

from credence.catalog import Catalog
from credence.catalog.model import ListKind
from credence.clock import Clock, today
from credence.i18n import N_, _, current, format_date, format_number, ngettext
from credence.identity import no_organisation
from credence.log import events as log
from credence.measures.catalog import Measures, load_measures
from credence.rating import ageing, partitioned
from credence.rating import repository as repo
from credence.rating.batch import BatchRating
from credence.rating.engine import (
    Change,
    Line,
    PolicyTables,
    Rating,
    RecordFacts,
    Scheduled,
    compile_policy,
    rate_one,
    reckon,
    what_would_change,
)
from credence.rating.policy import Policy
from credence.records import repository as records_repo
from credence.records.service import IngestResult, uninterrupted
from credence.settings import Settings
from credence.snapshots import read_manifest

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
    tables: PolicyTables | None = None  # the compiled policy the rating was made under

    def reckoning(self, catalog: Catalog) -> tuple[Line, ...]:
        """How the score adds up, every record shown (the command line, the organisation itself)."""
        return reckon(self._tables(), self.rating)

    def public_reckoning(self, catalog: Catalog) -> tuple[Line, ...]:
        """How the score adds up for anyone: the records of public categories shown, those shared only
        with public bodies counted in one line without their content (their caps included)."""
        public = _public(catalog)
        return reckon(self._tables(), self.rating, lambda category: category in public)

    def reason_lines(self, catalog: Catalog) -> list[str]:
        return reckoning_lines(catalog, self.reckoning(catalog))

    def change_lines(self, catalog: Catalog) -> list[str]:
        return [describe_change(catalog, c) for c in self.changes]

    def public_reason_lines(self, catalog: Catalog) -> list[str]:
        """The reasons anyone may read, in the language at hand: they sum to the score."""
        return reckoning_lines(catalog, self.public_reckoning(catalog))

    def public_change_lines(self, catalog: Catalog) -> list[str]:
        """What would change the grade, told only through records anyone may see: a change that rests on
        a record shared only with public bodies is left out (as on the profile and the report)."""
        public = _public(catalog)
        return [
            describe_change(catalog, c) for c in self.changes if all(x.category in public for x in c.records)
        ]

    def _tables(self) -> PolicyTables:
        if self.tables is None:
            raise ValueError(
                "an explanation made without its policy's tables cannot say how its score adds up"
            )
        return self.tables


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
        snapshot: Path | None = None,
    ) -> RateResult:
        """Re-rate these organisations (all when None); store the ratings and every change of grade.
        `batches` (or, rating all, every batch left unrated) count as rated once they are stored. Many
        organisations are rated partition by partition in bounded memory (credence.rating.partitioned),
        from the store or, rating all, from a Parquet `snapshot` directory of its facts."""
        as_of = as_of or self.today()
        if organisation_ids is None and snapshot is None:  # read before the facts: a batch that ends
            # meanwhile stays unrated (and a snapshot's age is unknown here: it marks none rated)
            with self.engine.connect() as conn:
                batches = records_repo.unrated_batches(conn)
        if organisation_ids is not None:  # a subject in another's file is rated in that file
            with self.engine.connect() as conn:
                organisation_ids = repo.heads(conn, organisation_ids)
        cause = cause or f"re-rated as of {as_of.isoformat()} under policy {self.policy.version}"
        read_at = self.clock.now()  # before the facts are read: no later than what they show
        if organisation_ids is not None and len(organisation_ids) <= ONE_BY_ONE:
            rated = repo.as_rated(self._rate_each(organisation_ids, as_of))
            return self.store([rated], as_of, cause, batches, read_at=read_at)
        limits = partitioned.Limits.of(self.settings)
        with tempfile.TemporaryDirectory(prefix="credence-rate-", dir=limits.temp_directory) as work:
            if snapshot is not None:
                source = partitioned.snapshot(snapshot)
                read_at = datetime.fromisoformat(read_manifest(snapshot, check=False).taken_at)
            else:
                with self.engine.connect() as conn:
                    facts = repo.facts_query(conn, organisation_ids)
                    source = partitioned.from_store(
                        conn, organisation_ids, Path(work), facts, repo.heads_query()
                    )
            # Every partition rated before the store is written: the write transaction stays short, and
            # a failure in any partition stores nothing.
            parts = list(partitioned.rate(self.tables, source, as_of, Path(work), limits))
            return self.store(
                (b for path in parts for b in pq.ParquetFile(path).iter_batches(LOG_SLICE)),
                as_of,
                cause,
                batches,
                read_at=read_at,
            )

    def store(
        self,
        rated: Iterable[Any],
        as_of: date,
        cause: str,
        batches: Sequence[int] = (),
        *,
        read_at: datetime,
    ) -> RateResult:
        """Store ratings made by any engine (Arrow batches with the columns of partitioned.RATED, in the
        order of the ids) from facts read at `read_at` (at the latest) set-based, each batch's grade
        changes logged after it, in one transaction with `batches` marked rated. An organisation whose
        stored rating was made from facts read later keeps it (repository.store_ratings)."""
        now = self.clock.now()
        count = changed = 0
        with uninterrupted(), self.engine.begin() as conn:  # Ctrl-C: after the commit
            self._note_rules(conn)
            records_repo.mark_rated(conn, batches, now)
            for part in rated:
                count += part.num_rows
                changes = repo.store_ratings(
                    conn, part, as_of, self.policy.version, self.policy.sha256, cause, now, read_at
                )
                changed += len(changes)
                # In slices: each slice's events are built only when the previous one is appended.
                for start in range(0, len(changes), LOG_SLICE):
                    self._note_changes(conn, changes[start : start + LOG_SLICE])
                    log.flush(conn, now)
            log.flush(conn, now)  # the rules' events when no grade changed
        return RateResult(as_of, count, changed)

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

    def crossed_in(self, conn: Connection, today: date, since: date | None = None) -> set[int]:
        """The files whose stored rating a record's age has changed after `since` and since it was made
        (credence.rating.ageing): the tick re-rates them."""
        return ageing.crossed(conn, self.tables, today, since)

    def rate_within(self, conn: Connection, organisation_ids: Sequence[int], cause: str) -> int:
        """Re-rate a few organisations inside the caller's transaction, so a decision and the grade it
        changes commit together (a repair, an answered objection). Returns the number of grade changes."""
        as_of = self.today()
        read_at = self.clock.now()
        organisation_ids = repo.heads(conn, organisation_ids)
        results = [self._rate_one(conn, organisation_id, as_of) for organisation_id in organisation_ids]
        self._note_rules(conn)
        changes = repo.store_ratings(
            conn,
            repo.as_rated(results),
            as_of,
            self.policy.version,
            self.policy.sha256,
            cause,
            self.clock.now(),
            read_at,
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
            listed = repo.listed_of(conn, org.id)
            history = repo.history_of(conn, org.id) if with_history else []
        rating = rate_one(self.tables, facts, as_of)
        scheduled = self.scheduled(listed, facts, as_of)
        changes = what_would_change(self.tables, facts, rating, scheduled=scheduled)
        return Explanation(org, rating, changes, history, self.tables)

    def scheduled(self, listed: Sequence[Any], facts: Sequence[RecordFacts], as_of: date) -> list[Scheduled]:
        """What the tick will do to these list entries in force (list_entries rows) by itself: end an
        entry whose end date passed (the day after its last), and move an abnormal-operation entry still
        uncured at the end of the escalation period to the serious-dishonesty list, at least the warning
        period after its warning (given by the next tick if not yet), as credence.lists does."""
        by_id = {f.record_id: f for f in facts}
        escalation, warning = self.settings.abnormal_escalation_days, self.settings.abnormal_warning_days
        serious = self.catalog.list_category(ListKind.serious_dishonesty)
        out: list[Scheduled] = []
        for entry in listed:
            record = by_id.get(entry.record_id)
            if record is None or entry.starts_on is None:
                continue
            if entry.ends_on is not None:
                out.append(Scheduled(entry.ends_on + timedelta(days=1), (record,), "expires"))
            elif entry.list == ListKind.abnormal_operation.value:
                warned = entry.warned_on or max(as_of, entry.starts_on + timedelta(days=escalation - warning))
                on = max(entry.starts_on + timedelta(days=escalation), warned + timedelta(days=warning))
                starts: tuple[RecordFacts, ...] = ()
                if serious is not None:
                    starts = (RecordFacts(-entry.id, "", serious.code, None, "final", on),)
                by = on + timedelta(days=self.settings.notice_deemed_days)
                out.append(Scheduled(on, (record,), "escalates", starts, by))
        return out


def _public(catalog: Catalog) -> set[str]:
    return {c.code for c in catalog.categories.values() if c.publicity.value == "public"}


# The severities' words as the pages' labels give them (Minor, General, Serious), lower-cased in a sentence.
SEVERITIES = {"minor": N_("Minor"), "general": N_("General"), "serious": N_("Serious")}


def category_title(catalog: Catalog, code: str) -> str:
    """A category's title inside a sentence, in the language at hand."""
    category = catalog.categories[code]
    if current() == "zh" and category.title_zh:
        return category.title_zh
    return category.title.lower() if current() == "en" else category.title


def signed(points: int) -> str:
    """Points as a line shows them: +200, -1,200, 0."""
    return ("+" if points > 0 else "") + format_number(points)


def describe(catalog: Catalog, c: Any) -> str:
    """One record's contribution in plain words, with its points."""
    return with_points(c.points, record_words(catalog, c))


def record_words(catalog: Catalog, c: Any) -> str:
    """A counting record in plain words: what, which, when decided, how grave, until when published."""
    details = "".join(
        _(", %(detail)s", detail=word)
        for word in (
            _(SEVERITIES[c.severity]).lower() if c.severity in SEVERITIES else None,
            _("pending") if c.status == "pending" else None,
        )
        if word
    )
    return _(
        "%(title)s %(record)s of %(decided)s%(details)s; published until %(until)s",
        title=category_title(catalog, c.category),
        record=c.source_record_id,
        decided=format_date(c.decided_on),
        details=details,
        until=format_date(c.published_until),
    )


def with_points(points: int, words: str, *, sign: bool = True) -> str:
    return _(
        "%(points)s points: %(reason)s",
        points=signed(points) if sign else format_number(points),
        reason=words,
    )


def describe_line(catalog: Catalog, line: Line) -> str:
    """One line of a reckoning in plain words with its points (the rule holding the grade has none), in
    the language at hand."""
    if line.kind == "grade_limit":
        return line_words(catalog, line)
    return with_points(line.points, line_words(catalog, line), sign=line.kind != "start")


def line_words(catalog: Catalog, line: Line) -> str:
    """What a line of a reckoning is, in plain words, without its points (a table shows them apart)."""
    if line.kind == "start":
        return _("the starting score")
    if line.kind == "record":
        assert line.record is not None
        return record_words(catalog, line.record)
    if line.kind == "others":
        return ngettext("%(num)s other record", "%(num)s other records", line.count)
    if line.kind == "cap":
        assert line.category is not None and line.limit is not None
        return _(
            "%(title)s records count at most %(limit)s points in all",
            title=category_title(catalog, line.category),
            limit=format_number(line.limit),
        )
    if line.kind == "hidden":
        return ngettext(
            "%(num)s record shared only with public bodies",
            "%(num)s records shared only with public bodies",
            line.count,
        )
    if line.kind == "favourable_cap":
        return _(
            "favourable records add at most %(limit)s points in all", limit=format_number(line.limit or 0)
        )
    if line.kind == "floor":
        return _("the score is never below %(limit)s", limit=format_number(line.limit or 0))
    if line.kind == "ceiling":
        return _("the score is never above %(limit)s", limit=format_number(line.limit or 0))
    if line.kind == "grade_limit":
        if line.category is None:
            return _(
                "The grade is held at %(grade)s by a record shared only with public bodies (the score alone "
                "gives %(by_score)s)",
                grade=line.grade,
                by_score=line.by_score,
            )
        return _(
            "The grade is held at %(grade)s while a %(title)s record counts (the score alone gives "
            "%(by_score)s)",
            grade=line.grade,
            title=category_title(catalog, line.category),
            by_score=line.by_score,
        )
    raise ValueError(f"no words for a line of kind {line.kind!r}")


def reckoning_lines(catalog: Catalog, lines: Sequence[Line]) -> list[str]:
    return [describe_line(catalog, line) for line in lines]


def describe_change(catalog: Catalog, change: Change) -> str:
    names = ", ".join(f"{category_title(catalog, c.category)} {c.source_record_id}" for c in change.records)
    if change.on is None:
        return _(
            "grade %(grade)s if %(names)s is repaired and leaves publication", grade=change.grade, names=names
        )
    on = format_date(change.on)
    if change.because == "escalates":
        return _(
            "grade %(grade)s from %(on)s, when %(names)s moves to the serious-dishonesty list unless cured "
            "before; the listing counts once its notice is delivered, by %(by)s at the latest",
            grade=change.grade,
            on=on,
            names=names,
            by=format_date(change.counts_by),
        )
    if change.because == "expires":
        return _("grade %(grade)s from %(on)s, when %(names)s ends", grade=change.grade, on=on, names=names)
    if change.because == "leaves publication":
        return _(
            "grade %(grade)s from %(on)s, when %(names)s leaves publication",
            grade=change.grade,
            on=on,
            names=names,
        )
    return _(
        "grade %(grade)s from %(on)s, when %(names)s weighs less with age",
        grade=change.grade,
        on=on,
        names=names,
    )
