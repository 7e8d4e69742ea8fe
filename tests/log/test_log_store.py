"""The log in the store: appends, tree heads and proofs from stored subtrees (against a brute-force
computation over the leaf hashes), the signing key and signed checkpoints."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from sqlalchemy import Engine, delete, func, insert, select

from credence.clock import FixedClock
from credence.log import checkpoint, checkpoints, feed, merkle, proofs, store
from credence.log.keys import (
    LogKeyError,
    LogSigner,
    demo_key,
    demo_key_path,
    keygen,
    load_private_key,
    signer_for,
)
from credence.settings import Settings
from credence.store.models import LogCheckpoint, LogEntry, LogHead, LogNode, Organisation

AT = datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC)
ORIGIN = "credence.test/log"
SIGNER = LogSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


def event(n: int, kind: str = "record.submitted") -> store.Event:
    return store.Event(kind, f"record:{n}", {"record": n, "summary": f"event {n}", "on": "2026-11-25"})


def append(engine: Engine, count: int, at: datetime = AT) -> range:
    with engine.begin() as conn:
        return store.append(conn, [event(n) for n in range(count)], at)


def leaf_hashes(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return [bytes(h) for h in conn.execute(select(LogEntry.leaf_hash).order_by(LogEntry.idx)).scalars()]


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (LogEntry, LogHead, LogNode, LogCheckpoint)
        }


# --- Appends ------------------------------------------------------------------------------------------


def test_appends_take_the_next_indices_in_order(engine: Engine) -> None:
    assert append(engine, 3) == range(0, 3)
    assert append(engine, 1) == range(3, 4)
    assert append(engine, 5) == range(4, 9)
    with engine.connect() as conn:
        assert conn.execute(select(LogEntry.idx).order_by(LogEntry.idx)).scalars().all() == list(range(9))
        assert store.head(conn).size == 9


def test_an_entry_commits_to_its_content_with_a_salt_and_its_leaf_to_index_kind_time(engine: Engine) -> None:
    """Version-2 leaves: the commitment covers what the entry is about (ref and organisation) and its
    content; the leaf, its index, kind, time, public flag and commitment."""
    with engine.begin() as conn:
        store.append(
            conn, [store.Event("record.published", "record:7", {"b": 2, "a": "名"}, public=True)], AT
        )
    with engine.connect() as conn:
        row = conn.execute(select(LogEntry)).one()
    assert row.content == '{"a":"名","b":2}'  # canonical: sorted keys, no spaces, UTF-8
    assert len(row.salt) == 16
    assert (
        bytes(row.commitment)
        == hashlib.sha256(bytes(row.salt) + b"record:7\n\n" + row.content.encode()).digest()
    )
    data = store.leaf_data(0, "record.published", AT, bytes(row.commitment), True)
    assert data == (
        b"credence-log-entry/v2\n0\nrecord.published\n2026-11-25T09:30:00.123456Z\n1\n"
        + bytes(row.commitment).hex().encode()
        + b"\n"
    )
    assert bytes(row.leaf_hash) == hashlib.sha256(b"\x00" + data).digest()
    assert f"\n{AT.strftime(feed.LEAF_TIME)}\n".encode() in data  # the time as the API shows it
    assert row.at == AT  # the instant comes back exactly, microseconds and all
    # A version-1 leaf (entries from before migration 0011): no public flag, the content alone committed.
    assert store.leaf_data(0, "record.published", AT, bytes(32), True, version=1) == (
        b"credence-log-entry/v1\n0\nrecord.published\n2026-11-25T09:30:00.123456Z\n"
        + bytes(32).hex().encode()
        + b"\n"
    )


def test_an_entry_about_an_organisation_whose_records_are_never_public_is_not_public(engine: Engine) -> None:
    with engine.begin() as conn:
        sole = conn.execute(
            insert(Organisation)
            .values(
                key="uscc:92110100MA01X2Y3XX",
                scheme="uscc",
                code="92110100MA01X2Y3XX",
                name="个体户",
                never_public=True,
                created_at=AT,
            )
            .returning(Organisation.id)
        ).scalar_one()
        store.append(conn, [store.Event("record.published", "record:1", {"a": 1}, sole, public=True)], AT)
    with engine.connect() as conn:
        row = conn.execute(select(LogEntry)).one()
    assert row.public is False
    about = b"record:1\nuscc:92110100MA01X2Y3XX\n"
    assert bytes(row.commitment) == hashlib.sha256(bytes(row.salt) + about + row.content.encode()).digest()
    assert bytes(row.leaf_hash) == store.entry_leaf_hash(
        0, "record.published", AT, bytes(row.commitment), False
    )


def test_two_equal_contents_get_different_commitments(engine: Engine) -> None:
    with engine.begin() as conn:
        store.append(conn, [event(1), event(1)], AT)
    with engine.connect() as conn:
        first, second = conn.execute(select(LogEntry.commitment).order_by(LogEntry.idx)).scalars()
    assert first != second  # the salt: nobody can confirm a guess of the content


def test_an_unknown_kind_is_refused_and_nothing_is_stored(engine: Engine) -> None:
    append(engine, 2)
    before = table_counts(engine)
    with pytest.raises(store.UnknownEventKind, match="unknown log event kind 'record.deleted'"):
        with engine.begin() as conn:
            store.append(conn, [event(5), event(6, kind="record.deleted")], AT)
    assert table_counts(engine) == before


def test_an_append_rolled_back_with_its_transaction_leaves_no_gap(engine: Engine) -> None:
    append(engine, 3)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        store.append(conn, [event(9)], AT)
        raise RuntimeError("the caller's work failed after the append")
    assert append(engine, 1) == range(3, 4)
    with engine.connect() as conn:
        assert conn.execute(select(LogEntry.idx).order_by(LogEntry.idx)).scalars().all() == [0, 1, 2, 3]


def test_heads_and_proofs_from_the_store_equal_a_computation_over_all_leaves(engine: Engine) -> None:
    # Batches of uneven sizes, so subtrees close inside and across appends.
    for count in (1, 2, 5, 1, 8, 3, 13, 1, 4):
        append(engine, count)
    leaves = leaf_hashes(engine)
    assert len(leaves) == 38
    with engine.connect() as conn:
        assert store.head(conn).root == merkle.root(leaves)
        # Every complete subtree of 16 leaves or more is stored once, and holds its hash; smaller ones,
        # which the proofs below need too, are computed from their leaves.
        stored = {(r.level, r.idx): bytes(r.hash) for r in conn.execute(select(LogNode))}
        expected = {
            (level, i): merkle.root(leaves[i << level : (i + 1) << level])
            for level in range(store.NODE_LEVEL, 6)
            for i in range(len(leaves) >> level)
        }
        assert stored == expected
        for size in range(0, len(leaves) + 1):
            assert store.root_at(conn, size) == merkle.root(leaves, size)
            for index in range(size):
                proof = store.inclusion_proof(conn, index, size)
                assert proof == merkle.inclusion_proof(leaves, index, size)
                assert merkle.verify_inclusion(leaves[index], index, size, proof, merkle.root(leaves, size))
            for old in range(0, size + 1):
                proof = store.consistency_proof(conn, old, size)
                assert proof == merkle.consistency_proof(leaves, old, size)
                assert merkle.verify_consistency(
                    old, size, merkle.root(leaves, old), merkle.root(leaves, size), proof
                )


def test_a_proof_beyond_the_log_is_refused(engine: Engine) -> None:
    append(engine, 4)
    with engine.connect() as conn, pytest.raises(ValueError, match="leaf index 4 is out of range"):
        store.inclusion_proof(conn, 4, 4)
    with engine.connect() as conn, pytest.raises(LookupError, match="the log has no entry 4"):
        store.root_at(conn, 5)


# --- The signing key ----------------------------------------------------------------------------------


def test_keygen_writes_a_key_only_its_owner_reads_and_never_over_a_file(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    key = keygen(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert load_private_key(path).public_key() == key.public_key()
    before = path.read_bytes()
    with pytest.raises(LogKeyError, match=f"log key {path}: the file exists"):
        keygen(path)
    assert path.read_bytes() == before
    with pytest.raises(LogKeyError, match="cannot be written"):
        keygen(tmp_path / "missing-folder" / "log.pem")


def test_a_key_that_cannot_be_used_is_named_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(LogKeyError, match=f"log key {tmp_path / 'none.pem'}: no such file"):
        load_private_key(tmp_path / "none.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n")
    with pytest.raises(LogKeyError, match=f"log key {garbage}: not a PEM private key"):
        load_private_key(garbage)
    rsa = tmp_path / "rsa.pem"
    rsa.write_bytes(
        generate_private_key(65537, 2048).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    with pytest.raises(LogKeyError, match=f"log key {rsa}: not an Ed25519 key but RSAPrivateKey"):
        load_private_key(rsa)
    locked = tmp_path / "locked.pem"
    locked.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"secret")
        )
    )
    with pytest.raises(LogKeyError, match=f"log key {locked}: the key is encrypted"):
        load_private_key(locked)


def test_the_signer_names_its_key_after_the_origin() -> None:
    line = SIGNER.verifier_key()
    assert line.startswith(f"{ORIGIN}+") and checkpoint.parse_verifier_key(line).name == ORIGIN
    note = SIGNER.sign(3, merkle.EMPTY_ROOT)
    opened = checkpoint.open_note(note, line, origin=ORIGIN)
    assert opened == checkpoint.Checkpoint(ORIGIN, 3, merkle.EMPTY_ROOT)
    with pytest.raises(LogKeyError, match="CREDENCE_LOG_ORIGIN 'my log' cannot name a log key"):
        LogSigner("my log", Ed25519PrivateKey.generate())


def test_the_demo_key_lives_beside_the_store_or_in_the_temp_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'credence.db'}"
    assert demo_key_path(url) == tmp_path / "credence.log-key.pem"
    other = demo_key_path("postgresql://postgres@127.0.0.1:5432/test")
    assert other.name.startswith("credence-") and other.name.endswith(".log-key.pem")
    assert demo_key_path("postgresql://postgres@127.0.0.1:5432/test") == other
    assert demo_key_path("sqlite://") != demo_key_path("postgresql://postgres@127.0.0.1:5432/test")
    first = demo_key(url)
    assert demo_key(url).public_key() == first.public_key()  # made once, then reused
    assert stat.S_IMODE((tmp_path / "credence.log-key.pem").stat().st_mode) == 0o600


def test_the_signer_of_a_registry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'credence.db'}"
    with pytest.raises(LogKeyError, match="no log key: set CREDENCE_LOG_KEY_PATH"):
        signer_for(Settings(database_url=url))
    assert not demo_key_path(url).exists()
    demo = signer_for(Settings(database_url=url, demo_mode=True, log_origin="demo.test/log"))
    assert demo.origin == "demo.test/log" and demo_key_path(url).exists()
    # Beside a demo server, the command line uses the demo's key; nothing else does.
    beside = signer_for(Settings(database_url=url), use_demo_key=True)
    assert beside.verifier_key() == signer_for(Settings(database_url=url, demo_mode=True)).verifier_key()
    path = tmp_path / "operator.pem"
    keygen(path)
    configured = signer_for(Settings(database_url=url, demo_mode=True, log_key_path=path))
    assert configured.private_key.public_key() == load_private_key(path).public_key()


# --- Checkpoints --------------------------------------------------------------------------------------


def test_a_checkpoint_signs_the_head_once_per_size(engine: Engine) -> None:
    with engine.begin() as conn:
        empty = checkpoints.make_checkpoint(conn, SIGNER, AT)
    assert (empty.id, empty.size, empty.root) == (1, 0, merkle.EMPTY_ROOT)
    append(engine, 6)
    with engine.begin() as conn:
        made = checkpoints.make_checkpoint(conn, SIGNER, AT + timedelta(hours=1))
        again = checkpoints.make_checkpoint(conn, SIGNER, AT + timedelta(hours=2))
        forced = checkpoints.make_checkpoint(conn, SIGNER, AT + timedelta(hours=3), force=True)
    assert made.size == 6 and made.root == merkle.root(leaf_hashes(engine))
    assert again == made and forced.id == 3 and forced.size == 6
    signed = checkpoint.open_note(made.note, SIGNER.verifier_key(), origin=ORIGIN)
    assert (signed.size, signed.root) == (6, made.root)
    with engine.connect() as conn:
        assert checkpoints.latest(conn) == forced
        assert checkpoints.at_size(conn, 6) == forced
        assert checkpoints.at_size(conn, 0) == empty
        assert checkpoints.at_size(conn, 5) is None
        assert checkpoints.by_id(conn, 2) == made
        assert checkpoints.page(conn, 1, 2) == (3, [empty, made])
        assert checkpoints.page(conn, 2, 2) == (3, [forced])
        assert checkpoints.every(conn) == [(1, 0), (2, 6), (3, 6)]


def test_the_interval_job_signs_only_when_the_log_grew(engine: Engine) -> None:
    clock = FixedClock(AT)
    job = checkpoints.interval_job(engine, SIGNER, clock)
    assert job() == "checkpoint #1 signed at 0 entries"
    assert job() == "checkpoint #1 still signs the log's 0 entries"
    append(engine, 3)
    clock.advance(timedelta(hours=1))
    assert job() == "checkpoint #2 signed at 3 entries"
    with engine.connect() as conn:
        latest = checkpoints.latest(conn)
    assert latest is not None and latest.at == AT + timedelta(hours=1)


def test_proofs_in_two_queries_equal_the_stored_ones(engine: Engine) -> None:
    for count in (3, 8, 1, 17, 2, 6):
        append(engine, count)
    leaves = leaf_hashes(engine)
    with engine.connect() as conn:
        for size in range(0, len(leaves) + 1):
            assert proofs.root_at(conn, size) == merkle.root(leaves, size)
            for i in range(size):
                assert proofs.inclusion_proof(conn, i, size) == merkle.inclusion_proof(leaves, i, size)
            for old in range(0, size + 1):
                assert proofs.consistency_proof(conn, old, size) == merkle.consistency_proof(
                    leaves, old, size
                )
    with engine.begin() as conn:  # a subtree missing from the store is computed from its leaves
        conn.execute(delete(LogNode).where(LogNode.level == 4))
    with engine.connect() as conn:
        assert proofs.inclusion_proof(conn, 35, 37) == merkle.inclusion_proof(leaves, 35, 37)
        assert proofs.root_at(conn, 37) == merkle.root(leaves)
