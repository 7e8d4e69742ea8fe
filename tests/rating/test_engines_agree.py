"""Two rating paths, one answer: the Python engine and the DuckDB engine on random records and dates."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.rating import load_policy
from credence.rating.batch import rate_batch
from credence.rating.engine import RecordFacts, compile_policy, rate_one

CATEGORIES = [
    "administrative_penalty",
    "court_judgment",
    "dishonest_judgment_debtor",
    "serious_dishonesty_listing",
    "supplier_payment_default",
    "development_bank_debarment",
    "honour",
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
        severity=draw(st.sampled_from([None, "minor", "general", "serious"])),
        status=draw(st.sampled_from(["final", "pending"])),
        decided_on=START + timedelta(days=draw(st.integers(0, 1600))),
        state=draw(st.sampled_from(["active", "active", "active", "withdrawn"])),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n=st.integers(0, 25),
    as_of=st.integers(0, 1800).map(lambda d: START + timedelta(days=d)),
)
def test_python_and_duckdb_give_the_same_ratings(catalog, data, n, as_of) -> None:
    tables = compile_policy(load_policy(catalog), catalog)
    drawn = [data.draw(records(i + 1)) for i in range(n)]
    by_org: dict[int, list[RecordFacts]] = {org: [] for org in range(1, 5)}
    for org, record in drawn:
        by_org[org].append(record)
    arrow = pa.table(
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
    organisations = pa.table({"organisation_id": pa.array(list(by_org), pa.int64())})
    batch = {b.organisation_id: b for b in rate_batch(tables, arrow, organisations, as_of)}
    assert set(batch) == set(by_org)
    for org, recs in by_org.items():
        one = rate_one(tables, recs, as_of)
        got = batch[org]
        assert (got.score, got.grade, got.grade_limited_by) == (one.score, one.grade, one.grade_limited_by)
        assert got.reasons == tuple((c.record_id, c.points) for c in one.reasons)
