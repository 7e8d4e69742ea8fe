"""Version-1 leaves (before migration 0011) still verify beside version-2 ones, from the store and from
outside; the migration seals what version-1 leaves do not commit to (each entry's public flag, ref and
organisation) in one entry with a version-2 leaf, so that changing them later is caught all the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from old_leaves import append_v1
from sqlalchemy import Engine, insert, select, update

from credence.clock import FixedClock
from credence.log import checkpoints, store
from credence.log.keys import LogSigner, signer_for
from credence.log.remote import verify_remote
from credence.log.verify import Verification, verify
from credence.server import create_app
from credence.settings import Settings
from credence.store import migrate
from credence.store.models import LogEntry, Organisation
from serving import serving

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ORIGIN = "credence.test/log"
SIGNER = LogSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


def steps(first: int, count: int, organisation_id: int | None = None) -> list[store.Event]:
    """Events about list entries (not records, which would need records in the store)."""
    return [
        store.Event("list.step", f"list_entry:{n}", {"step": n}, organisation_id, public=n % 3 != 0)
        for n in range(first, first + count)
    ]


def check(engine: Engine, signer: LogSigner = SIGNER) -> Verification:
    with engine.connect() as conn:
        return verify(conn, signer.verifier_key(), ORIGIN)


def organisation(engine: Engine, key: str) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(Organisation)
                .values(key=key, scheme="uscc", code=key[5:], name=key, never_public=False, created_at=AT)
                .returning(Organisation.id)
            ).scalar_one()
        )


def test_version_1_and_version_2_leaves_verify_side_by_side(engine: Engine) -> None:
    with engine.begin() as conn:
        append_v1(conn, steps(0, 20), AT)
        checkpoints.make_checkpoint(conn, SIGNER, AT)
    with engine.begin() as conn:
        store.append(conn, steps(20, 20), AT)
        checkpoints.make_checkpoint(conn, SIGNER, AT)
    found = check(engine)
    assert found.ok, found.problem
    # Not migrated here, so nothing sealed them: they verify as they always did, and are counted.
    assert (found.entries, found.v1, found.sealed, found.unsealed) == (40, 20, 0, 20)
    with engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 3).values(public=True))
    assert check(engine).ok  # a version-1 leaf does not commit to it: only a seal does
    with engine.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == 21).values(public=True))
    assert (
        check(engine).problem == "entry 21: it is marked public, but its leaf commits to it not being public"
    )


@pytest.fixture
def served(engine: Engine, settings: Settings, clock: FixedClock) -> Iterator[tuple[str, LogSigner]]:
    demo = settings.model_copy(update={"demo_mode": True, "log_origin": ORIGIN})
    signer = signer_for(demo)
    with engine.begin() as conn:
        append_v1(conn, steps(0, 20), AT)
    with engine.begin() as conn:
        store.append(conn, steps(20, 20), AT)
        checkpoints.make_checkpoint(conn, signer, AT)
    with serving(create_app(demo, clock)) as url:
        yield url, signer


def test_the_feed_says_each_entry_s_leaf_version_and_both_verify_from_outside(
    served: tuple[str, LogSigner], settings: Settings, clock: FixedClock
) -> None:
    url, signer = served
    found = verify_remote(url, signer.verifier_key(), None, sample=100, records=10)
    assert found.ok, found.problem
    assert found.sampled == 40
    demo = settings.model_copy(update={"demo_mode": True, "log_origin": ORIGIN})
    with TestClient(create_app(demo, clock)) as client:
        items = client.get("/api/v1/changes", params={"limit": 40}).json()["items"]
    assert [i["leaf_version"] for i in items] == [1] * 20 + [2] * 20


# --- Migration 0011 seals the version-1 entries ---------------------------------------------------------


@pytest.fixture
def migrated(empty_store: Engine) -> Engine:
    """A store made at revision 0010 with 20 entries (version-1 leaves), then migrated."""
    engine = empty_store
    migrate.upgrade(engine, "0010")
    first = organisation(engine, "uscc:91110000600037341L")
    with engine.begin() as conn:
        append_v1(conn, steps(0, 10, first), AT)
    with engine.begin() as conn:
        append_v1(conn, steps(10, 10), AT)
        checkpoints.make_checkpoint(conn, SIGNER, AT)
    migrate.upgrade(engine)
    return engine


def test_the_migration_seals_every_version_1_entry(migrated: Engine) -> None:
    with migrated.connect() as conn:
        seal = conn.execute(select(LogEntry).where(LogEntry.idx == 20)).one()
        assert store.head(conn).size == 21
    assert (seal.kind, seal.ref, seal.public, seal.organisation_id) == ("log.sealed", "log", False, None)
    content = json.loads(seal.content)
    assert (content["leaf_version"], content["entries"], content["chunk"]) == (2, 20, 8192)
    found = check(migrated)
    assert found.ok, found.problem
    assert (found.entries, found.v1, found.sealed, found.unsealed) == (21, 20, 20, 0)
    migrate.downgrade(migrated, "0010")
    migrate.upgrade(migrated)  # sealed once only: the seal covers them already
    with migrated.connect() as conn:
        assert store.head(conn).size == 21


@pytest.mark.parametrize(
    "values",
    [{"public": True}, {"ref": "list_entry:99"}, {"organisation_id": None}],
    ids=["public", "ref", "org"],
)
def test_a_changed_version_1_entry_fails_against_the_seal(
    migrated: Engine, values: dict[str, object]
) -> None:
    index = 3 if "public" in values else 5  # entry 3 is not public; entry 5 is about the organisation
    with migrated.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == index).values(**values))
    assert check(migrated).problem == (
        "entries 0..19 (version-1 leaves): their public flags, refs or organisations are not what entry 20 "
        "sealed"
    )


def test_a_log_of_version_2_leaves_is_not_sealed_again(empty_store: Engine) -> None:
    migrate.upgrade(empty_store)
    with empty_store.begin() as conn:
        store.append(conn, steps(0, 30), AT)
    migrate.downgrade(empty_store, "0010")
    migrate.upgrade(empty_store)
    with empty_store.connect() as conn:
        assert store.head(conn).size == 30
    found = check(empty_store)
    assert found.ok and (found.v1, found.sealed) == (0, 0)
