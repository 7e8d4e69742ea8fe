"""The SQL engine: a compiled policy executed by DuckDB over columnar records, for the whole registry.

The policy's tables become VALUES lists in one query (following Splink's shape: the definition is data,
an engine executes it), so another engine that speaks SQL (Spark, later) can run the same text. The
records come in as an Arrow table or anything DuckDB can scan, with the columns of RecordFacts plus
`organisation_id`; organisations with no counting record get the base score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from credence.rating.engine import MAX_REASONS, PolicyTables
from credence.rating.policy import GRADES, MAX_POINTS


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


def rating_sql(tables: PolicyTables, as_of: date, records: str, organisations: str) -> str:
    """The query rating every organisation in `organisations` (a relation with `organisation_id`) from
    `records`. Every number in it comes from the compiled policy."""
    rank = {name: i for i, name in enumerate(sorted({r.rule for r in tables.rows}))}
    rules = _values(
        [
            (r.category, r.severity, r.rule, rank[r.rule], r.points, r.publication_days, r.cap, r.grade_limit)
            for r in tables.rows
        ],
        ("category", "severity", "rule", "rule_rank", "points", "publication_days", "cap", "grade_limit"),
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
    assert max((abs(r.points) for r in tables.rows), default=0) <= MAX_POINTS < 2**14  # _reasons packs them
    # Built from the compiled policy only: integers, catalog codes (checked against a pattern) quoted by
    # _literal, and relation names from this package; never from a request.
    return f"""
WITH rules AS (SELECT * FROM {rules}),
keyed AS (
    SELECT r.*,
           CASE WHEN r.category IN ({severity_categories}) THEN coalesce(r.severity, '') ELSE '' END AS key
    FROM {records} AS r
    WHERE r.state = 'active'
),
counting AS (
    SELECT k.organisation_id, k.record_id, k.category, k.decided_on, u.rule, u.rule_rank, u.points, u.cap,
           u.grade_limit,
           date_diff('day', k.decided_on, {day}) AS age, k.status
    FROM keyed AS k JOIN rules AS u ON u.category = k.category AND u.severity = k.key
    WHERE u.points <> 0 AND k.decided_on <= {day}
      AND {day} < k.decided_on + CAST(u.publication_days AS INTEGER)
),
weighted AS (
    SELECT *, sign(points) * (abs(points) * (CASE {decay} ELSE {last_percent} END)
              * (CASE WHEN status = 'final' THEN 100 ELSE {tables.pending_percent} END) // 10000)
              AS contribution
    FROM counting
),
per_category AS (
    SELECT organisation_id, category, sum(contribution) AS total, any_value(cap) AS cap
    FROM weighted GROUP BY organisation_id, category
),
capped AS (
    SELECT organisation_id,
           CASE WHEN cap IS NULL THEN total
                WHEN total < 0 THEN greatest(total, -cap) ELSE least(total, cap) END AS t
    FROM per_category
),
totals AS (
    SELECT organisation_id,
           coalesce(sum(t) FILTER (WHERE t < 0), 0) AS adverse,
           coalesce(sum(t) FILTER (WHERE t > 0), 0) AS favourable
    FROM capped GROUP BY organisation_id
),
per_organisation AS (
    -- Numeric keys instead of sort clauses: the strictest limit, then the rule named first; the
    -- heaviest contribution, then the latest decision, then the lowest record id.
    SELECT organisation_id, max(grade_limit) AS grade_limit,
           arg_max(rule, grade_limit * 1000 + (999 - rule_rank)) AS limit_rule,
           {_reasons()} AS reasons
    FROM weighted GROUP BY organisation_id
),
scores AS (
    SELECT o.organisation_id,
           CAST(least(greatest({tables.base_score} + coalesce(t.adverse, 0)
                + least(coalesce(t.favourable, 0), {tables.favourable_cap}), {tables.floor}),
                {tables.ceiling}) AS BIGINT) AS score,
           l.grade_limit, l.limit_rule, l.reasons
    FROM {organisations} AS o
    LEFT JOIN totals AS t USING (organisation_id)
    LEFT JOIN per_organisation AS l USING (organisation_id)
),
graded AS (
    SELECT *, CASE {grade_case} ELSE {len(GRADES) - 1} END AS by_score FROM scores
)
SELECT g.organisation_id, g.score,
       CASE WHEN g.grade_limit IS NOT NULL AND g.grade_limit > g.by_score
            THEN g.grade_limit ELSE g.by_score END AS grade_index,
       CASE WHEN g.grade_limit IS NOT NULL AND g.grade_limit > g.by_score THEN g.limit_rule END AS limited_by,
       coalesce(g.reasons, []) AS reasons
FROM graded AS g
"""  # noqa: S608


def _reasons() -> str:
    """The aggregate picking an organisation's heaviest reasons, as a list of structs (record_id, points):
    the heaviest contribution first, then the latest decision, then the lowest record id.

    Each reason is packed into one BIGINT: the contribution's size (a policy's points are at most
    MAX_POINTS, under 2^14), the decision's day since 1900 (decisions are dated from 1900 to today, under
    2^17 days), the record id (a 32-bit integer in the store), then the contribution's sign in the lowest
    bit, which never decides the order since no two rows share a record id. DuckDB keeps the top keys of
    plain integers much faster than top structs by a wider key; the keys are unpacked at the end."""
    days = "date_diff('day', DATE '1900-01-01', decided_on)"
    packed = (
        f"((CAST(abs(contribution) AS BIGINT) * {2**17} + CAST({days} AS BIGINT)) * {2**31}"
        f" + ({2**31 - 1} - record_id)) * 2 + CAST(contribution < 0 AS BIGINT)"
    )
    unpack = (
        f"lambda k: struct_pack(record_id := {2**31 - 1} - (k // 2) % {2**31}, "
        f"points := (k // {2**49}) * CASE WHEN k % 2 = 1 THEN -1 ELSE 1 END)"
    )
    return f"list_transform(max({packed}, {MAX_REASONS}) FILTER (WHERE contribution <> 0), {unpack})"


def rating_table(tables: PolicyTables, records: Any, organisations: Any, as_of: date) -> Any:
    """The engine: every organisation's rating as an Arrow table (organisation_id, score, grade_index,
    limited_by, reasons); `records` and `organisations` are Arrow tables or anything DuckDB scans."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("records_in", records)
        con.register("organisations_in", organisations)
        return con.sql(rating_sql(tables, as_of, "records_in", "organisations_in")).to_arrow_table()
    finally:
        con.close()


def rate_batch(tables: PolicyTables, records: Any, organisations: Any, as_of: date) -> list[BatchRating]:
    """Rate every organisation, as Python objects (for storing)."""
    table = rating_table(tables, records, organisations, as_of)
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
