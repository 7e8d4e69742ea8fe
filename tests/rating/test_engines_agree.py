"""Three rating paths, one answer: the Python engine, DuckDB and Spark on random records and dates,
under the shipped policy and under compiled tables altered to reach every branch of the SQL (a capped
favourable category, a category whose rules both add and take points, zero points, odd decay and pending
weights, small caps, a floor, no caps or limits at all). Spark takes seconds per query, so each of its
examples is many random registries at once, told apart by their organisations' ids."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.rating import load_policy
from credence.rating.batch import rate_batch, ratings_of
from credence.rating.engine import PolicyTables, RecordFacts, RuleRow, compile_policy, rate_one
from credence.rating.spark import rate_frames

CATEGORIES = [
    "administrative_penalty",
    "court_judgment",
    "dishonest_judgment_debtor",
    "serious_dishonesty_listing",
    "supplier_payment_default",
    "development_bank_debarment",
    "honour",
    "social_insurance_arrears",
    "abnormal_operation",
    "contract_performance",
    "commitment_breach",
    "administrative_licence",  # neutral: never counts
    "inspection_result",
]
START = date(2022, 1, 1)


@st.composite
def records(draw: st.DrawFn, record_id: int) -> tuple[int, RecordFacts]:
    return draw(st.integers(1, 4)), RecordFacts(
        record_id=record_id,
        source_record_id=f"R-{record_id}",
        category=draw(st.sampled_from(CATEGORIES)),
        severity=draw(st.sampled_from([None, "minor", "general", "serious", ""])),
        status=draw(st.sampled_from(["final", "pending"])),
        decided_on=START + timedelta(days=draw(st.integers(0, 1600))),
        state=draw(st.sampled_from(["active", "active", "active", "withdrawn"])),
    )


def _edit(tables: PolicyTables, change: Callable[[RuleRow], RuleRow], **fields: object) -> PolicyTables:
    return dataclasses.replace(tables, rows=tuple(change(r) for r in tables.rows), **fields)


def _where(test: Callable[[RuleRow], bool], **fields: object) -> Callable[[RuleRow], RuleRow]:
    return lambda r: dataclasses.replace(r, **fields) if test(r) else r


def _mixed_signs(r: RuleRow) -> RuleRow:
    """Administrative penalties (general) and contract performance (general) give points instead."""
    if (r.category, r.severity) == ("administrative_penalty", "general"):
        return dataclasses.replace(r, points=40)
    if (r.category, r.severity) == ("contract_performance", "general"):
        return dataclasses.replace(r, points=25, grade_limit=1, cap=None)
    if r.category == "contract_performance":
        return dataclasses.replace(r, cap=None)
    return r


VARIANTS: dict[str, Callable[[PolicyTables], PolicyTables]] = {
    "shipped": lambda t: t,
    "honours capped at 5, judgments uncapped": lambda t: _edit(
        _edit(t, _where(lambda r: r.category == "honour", cap=5)),
        _where(lambda r: r.category == "court_judgment", cap=None),
    ),
    "categories of mixed signs": lambda t: _edit(t, _mixed_signs),
    "one rule with points, a zero decay band, pending worth nothing": lambda t: _edit(
        t,
        _where(lambda r: r.category != "honour", points=0),
        decay=((100, 100), (400, 0), (None, 30)),
        pending_percent=0,
    ),
    "small caps, a small favourable cap, a floor": lambda t: _edit(
        t, lambda r: dataclasses.replace(r, cap=50), favourable_cap=5, floor=700, pending_percent=33
    ),
    "no caps, no grade limits": lambda t: _edit(
        t, lambda r: dataclasses.replace(r, cap=None, grade_limit=None)
    ),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n=st.integers(0, 25),
    as_of=st.integers(0, 1800).map(lambda d: START + timedelta(days=d)),
)
def test_python_and_duckdb_give_the_same_ratings(catalog, variant, data, n, as_of) -> None:
    tables = VARIANTS[variant](compile_policy(load_policy(catalog), catalog))
    drawn = [data.draw(records(i + 1)) for i in range(n)]
    by_org: dict[int, list[RecordFacts]] = {org: [] for org in range(1, 5)}
    for org, record in drawn:
        by_org[org].append(record)
    organisations = pa.table({"organisation_id": pa.array(list(by_org), pa.int64())})
    batch = {b.organisation_id: b for b in rate_batch(tables, _facts(drawn), organisations, as_of)}
    _assert_as_python(tables, by_org, batch, as_of)


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    sizes=st.lists(st.integers(0, 25), min_size=10, max_size=10),
    as_of=st.integers(0, 1800).map(lambda d: START + timedelta(days=d)),
)
def test_python_and_spark_give_the_same_ratings(catalog, spark, variant, data, sizes, as_of) -> None:
    """Ten random registries in one query: registry j's organisations are 10 j + 1 to 10 j + 4."""
    tables = VARIANTS[variant](compile_policy(load_policy(catalog), catalog))
    drawn, by_org = [], {}
    for j, n in enumerate(sizes):
        by_org.update({10 * j + org: [] for org in range(1, 5)})
        for i in range(n):
            org, record = data.draw(records(100 * j + i + 1))
            drawn.append((10 * j + org, record))
            by_org[10 * j + org].append(record)
    facts = spark.createDataFrame(_facts(drawn).to_pylist(), schema=_SPARK_FACTS)
    heads = spark.createDataFrame([(org,) for org in by_org], schema="organisation_id bigint")
    table = pa.Table.from_pylist(
        [r.asDict(recursive=True) for r in rate_frames(spark, tables, facts, heads, as_of).collect()]
    )
    _assert_as_python(tables, by_org, {b.organisation_id: b for b in ratings_of(table)}, as_of)


_SPARK_FACTS = (
    "organisation_id bigint, record_id bigint, category string, severity string, status string, "
    "decided_on date, state string"
)


def _facts(drawn: list[tuple[int, RecordFacts]]) -> pa.Table:
    return pa.table(
        {
            "organisation_id": pa.array([org for org, _ in drawn], pa.int64()),
            "record_id": pa.array([r.record_id for _, r in drawn], pa.int64()),
            "category": pa.array([r.category for _, r in drawn], pa.string()),
            "severity": pa.array([r.severity for _, r in drawn], pa.string()),
            "status": pa.array([r.status for _, r in drawn], pa.string()),
            "decided_on": pa.array([r.decided_on for _, r in drawn], pa.date32()),
            "state": pa.array([r.state for _, r in drawn], pa.string()),
        }
    )


def _assert_as_python(
    tables: PolicyTables, by_org: dict[int, list[RecordFacts]], batch: dict[int, Any], as_of: date
) -> None:
    assert set(batch) == set(by_org)
    for org, recs in by_org.items():
        one = rate_one(tables, recs, as_of)
        got = batch[org]
        assert (got.score, got.grade, got.grade_limited_by) == (one.score, one.grade, one.grade_limited_by)
        assert got.reasons == tuple((c.record_id, c.points) for c in one.reasons)
