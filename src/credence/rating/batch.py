"""The SQL engine: a compiled policy executed by DuckDB over columnar records, for the whole registry.

The policy's tables become VALUES lists and CASE expressions in one query (following Splink's shape: the
definition is data, an engine executes it), so Spark runs the same text (credence.rating.spark), its few
spellings of its own in DIALECTS. The records come in as an Arrow table or anything DuckDB can scan,
with the columns of RecordFacts plus `organisation_id`; organisations with no counting record get the base
score.

The query reads the records once. Grouping them is most of its work, so it groups them as little and
as narrowly as it can: one group-by per organisation gives everything a rating needs but the caps (its
adverse and favourable points, its strictest grade limit and its heaviest reasons), and a second one,
per organisation and capped category and holding one sum, finds what the caps cut. Each of these was
slower (docs/benchmarks.md, "Rating (issue 3)"): grouping by organisation and category and then again by
organisation; picking reasons in a pass of their own; a sum per capped category in the per-organisation
group-by, which makes its rows wide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from credence.catalog.model import GRADES
from credence.rating.engine import MAX_REASONS, PolicyTables, RuleRow
from credence.rating.policy import MAX_POINTS


@dataclass(frozen=True)
class BatchRating:
    organisation_id: int
    score: int
    grade: str
    grade_limited_by: str | None
    reasons: tuple[tuple[int, int], ...]  # (record id, points), heaviest first


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _values(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> str:
    body = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    return f"(VALUES {body}) AS t({', '.join(names)})"


@dataclass(frozen=True)
class Dialect:
    """What differs between the SQL engines that run rating_sql: one definition, these few spellings
    (as Splink keeps its dialects in one place)."""

    div: str  # integer division (the query divides only numbers that are not negative)
    empty_list: str
    date_diff: str  # the days from {start} to {end}
    signum: str  # -1, 0 or 1 as an integer
    # The {n} greatest {x}, greatest first, of the rows where {where}, each element k unpacked into the
    # struct of {a} AS record_id and {b} AS points.
    top: str

    def days(self, start: str, end: str) -> str:
        return self.date_diff.format(start=start, end=end)

    def sign(self, x: str) -> str:
        return self.signum.format(x=x)

    def top_structs(self, x: str, n: int, where: str, a: str, b: str) -> str:
        """The structs (record_id, points) unpacked from the `n` greatest keys `x` where `where`."""
        return self.top.format(x=x, n=n, where=where, a=a, b=b)


DIALECTS = {
    "duckdb": Dialect(
        div="//",
        empty_list="[]",
        date_diff="date_diff('day', {start}, {end})",
        signum="sign({x})",
        top="list_transform(max({x}, {n}) FILTER (WHERE {where}), lambda k: "
        "struct_pack(record_id := {a}, points := {b}))",
    ),
    # Spark SQL (pyspark 4, ANSI mode): sign() gives a double there; a top-N is a sorted slice.
    "spark": Dialect(
        div="div",
        empty_list="array()",
        date_diff="datediff({end}, {start})",
        signum="CAST(sign({x}) AS INT)",
        top="transform(slice(sort_array(collect_list({x}) FILTER (WHERE {where}), false), 1, {n}), "
        "k -> named_struct('record_id', {a}, 'points', {b}))",
    ),
}


ADVERSE, FAVOURABLE = 0, 1  # the first two sums of the per-organisation group-by


def _sums(tables: PolicyTables) -> tuple[dict[str, tuple[int, int | None]], dict[int, int | None], list[int]]:
    """Where each counting category's contributions are added up: for each category, its sum in the
    per-organisation group-by and, if it is capped, the index of its cap; the cap of every sum after the
    first two; and the caps of the capped categories, by index.

    A category whose rules all take points adds to sum 0 (ADVERSE), one whose rules all add points to
    sum 1 (FAVOURABLE): its total has that sign whatever it is, so it falls on that side of the score
    with the others'. What a cap cuts from a capped one's total is found apart (the query's over_cap). A
    category whose rules both add and take points (a policy refuses that, but it costs nothing to allow
    it here) gets a sum of its own, capped in the score."""
    rows: dict[str, list[RuleRow]] = {}
    for r in tables.rows:
        if r.points != 0:
            rows.setdefault(r.category, []).append(r)
    caps = {r.category: r.cap for r in tables.rows}  # as the Python engine reads them
    which: dict[str, tuple[int, int | None]] = {}
    own: dict[int, int | None] = {}
    capped: list[int] = []
    for category in sorted(rows):
        signs = {r.points > 0 for r in rows[category]}
        cap = caps[category]
        if len(signs) > 1:
            which[category] = (2 + len(own), None)
            own[2 + len(own)] = cap
        elif cap is None:
            which[category] = (FAVOURABLE if signs == {True} else ADVERSE, None)
        else:
            which[category] = (FAVOURABLE if signs == {True} else ADVERSE, len(capped))
            capped.append(cap)
    return which, own, capped


def _score(tables: PolicyTables, own: dict[int, int | None]) -> str:
    """The score from the sums s0, s1, … of the per-organisation group-by (NULL where an organisation has
    no such contribution) and what the caps cut (x.adverse_cut, x.favourable_cut): adverse points added,
    favourable ones added up to the favourable cap, the whole between floor and ceiling."""
    adverse = [f"coalesce(s{ADVERSE}, 0)", "coalesce(x.adverse_cut, 0)"]
    favourable = [f"coalesce(s{FAVOURABLE}, 0)", "coalesce(x.favourable_cut, 0)"]
    for i, cap in own.items():
        total = f"coalesce(s{i}, 0)"
        if cap is not None:
            total = f"CASE WHEN s{i} < 0 THEN greatest(s{i}, -{cap}) ELSE least({total}, {cap}) END"
        adverse.append(f"least({total}, 0)")
        favourable.append(f"greatest({total}, 0)")
    score = f"{tables.base_score} + {' + '.join(adverse)}"
    score += f" + least({' + '.join(favourable)}, {tables.favourable_cap})"
    return f"least(greatest({score}, {tables.floor}), {tables.ceiling})"


def rating_sql(
    tables: PolicyTables, as_of: date, records: str, organisations: str, dialect: str = "duckdb"
) -> str:
    """The query rating every organisation in `organisations` (a relation with `organisation_id`) from
    `records`, in DuckDB's or Spark's SQL (`dialect`). Every number in it comes from the compiled policy."""
    d = DIALECTS[dialect]
    # A grade limit and its rule as one number, limit * 1000 + (999 - the rule's rank by name), so that
    # a plain max() picks the strictest limit and, between equals, the rule named first.
    rank = {name: i for i, name in enumerate(sorted({r.rule for r in tables.rows}))}
    assert len(rank) <= 1000
    which, own, capped = _sums(tables)
    rules = _values(
        [
            (
                r.category,
                r.severity,
                *which.get(r.category, (None, None)),  # none where no rule of the category counts
                r.points,
                r.publication_days,
                None if r.grade_limit is None else r.grade_limit * 1000 + 999 - rank[r.rule],
            )
            for r in tables.rows
        ],
        ("category", "severity", "sum_index", "cap_index", "points", "publication_days", "limit_key"),
    )
    limit_rules = " ".join(
        f"WHEN {limit * 1000 + 999 - rank[rule]} THEN {_literal(rule)}"
        for limit, rule in sorted({(r.grade_limit, r.rule) for r in tables.rows if r.grade_limit is not None})
    )
    severity_categories = ", ".join(_literal(c) for c in sorted(tables.severity_categories)) or "NULL"
    decay = " ".join(
        f"WHEN age < {until} THEN {percent}" for until, percent in tables.decay if until is not None
    )
    last_percent = tables.decay[-1][1]
    grade_case = " ".join(
        f"WHEN score >= {minimum} THEN {index}" for index, (_, minimum) in enumerate(tables.thresholds)
    )
    day = f"DATE '{as_of.isoformat()}'"
    # No record decided before this day counts under any rule (each rule checks its own period in the
    # join); saying so up front lets the scan drop old records before they are joined.
    longest = max((r.publication_days for r in tables.rows if r.points != 0), default=0)
    oldest = (
        f"AND k.decided_on > DATE '{(as_of - timedelta(days=longest)).isoformat()}'"
        if longest < as_of.toordinal()
        else ""
    )
    assert max((abs(r.points) for r in tables.rows), default=0) <= MAX_POINTS < 2**14  # _reasons packs them
    aggregates = ",\n           ".join(
        [f"sum(contribution) FILTER (WHERE sum_index = {i}) AS s{i}" for i in range(2 + len(own))]
        + ["max(limit_key) AS limit_key", f"{_reasons(d)} AS reasons"]
    )
    cap_of_index = (
        f"CASE cap_index {' '.join(f'WHEN {i} THEN {c}' for i, c in enumerate(capped))} END"
        if capped
        else "NULL"
    )
    limited_by = f"CASE limit_key {limit_rules} END" if limit_rules else "CAST(NULL AS STRING)"
    # Built from the compiled policy only: integers, catalog codes (checked against a pattern) quoted by
    # _literal, and relation names from this package; never from a request.
    return f"""
WITH rules AS (SELECT * FROM {rules}),
counting AS (
    SELECT k.organisation_id, k.record_id, k.decided_on, k.status, u.sum_index, u.cap_index, u.points,
           u.limit_key, {d.days("k.decided_on", day)} AS age
    FROM {records} AS k
    JOIN rules AS u ON u.category = k.category AND u.severity
         = CASE WHEN k.category IN ({severity_categories}) THEN coalesce(k.severity, '') ELSE '' END
    WHERE u.points <> 0 AND k.state = 'active' AND k.decided_on <= {day} {oldest}
      AND {day} < k.decided_on + CAST(u.publication_days AS INTEGER)
),
weighted AS (
    SELECT organisation_id, record_id, decided_on, sum_index, cap_index, limit_key,
           {d.sign("points")} * (abs(points) * (CASE {decay} ELSE {last_percent} END)
                * (CASE WHEN status = 'final' THEN 100 ELSE {tables.pending_percent} END) {d.div} 10000)
                AS contribution
    FROM counting
),
per_organisation AS (
    -- Everything but the caps: adverse and favourable points, the strictest grade limit with its rule
    -- (one number, limit_key) and the heaviest reasons (packed numbers, see _reasons).
    SELECT organisation_id,
           {aggregates}
    FROM weighted GROUP BY organisation_id
),
over_cap AS (
    -- What the caps cut: each capped category's total per organisation, from a group-by whose rows are
    -- as narrow as the baseline's; only the few totals beyond their cap are kept.
    SELECT organisation_id,
           sum(CASE WHEN total < 0 THEN -cap - total END) AS adverse_cut,
           sum(CASE WHEN total > 0 THEN cap - total END) AS favourable_cut
    FROM (SELECT organisation_id, {cap_of_index} AS cap, sum(contribution) AS total
          FROM weighted WHERE cap_index IS NOT NULL GROUP BY organisation_id, cap_index) AS c
    WHERE total < -cap OR total > cap
    GROUP BY organisation_id
),
scores AS (
    SELECT o.organisation_id, CAST({_score(tables, own)} AS BIGINT) AS score,
           p.limit_key {d.div} 1000 AS grade_limit, p.limit_key, p.reasons
    FROM {organisations} AS o
    LEFT JOIN per_organisation AS p USING (organisation_id)
    LEFT JOIN over_cap AS x USING (organisation_id)
),
graded AS (
    SELECT *, CASE {grade_case} ELSE {len(GRADES) - 1} END AS by_score FROM scores
)
-- grade_limit is NULL where no limit applies, and then never greater.
SELECT organisation_id, score,
       CASE WHEN grade_limit > by_score THEN grade_limit ELSE by_score END AS grade_index,
       CASE WHEN grade_limit > by_score THEN {limited_by} END AS limited_by,
       coalesce(reasons, {d.empty_list}) AS reasons
FROM graded
"""  # noqa: S608


def _reasons(d: Dialect) -> str:
    """The aggregate picking an organisation's heaviest reasons, as a list of structs (record_id, points):
    the heaviest contribution first, then the latest decision, then the lowest record id.

    Each reason is packed into one BIGINT: the contribution's size (a policy's points are at most
    MAX_POINTS, under 2^14), the decision's day since 1900 (decisions are dated from 1900 to today, under
    2^17 days), the record id (a 32-bit integer in the store), then the contribution's sign in the lowest
    bit, which never decides the order since no two rows share a record id. DuckDB keeps the top keys of
    plain integers much faster than top structs by a wider key; the keys are unpacked at the end."""
    days = d.days("DATE '1900-01-01'", "decided_on")
    packed = (
        f"((CAST(abs(contribution) AS BIGINT) * {2**17} + CAST({days} AS BIGINT)) * {2**31}"
        f" + ({2**31 - 1} - record_id)) * 2 + CAST(contribution < 0 AS BIGINT)"
    )
    record_id = f"{2**31 - 1} - (k {d.div} 2) % {2**31}"
    points = f"(k {d.div} {2**49}) * CASE WHEN k % 2 = 1 THEN -1 ELSE 1 END"
    return d.top_structs(packed, MAX_REASONS, "contribution <> 0", record_id, points)


def rating_table(tables: PolicyTables, records: Any, organisations: Any, as_of: date) -> Any:
    """The engine: every organisation's rating as an Arrow table (organisation_id, score, grade_index,
    limited_by, reasons); `records` and `organisations` are Arrow tables or anything DuckDB scans.

    Each call opens its own in-memory database (about 15 ms) and closes it: a database kept open for the
    process would save that, but it keeps the memory of its last query (some 350 MB after a million
    organisations)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("records_in", records)
        con.register("organisations_in", organisations)
        return con.sql(rating_sql(tables, as_of, "records_in", "organisations_in")).to_arrow_table()
    finally:
        con.close()


def rate_batch(tables: PolicyTables, records: Any, organisations: Any, as_of: date) -> list[BatchRating]:
    """Rate every organisation, as Python objects (for storing), in the order of their ids: the grade
    changes are stored and logged in this order, which the query's joins do not fix."""
    return ratings_of(rating_table(tables, records, organisations, as_of))


def ratings_of(table: Any) -> list[BatchRating]:
    """The ratings in an Arrow table of rating_sql's columns (from any engine), in the order of their
    organisations' ids."""
    table = table.sort_by("organisation_id")
    return [
        BatchRating(
            organisation_id=int(org),
            score=int(score),
            grade=GRADES[int(grade_index)],
            grade_limited_by=limited_by,
            reasons=tuple((int(r["record_id"]), int(r["points"])) for r in reasons),
        )
        for org, score, grade_index, limited_by, reasons in zip(
            *(table.column(name).to_pylist() for name in table.column_names), strict=True
        )
    ]
