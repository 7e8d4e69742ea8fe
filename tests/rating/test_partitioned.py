"""Batch rating in partitions: the same ratings and history whatever the partitions, from the store or a
Parquet snapshot of its facts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select

from credence.rating import load_policy
from credence.rating import repository as rrepo
from credence.rating.service import RatingService
from credence.snapshots import take_snapshot

from helpers import USCC_B, USCC_C, grant_honour, notice_all, row, write_csv

AS_OF = date(2026, 11, 25)


def _registry(service, engine, tmp_path: Path) -> None:
    rows = [
        row(1, severity="serious", decided_on="2026-06-01"),
        row(2, severity="general", decided_on="2025-06-01"),
        row(3, subject_id=USCC_C, severity="serious", decided_on="2026-01-10", status="pending"),
        row(
            4, subject_id=USCC_B, category="administrative_licence", severity=None, amount=None, currency=None
        ),
    ]
    service.ingest_file(write_csv(tmp_path / "a.csv", rows), "SAMR")
    grant_honour(service)
    notice_all(engine, service)


def _stored(engine) -> list[tuple]:
    columns = ("organisation_id", "score", "grade", "grade_limited_by", "reasons", "as_of")
    with engine.connect() as conn:
        found = conn.execute(select(*(rrepo.ratings.c[c] for c in columns)).order_by("organisation_id"))
        return [tuple(r) for r in found]


def _history(engine) -> list[tuple]:
    h = rrepo.history
    with engine.connect() as conn:
        query = select(h.c.organisation_id, h.c.old_grade, h.c.new_grade, h.c.score).order_by(h.c.id)
        return [tuple(r) for r in conn.execute(query)]


def test_partitions_give_the_ratings_of_one_and_of_the_python_engine(
    service, engine, catalog, clock, settings, tmp_path
) -> None:
    _registry(service, engine, tmp_path)
    policy = load_policy(catalog)
    # One record a partition: each organisation rated in a DuckDB of its own.
    small = settings.model_copy(update={"rating_partition_records": 1, "rating_temp_dir": tmp_path})
    first = RatingService(engine, catalog, policy, clock, small).rate(as_of=AS_OF)
    assert (first.rated, first.grade_changes) == (3, 3)
    stored, history = _stored(engine), _history(engine)
    assert [h[0] for h in history] == sorted(h[0] for h in history)  # in the order of the ids
    rating = RatingService(engine, catalog, policy, clock, settings)
    for organisation_id, score, grade, *_ in stored:
        with engine.connect() as conn:
            org = conn.execute(
                select(rrepo.organisations).where(rrepo.organisations.c.id == organisation_id)
            ).one()
        explained = rating.explain_row(org, AS_OF).rating
        assert (explained.score, explained.grade) == (score, grade)
    # One partition: the same ratings, so nothing changes and no history is added.
    again = rating.rate(as_of=AS_OF)
    assert (again.rated, again.grade_changes) == (3, 0)
    assert _stored(engine) == stored and _history(engine) == history
    assert list(tmp_path.glob("credence-rate-*")) == []  # the partitions' files are removed


def test_a_parquet_snapshot_rates_as_the_store_does(
    service, engine, catalog, clock, settings, tmp_path
) -> None:
    _registry(service, engine, tmp_path)
    snap = tmp_path / "snapshot"
    rating = RatingService(engine, catalog, load_policy(catalog), clock, settings)
    policy = rating.policy
    take_snapshot(engine, snap, policy_version=policy.version, policy_sha256=policy.sha256, now=clock.now())
    assert pq.read_table(snap / "organisations.parquet").num_rows == 3
    later = date(2027, 7, 1)
    from_snapshot = rating.rate(as_of=later, snapshot=snap)
    assert (from_snapshot.rated, from_snapshot.grade_changes) == (3, 3)
    stored = _stored(engine)
    assert rating.rate(as_of=later).grade_changes == 0
    assert _stored(engine) == stored
