"""`log verify` from the store and from outside: a clean log verifies; each kind of tampering with a stored
entry, subtree, head or checkpoint fails and names the first bad index or checkpoint; erased content does
not. The remote verifier runs against a real server (uvicorn in a thread, over HTTP)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, func, insert, select, update

from credence.clock import FixedClock
from credence.log import checkpoint, checkpoints, merkle, store
from credence.log import verify as verify_module
from credence.log.keys import LogSigner, signer_for
from credence.log.remote import RemoteError, verify_remote
from credence.log.verify import verify
from credence.server import create_app
from credence.settings import Settings
from credence.store.models import LogCheckpoint, LogEntry, LogHead, LogNode
from serving import serving

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ORIGIN = "credence.test/log"
SIGNER = LogSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
KEY = SIGNER.verifier_key()


def event(n: int, public: bool = True) -> store.Event:
    """An event about a list entry: the log alone is verified here (events about records would need the
    records in the store, tests/log/test_store_proved.py)."""
    return store.Event("list.step", f"list_entry:{n}", {"step": n, "summary": f"event {n}"}, public=public)


def grow(engine: Engine, batches: list[int], signer: LogSigner = SIGNER, start: int = 0) -> None:
    """Append batches of events, signing a checkpoint after each."""
    n = start
    for count in batches:
        with engine.begin() as conn:
            store.append(conn, [event(n + i, public=(n + i) % 3 != 0) for i in range(count)], AT)
            checkpoints.make_checkpoint(conn, signer, AT)
        n += count


def check(engine: Engine, key: str = KEY) -> verify_module.Verification:
    with engine.connect() as conn:
        return verify(conn, key, ORIGIN)


def snapshot(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return [
            conn.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (LogEntry, LogNode, LogHead, LogCheckpoint)
        ]


@pytest.fixture
def log(engine: Engine) -> Engine:
    """A log of 100 entries over four checkpoints (sizes 10, 40, 41, 100)."""
    grow(engine, [10, 30, 1, 59])
    return engine


# --- From the store -----------------------------------------------------------------------------------


def test_a_clean_log_verifies(log: Engine) -> None:
    before = snapshot(log)
    found = check(log)
    assert found.ok and found.problem is None
    assert (found.size, found.entries, found.erased, found.checkpoints) == (100, 100, 0, 4)
    assert found.nodes == 6 + 3 + 1  # every complete subtree of 16 leaves or more: 16, 32 and 64
    with log.connect() as conn:
        assert found.root == store.head(conn).root
    assert snapshot(log) == before  # verifying reads only


def test_an_empty_log_verifies(engine: Engine) -> None:
    found = check(engine)
    assert found.ok and found.entries == 0 and found.root == merkle.EMPTY_ROOT


def test_a_changed_content_fails_naming_its_index(log: Engine) -> None:
    with log.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 41).values(content='{"step":41,"summary":"x"}'))
    found = check(log)
    assert not found.ok
    assert found.problem == (
        "entry 41: its ref, organisation or content do not match its commitment "
        "(SHA-256 of salt, ref, organisation and content)"
    )


def test_a_changed_kind_or_time_fails_naming_its_index(log: Engine) -> None:
    with log.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 7).values(kind="list.delisted"))
    assert check(log).problem == (
        "entry 7: its leaf hash does not match its index, kind, time, public flag and commitment"
    )
    with log.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 7).values(kind="list.step"))
        conn.execute(update(LogEntry).where(LogEntry.idx == 63).values(at=datetime(2026, 1, 1, tzinfo=UTC)))
    assert check(log).problem == (
        "entry 63: its leaf hash does not match its index, kind, time, public flag and commitment"
    )


def test_the_first_problem_is_named_when_there_are_several(log: Engine) -> None:
    with log.begin() as conn:
        for index in (90, 12, 55):
            conn.execute(update(LogEntry).where(LogEntry.idx == index).values(content="{}"))
    assert check(log).problem.startswith("entry 12: ")  # type: ignore[union-attr]


def rewrite(engine: Engine, index: int, content: str) -> None:
    """Change an entry and everything stored about it consistently: its salt, commitment and leaf hash."""
    salt = bytes(16)
    with engine.begin() as conn:
        row = conn.execute(
            select(LogEntry.kind, LogEntry.at, LogEntry.ref, LogEntry.public).where(LogEntry.idx == index)
        ).one()
        committed = store.commitment(salt, content.encode(), store.about(row.ref, None))
        leaf = store.entry_leaf_hash(index, row.kind, row.at, committed, row.public)
        conn.execute(
            update(LogEntry)
            .where(LogEntry.idx == index)
            .values(content=content, salt=salt, commitment=committed, leaf_hash=leaf)
        )


def test_a_consistently_rewritten_entry_fails_at_its_subtree(log: Engine) -> None:
    rewrite(log, 41, '{"step":41,"summary":"nothing happened"}')
    assert check(log).problem == (  # the smallest stored subtree holding entry 41
        "entries 32..47: the stored hash of their subtree (level 4) does not match these entries"
    )


def test_a_rewritten_entry_with_its_subtrees_and_head_fails_at_the_checkpoints(log: Engine) -> None:
    """Rewriting everything the store holds still leaves the signed checkpoints, which name the first
    size whose root changed."""
    rewrite(log, 40, '{"step":40,"summary":"nothing happened"}')
    with log.begin() as conn:
        leaves = [bytes(h) for h in conn.execute(select(LogEntry.leaf_hash).order_by(LogEntry.idx)).scalars()]
        conn.execute(delete(LogNode))
        conn.execute(update(LogHead).values(size=0, frontier=b""))
        frontier: list[bytes] = []
        for index, leaf in enumerate(leaves):
            for level, idx, value in store.push_stored(frontier, index, leaf):
                conn.execute(insert(LogNode).values(level=level, idx=idx, hash=value))
        conn.execute(update(LogHead).values(size=len(leaves), frontier=b"".join(frontier)))
    assert check(log).problem == "checkpoint #3 (size 41): root differs from the log's root at 41"


def test_a_missing_entry_fails_naming_its_index(log: Engine) -> None:
    with log.begin() as conn:
        conn.execute(delete(LogEntry).where(LogEntry.idx == 30))
    assert check(log).problem == "entry 30: missing (the next stored entry is 31)"
    with log.begin() as conn:
        conn.execute(delete(LogEntry).where(LogEntry.idx >= 30))
    assert check(log).problem == "entry 30: missing (the head says the log has 100 entries)"


def test_a_changed_subtree_or_head_fails(log: Engine) -> None:
    with log.begin() as conn:
        conn.execute(update(LogNode).where(LogNode.level == 4, LogNode.idx == 2).values(hash=bytes(32)))
    assert check(log).problem == (
        "entries 32..47: the stored hash of their subtree (level 4) does not match these entries"
    )
    with log.begin() as conn:
        conn.execute(delete(LogNode).where(LogNode.level == 4, LogNode.idx == 2))
    assert check(log).problem == "entries 32..47: the stored hash of their subtree (level 4) is missing"
    with log.begin() as conn:
        leaves = [bytes(h) for h in conn.execute(select(LogEntry.leaf_hash).order_by(LogEntry.idx)).scalars()]
        conn.execute(insert(LogNode).values(level=4, idx=2, hash=merkle.root(leaves[32:48])))
        conn.execute(update(LogHead).values(frontier=bytes(32) * 3))
    assert check(log).problem == "the log's head: its stored root does not match the root of its 100 entries"


def test_erased_content_still_verifies_and_is_counted(log: Engine) -> None:
    with log.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx.in_([3, 4, 99])).values(content=None, salt=None))
    found = check(log)
    assert found.ok and found.erased == 3 and found.entries == 100


def test_a_changed_checkpoint_note_fails_naming_the_checkpoint(log: Engine) -> None:
    with log.connect() as conn:
        second = checkpoints.by_id(conn, 2)
    assert second is not None
    forged = second.note.replace("\n40\n", "\n39\n")
    with log.begin() as conn:
        conn.execute(update(LogCheckpoint).where(LogCheckpoint.id == 2).values(note=forged))
    found = check(log)
    assert found.problem is not None and found.problem.startswith(
        "checkpoint #2: signature does not verify: line 5: bad signature by key credence.test/log+"
    )


def test_a_changed_checkpoint_root_fails_naming_the_checkpoint(log: Engine) -> None:
    with log.begin() as conn:
        conn.execute(update(LogCheckpoint).where(LogCheckpoint.id == 3).values(root=bytes(32)))
    assert check(log).problem == (
        "checkpoint #3 (size 41): the size and root stored with it differ from its signed note"
    )


def test_checkpoints_by_another_key_or_log_or_of_another_tree_fail(log: Engine) -> None:
    other = LogSigner(ORIGIN, Ed25519PrivateKey.generate())
    with log.begin() as conn:
        conn.execute(
            insert(LogCheckpoint).values(size=100, root=bytes(32), note=other.sign(100, bytes(32)), at=AT)
        )
    problem = check(log).problem
    assert problem is not None and problem.startswith("checkpoint #5: signature does not verify: unknown key")

    def replace(note: str, size: int, root: bytes) -> None:
        with log.begin() as conn:
            conn.execute(
                update(LogCheckpoint).where(LogCheckpoint.id == 5).values(size=size, root=root, note=note)
            )

    foreign = checkpoint.sign(checkpoint.body("another.test/log", 100, bytes(32)), ORIGIN, SIGNER.private_key)
    replace(foreign, 100, bytes(32))
    assert check(log).problem == (
        "checkpoint #5 (size 100): it is of the log 'another.test/log', not of this log 'credence.test/log'"
    )
    replace(SIGNER.sign(100, bytes(32)), 100, bytes(32))  # signed by the key, but not this log's root
    assert check(log).problem == "checkpoint #5 (size 100): root differs from the log's root at 100"
    replace(SIGNER.sign(120, bytes(32)), 120, bytes(32))  # a checkpoint the store no longer reaches
    assert check(log).problem == (
        "checkpoint #5 (size 120): the log has only 100 entries (entries were removed, or the log forked)"
    )


def test_the_log_is_read_in_chunks_with_progress(log: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_module, "CHUNK", 8)
    monkeypatch.setattr(verify_module, "CHECKPOINT_PAGE", 3)
    seen: list[tuple[int, int]] = []
    with log.connect() as conn:
        found = verify(conn, KEY, ORIGIN, progress=lambda done, total: seen.append((done, total)))
    assert found.ok and found.checkpoints == 4
    assert seen[0] == (0, 100) and seen[-1] == (100, 100) and len(seen) == 1 + 13
    rewrite(log, 57, "{}")
    assert (
        check(log).problem
        == "entries 48..63: the stored hash of their subtree (level 4) does not match these entries"
    )


def test_a_malformed_key_is_refused_before_reading(log: Engine) -> None:
    with pytest.raises(checkpoint.CheckpointError, match="a verifier key has three parts"):
        check(log, key="not a key")


# --- From outside, over HTTP --------------------------------------------------------------------------


@contextmanager
def served(settings: Settings, clock: FixedClock) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 (uvicorn in a thread) while the block runs."""
    with serving(create_app(settings, clock)) as url:
        yield url


@pytest.fixture
def remote(engine: Engine, settings: Settings, clock: FixedClock) -> Iterator[tuple[str, LogSigner]]:
    """A demo server over a log of 100 entries signed with the demo's own key, and that signer."""
    demo = settings.model_copy(update={"demo_mode": True, "log_origin": ORIGIN})
    signer = signer_for(demo)
    grow(engine, [10, 30, 1, 59], signer)
    with served(demo, clock) as url:
        yield url, signer


def test_a_registry_verifies_from_outside(remote: tuple[str, LogSigner], tmp_path: Path) -> None:
    url, signer = remote
    state = tmp_path / "state.json"
    found = verify_remote(url, signer.verifier_key(), state, sample=200)
    assert found.ok, found.problem
    assert (found.checkpoints, found.proofs, found.size, found.sampled) == (4, 3, 100, 100)
    assert found.public == 66  # every third entry is not public: its content is never shown
    assert json.loads(state.read_text())["note"].startswith(f"{ORIGIN}\n100\n")
    again = verify_remote(url, signer.verifier_key(), state, sample=5)
    assert again.ok and again.remembered == 100 and again.sampled == 5


def test_a_log_that_grows_still_extends_the_remembered_checkpoint(
    remote: tuple[str, LogSigner], engine: Engine, tmp_path: Path
) -> None:
    url, signer = remote
    state = tmp_path / "state.json"
    assert verify_remote(url, signer.verifier_key(), state, sample=3).ok
    grow(engine, [7], signer, start=100)
    found = verify_remote(url, signer.verifier_key(), state, sample=3)
    assert found.ok and found.remembered == 100 and found.size == 107


def test_a_rollback_fails_against_the_remembered_checkpoint(
    remote: tuple[str, LogSigner], engine: Engine, tmp_path: Path
) -> None:
    url, signer = remote
    state = tmp_path / "state.json"
    assert verify_remote(url, signer.verifier_key(), state, sample=3).ok
    remembered = state.read_text()
    # The server forgets its last 60 entries and every checkpoint after size 40, and signs again.
    with engine.begin() as conn:
        leaves = [bytes(h) for h in conn.execute(select(LogEntry.leaf_hash).order_by(LogEntry.idx)).scalars()]
        conn.execute(delete(LogEntry).where(LogEntry.idx >= 40))
        conn.execute(delete(LogCheckpoint).where(LogCheckpoint.size > 40))
        conn.execute(delete(LogNode))
        conn.execute(update(LogHead).values(size=0, frontier=b""))
    with engine.begin() as conn:
        frontier: list[bytes] = []
        for index, leaf in enumerate(leaves[:40]):
            for level, idx, value in store.push_stored(frontier, index, leaf):
                conn.execute(insert(LogNode).values(level=level, idx=idx, hash=value))
        conn.execute(update(LogHead).values(size=40, frontier=b"".join(frontier)))
    found = verify_remote(url, signer.verifier_key(), state, sample=3)
    assert not found.ok
    assert found.problem == (
        "the latest checkpoint (size 40) comes after the checkpoint remembered in the state file (size 100): "
        "the log is smaller than when last verified (a rollback)"
    )
    assert state.read_text() == remembered  # a failed verification never moves what is remembered
    # Without the state file the server's own checkpoints are consistent: only memory catches a rollback.
    assert verify_remote(url, signer.verifier_key(), None, sample=3).ok


def test_a_fork_between_checkpoints_fails_naming_the_checkpoint(
    remote: tuple[str, LogSigner], engine: Engine
) -> None:
    url, signer = remote
    with engine.begin() as conn:
        conn.execute(
            insert(LogCheckpoint).values(size=100, root=bytes(32), note=signer.sign(100, bytes(32)), at=AT)
        )
    found = verify_remote(url, signer.verifier_key(), None, sample=3)
    assert found.problem == (
        "checkpoint #5 (size 100) and checkpoint #4 (size 100) sign different roots for one size: "
        "the log forked"
    )
    with engine.begin() as conn:
        conn.execute(
            update(LogCheckpoint)
            .where(LogCheckpoint.id == 5)
            .values(size=101, note=signer.sign(101, bytes(32)))
        )
    found = verify_remote(url, signer.verifier_key(), None, sample=3)
    assert found.problem == (
        "checkpoint #5 (size 101): the server gives no consistency proof from size 100: the server answered "
        "404: second: the log has no tree of 101 entries; it has 100 entries, 0 to 99"
    )
    with engine.begin() as conn:
        conn.execute(
            update(LogCheckpoint)
            .where(LogCheckpoint.id == 5)
            .values(size=70, note=signer.sign(70, bytes(32)))
        )
    found = verify_remote(url, signer.verifier_key(), None, sample=3)
    assert found.problem == (
        "checkpoint #5 (size 70) comes after checkpoint #4 (size 100): the log went back to fewer entries "
        "(a rollback)"
    )
    with engine.begin() as conn:
        conn.execute(
            update(LogCheckpoint).where(LogCheckpoint.id == 3).values(note=signer.sign(41, bytes(32)))
        )
    found = verify_remote(url, signer.verifier_key(), None, sample=3)
    assert (
        found.problem
        == "checkpoint #3 (size 41): the size and root listed with it differ from its signed note"
    )
    with engine.begin() as conn:
        conn.execute(update(LogCheckpoint).where(LogCheckpoint.id == 3).values(root=bytes(32)))
    found = verify_remote(url, signer.verifier_key(), None, sample=3)
    assert found.problem == (
        "checkpoint #3 (size 41) does not extend checkpoint #2 (size 40): the consistency proof does not "
        "verify (the log forked, or its entries were rewritten)"
    )


def test_a_changed_public_entry_fails_from_outside(remote: tuple[str, LogSigner], engine: Engine) -> None:
    url, signer = remote
    with engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 50).values(content='{"step":50}'))
    found = verify_remote(url, signer.verifier_key(), None, sample=100)
    assert found.problem == (
        "entry 50: its ref, organisation or content do not match its commitment "
        "(SHA-256 of salt, ref, organisation and content)"
    )
    rewrite(engine, 50, '{"step":50}')
    found = verify_remote(url, signer.verifier_key(), None, sample=100)
    # The proofs of entries 48..63 are built from their leaves (subtrees under 16 leaves are not stored),
    # so the changed leaf 50 breaks the first of them.
    assert found.problem == (
        "entry 48: not in the latest checkpoint (size 100): the inclusion proof does not verify"
    )


def test_another_key_or_an_unreachable_server_is_refused(remote: tuple[str, LogSigner]) -> None:
    url, _ = remote
    other = LogSigner(ORIGIN, Ed25519PrivateKey.generate()).verifier_key()
    found = verify_remote(url, other, None, sample=3)
    assert found.problem is not None and found.problem.startswith(
        "checkpoint #1: signature does not verify: unknown key"
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(RemoteError, match=f"cannot read {closed}/api/v1/log/checkpoints"):
        verify_remote(closed, other)
    with pytest.raises(RemoteError, match="not an http:// or https:// address"):
        verify_remote("file:///etc/passwd", other)
    with pytest.raises(RemoteError, match="does not serve a Credence log: the server answered 404"):
        verify_remote(url + "/nothing", other)
