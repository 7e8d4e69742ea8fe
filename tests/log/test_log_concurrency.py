"""Eight writers and a checkpoint signer append to one PostgreSQL log at once while readers fetch proofs:
no gaps, no duplicates, no forks, every proof a reader got verifies, and `log verify` passes afterwards.

SQLite has one writer at a time by design, so this runs only on PostgreSQL."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select

from credence.log import checkpoints, merkle, store
from credence.log.keys import LogSigner
from credence.log.verify import verify
from credence.store.db import make_engine
from credence.store.models import LogEntry

pytestmark = pytest.mark.skipif(
    os.environ.get("CREDENCE_TEST_BACKEND") != "postgres",
    reason="concurrent writers need PostgreSQL (SQLite has one writer by design): "
    "run with CREDENCE_TEST_BACKEND=postgres and CREDENCE_TEST_POSTGRES_URL",
)

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
WRITERS = 8
BATCHES = 40  # per writer, each in its own transaction
READERS = 3
SIGNER = LogSigner("credence.test/log", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


def run_all(targets: list[Callable[[], None]], errors: list[BaseException]) -> list[threading.Thread]:
    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # reported by the test, not lost in the thread
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    return threads


def test_concurrent_appends_leave_one_log_without_gaps_or_forks(store_url: str) -> None:
    engine: Engine = make_engine(store_url, pool_size=WRITERS + READERS + 2, max_overflow=4)
    start = threading.Barrier(WRITERS + READERS + 2)  # and the signer and this thread
    writing = threading.Event()
    writing.set()
    errors: list[BaseException] = []
    reads = Counter[str]()

    def writer(number: int) -> Callable[[], None]:
        def run() -> None:
            chooser = random.Random(number)
            start.wait()
            for batch in range(BATCHES):
                size = chooser.randint(1, 5)
                events = [
                    store.Event(
                        "record.submitted", f"record:{number}-{batch}-{i}", {"w": number, "b": batch, "i": i}
                    )
                    for i in range(size)
                ]
                with engine.begin() as conn:
                    got = store.append(conn, events, AT)
                assert len(got) == size

        return run

    def signer() -> None:
        start.wait()
        while writing.is_set():
            with engine.begin() as conn:
                checkpoints.make_checkpoint(conn, SIGNER, AT)

    def reader(number: int) -> Callable[[], None]:
        def run() -> None:
            chooser = random.Random(100 + number)
            start.wait()
            seen: tuple[int, bytes] | None = None
            while writing.is_set():
                with engine.connect() as conn:
                    head = store.head(conn)
                    if head.size == 0:
                        continue
                    index = chooser.randrange(head.size)
                    proof = store.inclusion_proof(conn, index, head.size)
                    leaf = store.leaf_hash_at(conn, index)
                    assert merkle.verify_inclusion(leaf, index, head.size, proof, head.root), (
                        index,
                        head.size,
                    )
                    reads["inclusion"] += 1
                    if seen is not None and seen[0] <= head.size:
                        older = store.consistency_proof(conn, seen[0], head.size)
                        assert merkle.verify_consistency(seen[0], head.size, seen[1], head.root, older)
                        reads["consistency"] += 1
                    seen = (head.size, head.root)

        return run

    writers = run_all([writer(n) for n in range(WRITERS)], errors)
    others = run_all([signer, *[reader(n) for n in range(READERS)]], errors)
    start.wait()
    for t in writers:
        t.join()
    writing.clear()
    for t in others:
        t.join()
    assert not errors, errors[0]
    assert reads["inclusion"] > 0 and reads["consistency"] > 0

    with engine.connect() as conn:
        rows = conn.execute(select(LogEntry.idx, LogEntry.ref).order_by(LogEntry.idx)).all()
        size = store.head(conn).size
        found = verify(conn, SIGNER.verifier_key(), SIGNER.origin)
    expected = sum(sum(c.randint(1, 5) for _ in range(BATCHES)) for c in map(random.Random, range(WRITERS)))
    assert size == len(rows) == expected
    assert [r.idx for r in rows] == list(range(expected))  # no gaps
    assert len({r.ref for r in rows}) == expected  # each event once
    assert found.ok, found.problem
    assert found.entries == expected and found.checkpoints >= 1
    engine.dispose()
