"""Batch rating in partitions: the same ratings and history whatever the partitions, from the store or a
Parquet snapshot of its facts."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from credence.rating import load_policy, partitioned
from credence.rating import repository as rrepo
from credence.rating.batch import rate_batch
from credence.rating.engine import compile_policy
from credence.rating.service import RatingService
from credence.snapshots import take_snapshot

from helpers import USCC_A, USCC_B, USCC_C, grant_honour, notice_all, row, write_csv

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


def _facts(n_orgs: int, n_records: int) -> tuple[pa.Table, pa.Table]:
    """Records of every kind the policy counts, spread over n_orgs organisations (some with none)."""
    rng = random.Random(17)
    categories = ["administrative_penalty", "administrative_licence", "court_judgment", "tax_violation"]
    facts = [
        {
            "organisation_id": rng.randrange(1, n_orgs + 1),
            "record_id": i,
            "category": rng.choice(categories),
            "severity": rng.choice(["minor", "general", "serious", None]),
            "status": rng.choice(["final", "final", "pending"]),
            "decided_on": AS_OF - timedelta(days=rng.randrange(0, 2000)),
            "state": rng.choice(["active"] * 9 + ["withdrawn"]),
        }
        for i in range(1, n_records + 1)
    ]
    heads = pa.table({"organisation_id": pa.array(range(1, n_orgs + 1), pa.int64())})
    return pa.Table.from_pylist(facts, partitioned.FACTS), heads


def _rated(tables, facts: Path, heads: Path, work: Path, records: int) -> tuple[list[dict], list[str]]:
    work.mkdir()
    limits = partitioned.Limits("256MB", work, records)
    parts = list(partitioned.rate(tables, partitioned.files(facts, heads), AS_OF, work, limits))
    rows = [r for p in parts for r in pq.read_table(p).to_pylist()]
    return rows, sorted(f.name for f in work.iterdir())


def test_facts_in_the_order_of_the_ids_are_read_in_place_by_ranges(catalog, tmp_path) -> None:
    tables = compile_policy(load_policy(catalog), catalog)
    facts, heads = _facts(300, 3000)
    in_order, shuffled = tmp_path / "in-order.parquet", tmp_path / "shuffled.parquet"
    pq.write_table(facts.sort_by("organisation_id"), in_order, row_group_size=100)
    pq.write_table(facts, shuffled, row_group_size=100)
    pq.write_table(heads, tmp_path / "heads.parquet")
    assert partitioned.ordered(in_order) and not partitioned.ordered(shuffled)
    one, _ = _rated(tables, in_order, tmp_path / "heads.parquet", tmp_path / "w1", 10**9)
    ranges, left = _rated(tables, in_order, tmp_path / "heads.parquet", tmp_path / "w2", 250)
    cut, cut_left = _rated(tables, shuffled, tmp_path / "heads.parquet", tmp_path / "w3", 250)
    # Every organisation rated once, in the order of the ids, as in one partition and as the Python engine
    assert [r["organisation_id"] for r in ranges] == list(range(1, 301))
    assert ranges == one == cut
    assert len([n for n in left if n.startswith("rated-")]) == 13  # 3000 records / 250, the open last
    assert "facts-parts" not in left  # read in place, nothing rewritten
    assert "facts-parts" in cut_left  # no known order: cut into folders first
    whole = rate_batch(tables, facts, heads, AS_OF)
    assert [(r["organisation_id"], r["score"], r["grade"], r["grade_limited_by"]) for r in ranges] == [
        (r.organisation_id, r.score, r.grade, r.grade_limited_by) for r in whole
    ]
    # The reasons as the text json.dumps gives, as the store keeps them
    assert [r["reasons"] for r in ranges] == [
        json.dumps([{"record_id": k, "points": p} for k, p in r.reasons]) for r in whole
    ]
    assert any(r["reasons"] != "[]" for r in ranges) and len({r["grade"] for r in ranges}) > 1


def test_a_partition_holds_records_in_proportion_to_the_memory_limit() -> None:
    assert partitioned.memory_bytes("1GB") == 10**9
    assert partitioned.memory_bytes("512 MiB") == 512 * 2**20
    assert partitioned.Limits("2GB").records() == 2 * partitioned.RECORDS_PER_GB
    assert partitioned.Limits("500MB").records() == partitioned.RECORDS_PER_GB // 2
    assert partitioned.Limits("2GB", None, 1000).records() == 1000


def test_the_store_streams_its_facts_in_the_order_of_the_ids(service, engine, tmp_path, monkeypatch) -> None:
    # Records stored in no order of their organisations: A, B, C, A, B, C
    subjects = [USCC_A, USCC_B, USCC_C] * 2
    rows = [row(i + 1, subject_id=s, decided_on="2026-06-01") for i, s in enumerate(subjects)]
    service.ingest_file(write_csv(tmp_path / "a.csv", rows), "SAMR")
    notice_all(engine, service)
    monkeypatch.setattr(partitioned, "STREAM_ROWS", 1)  # a row group a record: the statistics tell
    with engine.connect() as conn:
        facts = rrepo.facts_query(conn, None)
        partitioned.from_store(conn, None, tmp_path, facts, rrepo.heads_query())
    ids = pq.read_table(tmp_path / "facts.parquet").column("organisation_id").to_pylist()
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert partitioned.ordered(tmp_path / "facts.parquet")
