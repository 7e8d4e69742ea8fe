"""One definition of a policy, two engines that execute it.

`compile_policy` turns a policy and the catalog into plain tables: the points of each (category,
severity), the publication period of each, the decay bands, the caps and the grade thresholds. The Python
engine (`rate_one`) executes them for one organisation: on ingest, for an explanation. The SQL engine
(credence.rating.batch) executes the very same tables in DuckDB over columnar records for the whole
registry. Every quantity is an integer, so both give the same scores, grades and reasons to the point
(tests/rating/test_engines_agree.py).

A record counts while it is active and published: from its decision date for its category's publication
period (the catalog's longest, `max_days`). Its points are the rule's, times the decay band's percent for
its age, times the pending percent if it is pending, rounded towards zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from credence.catalog import Catalog
from credence.catalog.model import GRADES
from credence.rating.policy import Policy

MAX_REASONS = 4


@dataclass(frozen=True)
class RuleRow:
    category: str
    severity: str  # '' where severity does not apply to the category
    rule: str
    points: int
    publication_days: int
    cap: int | None
    grade_limit: int | None  # index in GRADES: the best grade allowed while such a record counts


@dataclass(frozen=True)
class PolicyTables:
    """A policy compiled against the catalog: what every engine executes."""

    version: str
    sha256: str
    rows: tuple[RuleRow, ...]
    severity_categories: frozenset[str]
    decay: tuple[tuple[int | None, int], ...]  # (until_days, percent), in order; the last is open
    pending_percent: int
    favourable_cap: int
    base_score: int
    floor: int
    ceiling: int
    thresholds: tuple[tuple[str, int], ...]  # (grade, min_score), best first

    def key(self, category: str, severity: str | None) -> tuple[str, str]:
        return category, (severity or "") if category in self.severity_categories else ""

    def grade_index(self, score: int) -> int:
        for index, (_, minimum) in enumerate(self.thresholds):
            if score >= minimum:
                return index
        return len(GRADES) - 1


def compile_policy(policy: Policy, catalog: Catalog) -> PolicyTables:
    rows = []
    for rule in policy.doc.rules:
        category = catalog.categories[rule.category]
        limit = GRADES.index(rule.grade_at_most) if rule.grade_at_most else None
        for key, points in rule.points.items():
            severity = "" if key == "any" else key
            period = category.publication.any if key == "any" else getattr(category.publication, key)
            assert period is not None
            rows.append(RuleRow(rule.category, severity, rule.name, points, period.max_days, rule.cap, limit))
    return PolicyTables(
        version=policy.version,
        sha256=policy.sha256,
        rows=tuple(rows),
        severity_categories=frozenset(c.code for c in catalog.categories.values() if c.severity_applies),
        decay=tuple((band.until_days, band.percent) for band in policy.doc.decay),
        pending_percent=policy.doc.pending_percent,
        favourable_cap=policy.doc.favourable_cap,
        base_score=policy.doc.base_score,
        floor=policy.doc.floor,
        ceiling=policy.doc.ceiling,
        thresholds=tuple((g.grade, g.min_score) for g in policy.doc.grades),
    )


@dataclass(frozen=True)
class RecordFacts:
    """What rating needs of a stored record."""

    record_id: int
    source_record_id: str
    category: str
    severity: str | None
    status: str  # final | pending
    decided_on: date
    state: str = "active"


@dataclass(frozen=True)
class Contribution:
    record_id: int
    source_record_id: str
    category: str
    rule: str
    severity: str | None
    status: str
    decided_on: date
    published_until: date  # the first day it no longer counts
    points: int


@dataclass(frozen=True)
class Rating:
    as_of: date
    score: int
    grade: str
    policy_version: str
    policy_sha256: str
    contributions: tuple[Contribution, ...]  # every record that counts, heaviest first
    reasons: tuple[Contribution, ...]  # the heaviest, at most four, none of zero points
    grade_limited_by: str | None  # the rule that held the grade down, if one did


def reason_order(c: Contribution) -> tuple[int, int, int]:
    """Heaviest first; among equals the most recent decision, then the lowest record id."""
    return (-abs(c.points), -c.decided_on.toordinal(), c.record_id)


def rate_one(tables: PolicyTables, records: Iterable[RecordFacts], as_of: date) -> Rating:
    """The Python engine: one organisation's records as of a date."""
    by_key = {(row.category, row.severity): row for row in tables.rows}
    counting: list[Contribution] = []
    limit: tuple[int, str] | None = None
    for record in records:
        row = by_key.get(tables.key(record.category, record.severity))
        if row is None or row.points == 0 or record.state != "active":
            continue
        until = record.decided_on + timedelta(days=row.publication_days)
        if not record.decided_on <= as_of < until:
            continue
        points = weighted(tables, row.points, (as_of - record.decided_on).days, record.status)
        counting.append(
            Contribution(
                record.record_id,
                record.source_record_id,
                record.category,
                row.rule,
                record.severity,
                record.status,
                record.decided_on,
                until,
                points,
            )
        )
        if row.grade_limit is not None and (
            limit is None or (-row.grade_limit, row.rule) < (-limit[0], limit[1])
        ):  # the strictest limit; between equals, the rule named first
            limit = (row.grade_limit, row.rule)
    score = total_score(tables, counting)
    grade_index = tables.grade_index(score)
    limited_by = None
    if limit is not None and limit[0] > grade_index:
        grade_index, limited_by = limit
    counting.sort(key=reason_order)
    return Rating(
        as_of=as_of,
        score=score,
        grade=GRADES[grade_index],
        policy_version=tables.version,
        policy_sha256=tables.sha256,
        contributions=tuple(counting),
        reasons=tuple(c for c in counting if c.points)[:MAX_REASONS],
        grade_limited_by=limited_by,
    )


def weighted(tables: PolicyTables, points: int, age_days: int, status: str) -> int:
    percent = next(p for until, p in tables.decay if until is None or age_days < until)
    status_percent = 100 if status == "final" else tables.pending_percent
    magnitude = abs(points) * percent * status_percent // 10_000
    return magnitude if points > 0 else -magnitude


@dataclass(frozen=True)
class Tally:
    """How a score is made: each category's points as counted and as capped, the favourable points the
    favourable cap lets in, and the score before and after the floor and the ceiling."""

    raw: dict[str, int]  # each category's points, before its cap
    capped: dict[str, int]  # after its cap
    favourable: int  # the capped favourable totals, before the favourable cap
    favourable_used: int  # after it
    unbounded: int  # base + adverse + favourable_used, before floor and ceiling
    score: int


def tally(tables: PolicyTables, counting: Sequence[Contribution]) -> Tally:
    caps = {row.category: row.cap for row in tables.rows}
    raw: dict[str, int] = defaultdict(int)
    for c in counting:
        raw[c.category] += c.points
    capped: dict[str, int] = {}
    adverse = favourable = 0
    for category, total in raw.items():
        cap = caps[category]
        if cap is not None:
            total = max(total, -cap) if total < 0 else min(total, cap)
        capped[category] = total
        if total < 0:
            adverse += total
        else:
            favourable += total
    used = min(favourable, tables.favourable_cap)
    unbounded = tables.base_score + adverse + used
    score = min(max(unbounded, tables.floor), tables.ceiling)
    return Tally(dict(raw), capped, favourable, used, unbounded, score)


def total_score(tables: PolicyTables, counting: Sequence[Contribution]) -> int:
    return tally(tables, counting).score


@dataclass(frozen=True)
class Line:
    """One line of how a score adds up: the points of every line of a reckoning sum to the score.

    kind is one of: start (the base score), record (one record), others (the remaining records shown, in
    one line), cap (what a category's cap gives back or holds back), hidden (the records the reader may
    not see, in one line, their caps included), favourable_cap, floor, ceiling, and grade_limit (no
    points: the rule that holds the grade below what the score gives)."""

    kind: str
    points: int
    record: Contribution | None = None
    count: int = 0  # others, hidden: how many records
    category: str | None = None  # cap: whose; grade_limit: the rule's category, when it may be shown
    limit: int | None = None  # cap, favourable_cap: the cap; floor, ceiling: the bound
    grade: str | None = None  # grade_limit: the grade held
    by_score: str | None = None  # grade_limit: the grade the score alone gives
    rule: str | None = None  # grade_limit: the rule, when it may be shown


def reckon(
    tables: PolicyTables,
    rating: Rating,
    shown: Callable[[str], bool] = lambda category: True,
    most: int = MAX_REASONS,
) -> tuple[Line, ...]:
    """How the rating's score adds up, line by line: the starting score; the records of the categories
    `shown` (the heaviest `most` one by one, the rest in one line); what each shown category's cap
    changes; the records of the other categories in one line, without saying which (their caps
    included); the favourable cap; the floor or the ceiling. Their points sum to the score exactly. Last,
    with no points, the rule that holds the grade down, if one does (named only when its category is
    shown)."""
    counting = [c for c in rating.contributions if c.points]
    parts = tally(tables, counting)
    lines = [Line("start", tables.base_score)]
    visible = sorted((c for c in counting if shown(c.category)), key=reason_order)
    lines += [Line("record", c.points, record=c) for c in visible[:most]]
    rest = visible[most:]
    if rest:
        lines.append(Line("others", sum(c.points for c in rest), count=len(rest)))
    caps = {row.category: row.cap for row in tables.rows}
    for category in sorted(parts.raw, key=lambda k: (-abs(parts.raw[k]), k)):
        cut = parts.capped[category] - parts.raw[category]
        if cut and shown(category):
            lines.append(Line("cap", cut, category=category, limit=caps[category]))
    hidden = [c for c in counting if not shown(c.category)]
    if hidden:
        points = sum(parts.capped[k] for k in {c.category for c in hidden})
        lines.append(Line("hidden", points, count=len(hidden)))
    if parts.favourable_used != parts.favourable:
        lines.append(
            Line("favourable_cap", parts.favourable_used - parts.favourable, limit=tables.favourable_cap)
        )
    if parts.score != parts.unbounded:
        bound = "floor" if parts.score > parts.unbounded else "ceiling"
        lines.append(Line(bound, parts.score - parts.unbounded, limit=parts.score))
    if rating.grade_limited_by is not None:
        category = next(r.category for r in tables.rows if r.rule == rating.grade_limited_by)
        named = shown(category)
        lines.append(
            Line(
                "grade_limit",
                0,
                category=category if named else None,
                grade=rating.grade,
                by_score=GRADES[tables.grade_index(rating.score)],
                rule=rating.grade_limited_by if named else None,
            )
        )
    return tuple(lines)


@dataclass(frozen=True)
class Change:
    """What would change the grade: on a date by itself, or if a record were repaired."""

    grade: str
    on: date | None  # None: only if `records` are repaired
    records: tuple[Contribution | RecordFacts, ...]
    because: str  # "leaves publication" | "ages" | "repaired" | "expires" | "escalates"
    counts_by: date | None = None  # escalates: the listing counts once noticed, by this day at the latest


@dataclass(frozen=True)
class Scheduled:
    """What the tick will do on a day beyond a record leaving publication or ageing: a list entry's record
    ends (`expires`: the entry's end date passed) and, for an abnormal-operation entry still uncured at
    the end of the escalation period, a serious-dishonesty listing begins (`escalates`), counting once
    its notice is delivered (by `counts_by` at the latest)."""

    on: date
    ends: tuple[RecordFacts, ...]
    because: str  # "expires" | "escalates"
    starts: tuple[RecordFacts, ...] = ()
    counts_by: date | None = None


def what_would_change(
    tables: PolicyTables,
    records: Sequence[RecordFacts],
    rating: Rating,
    horizon_days: int = 3650,
    scheduled: Sequence[Scheduled] = (),
) -> list[Change]:
    """The next date the grade changes by itself (a record leaves publication or ages into a lighter
    band, or the tick ends a list entry or escalates one, `scheduled`), and the grade if the heaviest
    adverse record were repaired and left publication."""
    changes: list[Change] = []
    events: dict[date, list[tuple[Contribution | RecordFacts, str]]] = defaultdict(list)
    for c in rating.contributions:
        events[c.published_until].append((c, "leaves publication"))
        for until, _ in tables.decay:
            if until is not None:
                day = c.decided_on + timedelta(days=until)
                if rating.as_of < day < c.published_until:
                    events[day].append((c, "ages"))
    counted = {c.record_id: c for c in rating.contributions}
    due: dict[date, list[Scheduled]] = defaultdict(list)
    for s in scheduled:
        on = max(s.on, rating.as_of)  # due today: the tick runs today
        due[on].append(s)
        for r in s.ends:
            events[on].append((counted.get(r.record_id, r), s.because))
    last = rating.as_of + timedelta(days=horizon_days)
    days = sorted(d for d in events if rating.as_of < d <= last or (d == rating.as_of and d in due))
    for day in days:
        ended = {r.record_id for when, items in due.items() if when <= day for s in items for r in s.ends}
        started = [r for when, items in due.items() if when <= day for s in items for r in s.starts]
        later = rate_one(tables, [r for r in records if r.record_id not in ended] + started, day)
        if later.grade != rating.grade:
            causes = events[day]
            kinds = [b for _, b in causes]
            because = next((b for b in ("escalates", "expires", "leaves publication") if b in kinds), "ages")
            counts_by = next((s.counts_by for s in due.get(day, []) if s.because == because), None)
            shown = tuple(c for c, b in causes if b == because) or tuple(c for c, _ in causes)
            changes.append(Change(later.grade, day, shown, because, counts_by))
            break
    adverse = [c for c in rating.contributions if c.points < 0]
    if adverse:
        heaviest = adverse[0]
        without = [r for r in records if r.record_id != heaviest.record_id]
        repaired = rate_one(tables, without, rating.as_of)
        if repaired.grade != rating.grade:
            changes.append(Change(repaired.grade, None, (heaviest,), "repaired"))
    return changes
