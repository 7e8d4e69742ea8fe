"""Transparency-log benchmarks (issue 5), each against a baseline measured in the same run, on one store.

1. append: committed events per second through `store.append`, in transactions of 1 event and of 1,000,
   against a bare `executemany` of the same number of prepared rows, in transactions of the same size,
   into a plain table of the same columns (no hashing, no head lock, no subtree rows);
2. build: the log grown to ENTRIES entries in large appends (how long that took);
3. inclusion: inclusion-proof latency at that size (median, 99th percentile) against a single primary-key
   lookup of log_entries on the same connection; as the API makes them (credence.log.proofs: the nodes a
   proof needs read in one query) and node by node (credence.log.store);
4. consistency: consistency-proof latency from a random earlier size to the full size, against the same
   lookup;
5. verify (with --verify): `log verify` over the whole store, seconds per million entries, against a
   baseline over the same entries: read in the same chunks of CHUNK in index order, each entry's
   commitment and leaf hash recomputed with hashlib (SHA-256 of salt ‖ content, and of the leaf's fields),
   what any verification must do at least; and a bare read of the same rows.

    python benchmarks/bench_log.py [--entries 10000000] [--store PATH] [--database-url URL] [--verify]

--store keeps the SQLite file (a second run with the same path skips the build it already holds).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select, text

from credence.log import checkpoints, proofs, store
from credence.log.keys import LogSigner
from credence.store import migrate
from credence.store.db import make_engine
from credence.store.models import LogEntry

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BUILD_BATCH = 50_000
COLUMNS = "idx, kind, at, ref, organisation_id, public, content, salt, commitment, leaf_hash"
PLAIN = """CREATE TABLE bench_plain (
    idx BIGINT PRIMARY KEY, kind VARCHAR(32) NOT NULL, at TIMESTAMP NOT NULL, ref TEXT NOT NULL,
    organisation_id INTEGER, public BOOLEAN NOT NULL, content TEXT, salt BYTEA, commitment BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL)"""


def event(n: int) -> store.Event:
    """A small decision event, about the size of a record's: kind, reference and a few fields."""
    return store.Event(
        "record.published",
        f"record:{n}",
        {"record": n, "department": "SAMR", "category": "administrative_penalty", "version": 1},
        public=n % 4 != 0,
    )


def append_rate(engine: Engine, transactions: int, per_transaction: int, start: int) -> float:
    """Committed events per second through store.append."""
    began = time.perf_counter()
    n = start
    for _ in range(transactions):
        events = [event(n + i) for i in range(per_transaction)]
        with engine.begin() as conn:
            store.append(conn, events, AT)
        n += per_transaction
    return transactions * per_transaction / (time.perf_counter() - began)


def baseline_rate(engine: Engine, transactions: int, per_transaction: int) -> float:
    """Committed rows per second: a bare executemany of prepared rows into a plain table of the same shape."""
    dialect = engine.dialect.name
    marker = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO bench_plain ({COLUMNS}) VALUES ({', '.join([marker] * 10)})"
    at = AT.replace(tzinfo=None).isoformat(" ") if dialect == "sqlite" else AT
    content = store.canonical(event(0).content).decode()
    rows = [
        (
            n,
            "record.published",
            at,
            f"record:{n}",
            None,
            True,
            content,
            os.urandom(16),
            os.urandom(32),
            os.urandom(32),
        )
        for n in range(transactions * per_transaction)
    ]
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_plain")
        conn.exec_driver_sql(PLAIN if dialect != "sqlite" else PLAIN.replace("BYTEA", "BLOB"))
    began = time.perf_counter()
    for t in range(transactions):
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, rows[t * per_transaction : (t + 1) * per_transaction])
    seconds = time.perf_counter() - began
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bench_plain")
    return len(rows) / seconds


def build(engine: Engine, entries: int) -> dict[str, object]:
    with engine.connect() as conn:
        size = store.head(conn).size
    if size >= entries:
        return {"entries": size, "already_built": True}
    began = time.perf_counter()
    reported = size
    while size < entries:
        count = min(BUILD_BATCH, entries - size)
        events = [event(size + i) for i in range(count)]
        with engine.begin() as conn:
            store.append(conn, events, AT)
        size += count
        if size - reported >= 1_000_000 or size == entries:
            elapsed = time.perf_counter() - began
            print(f"built {size:,} entries in {elapsed:,.0f} s", file=sys.stderr, flush=True)
            reported = size
    seconds = time.perf_counter() - began
    return {
        "entries": size,
        "build_s": round(seconds, 1),
        "build_events_per_s": round(count_rate(size, seconds)),
    }


def count_rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def latencies(call: Callable[[int], object], arguments: list[int]) -> list[float]:
    """Milliseconds per call, one call per argument, after a warm-up over the first few."""
    for value in arguments[:20]:
        call(value)
    out = []
    for value in arguments:
        began = time.perf_counter()
        call(value)
        out.append((time.perf_counter() - began) * 1000)
    return sorted(out)


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[max(int(len(times) * 0.99) - 1, 0)], 3),
        "mean_ms": round(statistics.fmean(times), 3),
    }


def proof_latencies(engine: Engine, lookups: int) -> dict[str, object]:
    chooser = random.Random(2026)
    with engine.connect() as conn:
        size = store.head(conn).size
        indices = [chooser.randrange(size) for _ in range(lookups)]
        firsts = [chooser.randrange(1, size) for _ in range(lookups)]

        def lookup(index: int) -> object:
            return conn.execute(select(LogEntry.leaf_hash).where(LogEntry.idx == index)).scalar_one()

        base = latencies(lookup, indices)
        inclusion = latencies(lambda i: proofs.inclusion_proof(conn, i, size), indices)
        consistency = latencies(lambda f: proofs.consistency_proof(conn, f, size), firsts)
        node_by_node = latencies(lambda i: store.inclusion_proof(conn, i, size), indices)
    median = statistics.median
    return {
        "size": size,
        "primary_key_lookup": summary(base),
        "inclusion_proof": summary(inclusion),
        "inclusion_ratio_p50": round(median(inclusion) / median(base), 1),
        "consistency_proof": summary(consistency),
        "consistency_ratio_p50": round(median(consistency) / median(base), 1),
        "inclusion_node_by_node": summary(node_by_node),
        "inclusion_node_by_node_ratio_p50": round(median(node_by_node) / median(base), 1),
    }


def read_entries(engine: Engine, hashed: bool) -> tuple[float, int]:
    """The baselines of verify: every entry read in index order in chunks of verify.CHUNK, on one
    connection (seconds, rows); `hashed`: with each entry's commitment, SHA-256(salt ‖ content), and a
    SHA-256 over its leaf fields recomputed, as any verification must at least."""
    from credence.log.verify import CHUNK

    sql = (
        "SELECT idx, kind, at, public, ref, organisation_id, content, salt, commitment, leaf_hash "
        "FROM log_entries WHERE idx >= {p} ORDER BY idx LIMIT {p}"
    ).format(p="?" if engine.dialect.paramstyle == "qmark" else "%s")
    sha256 = hashlib.sha256
    rows = 0
    began = time.perf_counter()
    with engine.connect() as conn:
        start = 0
        while True:
            chunk = conn.exec_driver_sql(sql, (start, CHUNK)).all()
            if not chunk:
                break
            if hashed:
                for r in chunk:
                    commitment = sha256(bytes(r.salt or b"") + (r.content or "").encode()).digest()
                    sha256(b"\x00" + r.kind.encode() + str(r.at).encode() + commitment).digest()
            rows += len(chunk)
            start = chunk[-1].idx + 1
    return time.perf_counter() - began, rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000_000, help="Log size for the proof latencies.")
    parser.add_argument(
        "--single", type=int, default=2_000, help="Transactions of 1 event for the append rate."
    )
    parser.add_argument("--batched", type=int, default=100, help="Transactions of 1,000 events.")
    parser.add_argument("--lookups", type=int, default=2_000, help="Proofs (and lookups) timed.")
    parser.add_argument(
        "--store", type=Path, help="SQLite file to build into and keep (default: a temp file)."
    )
    parser.add_argument(
        "--database-url",
        help="Another store, e.g. a PostgreSQL database (an empty one measures the appends too).",
    )
    parser.add_argument("--verify", action="store_true", help="Also time `log verify` over the whole log.")
    args = parser.parse_args()
    if args.database_url:
        url = args.database_url
    else:
        path = args.store or Path(tempfile.mkdtemp(prefix="credence-bench-log-")) / "credence.db"
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    results: dict[str, object] = {"store": engine.dialect.name}
    with engine.connect() as conn:
        start = store.head(conn).size
    if start == 0:
        single = append_rate(engine, args.single, 1, 0)
        single_base = baseline_rate(engine, args.single, 1)
        batched = append_rate(engine, args.batched, 1000, args.single)
        batched_base = baseline_rate(engine, args.batched, 1000)
        results["append"] = {
            "batch_1": {
                "events": args.single,
                "events_per_s": round(single),
                "baseline_rows_per_s": round(single_base),
                "ratio": round(single / single_base, 3),
            },
            "batch_1000": {
                "events": args.batched * 1000,
                "events_per_s": round(batched),
                "baseline_rows_per_s": round(batched_base),
                "ratio": round(batched / batched_base, 3),
            },
        }
    else:
        results["append"] = f"skipped: the store already holds {start:,} entries"
    results["build"] = build(engine, args.entries)
    results["proofs"] = proof_latencies(engine, args.lookups)
    if args.verify:
        from credence.log.verify import verify

        signer = LogSigner("bench.credence/log", Ed25519PrivateKey.generate())
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM log_checkpoints"))
            checkpoints.make_checkpoint(conn, signer, AT)
        began = time.perf_counter()
        with engine.connect() as conn:
            # The events are synthetic (no records stored): the log alone is verified, not the records.
            found = verify(conn, signer.verifier_key(), signer.origin, records=False)
        seconds = time.perf_counter() - began
        assert found.ok, found.problem
        read_s, read_rows = read_entries(engine, hashed=False)
        hashed_s, hashed_rows = read_entries(engine, hashed=True)
        assert read_rows == hashed_rows == found.entries
        per_million = 1_000_000 / found.entries
        results["verify"] = {
            "entries": found.entries,
            "s": round(seconds, 1),
            "entries_per_s": round(found.entries / seconds),
            "s_per_million": round(seconds * per_million, 1),
            "baseline_read_and_hash_s_per_million": round(hashed_s * per_million, 1),
            "ratio": round(seconds / hashed_s, 2),
            "bare_read_s_per_million": round(read_s * per_million, 1),
            "ratio_to_bare_read": round(seconds / read_s, 2),
        }
    if engine.dialect.name == "sqlite":
        database = engine.url.database or ""
        results["store_mib"] = round(Path(database).stat().st_size / 2**20)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
