"""Migration 0010 keeps only the log's subtrees of 16 leaves or more; its downgrade rebuilds the smaller
ones. Proofs and verification give the same answers either way."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from credence.log import merkle, proofs, store
from credence.store import migrate
from credence.store.models import LogEntry, LogNode

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SIZE = 100


def _nodes(engine: Engine) -> dict[tuple[int, int], bytes]:
    with engine.connect() as conn:
        return {(r.level, r.idx): bytes(r.hash) for r in conn.execute(select(LogNode))}


def _every_subtree(leaves: list[bytes], levels: range) -> dict[tuple[int, int], bytes]:
    return {
        (level, i): merkle.root(leaves[i << level : (i + 1) << level])
        for level in levels
        for i in range(len(leaves) >> level)
    }


def test_down_rebuilds_the_small_subtrees_and_up_drops_them(empty_store: Engine) -> None:
    engine = empty_store
    migrate.upgrade(engine)
    with engine.begin() as conn:
        for first in range(0, SIZE, 7):  # appends of uneven size, so subtrees close inside and across them
            events = [
                store.Event("record.published", f"record:{n}", {"n": n})
                for n in range(first, min(first + 7, SIZE))
            ]
            store.append(conn, events, AT)
    with engine.connect() as conn:
        leaves = [bytes(h) for h in conn.execute(select(LogEntry.leaf_hash).order_by(LogEntry.idx)).scalars()]
    assert len(leaves) == SIZE
    assert _nodes(engine) == _every_subtree(leaves, range(store.NODE_LEVEL, 7))

    migrate.downgrade(engine, "0009")
    # What revision 0009's appends stored: every complete subtree of 2 leaves or more.
    assert _nodes(engine) == _every_subtree(leaves, range(1, 7))
    assert len(_nodes(engine)) == SIZE - bin(SIZE).count("1")

    migrate.upgrade(engine)
    assert _nodes(engine) == _every_subtree(leaves, range(store.NODE_LEVEL, 7))
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(LogNode).where(LogNode.level < 4)).scalar_one() == 0
        )
        for index in (0, 41, 63, 99):
            assert proofs.inclusion_proof(conn, index, SIZE) == merkle.inclusion_proof(leaves, index, SIZE)
        assert proofs.consistency_proof(conn, 37, SIZE) == merkle.consistency_proof(leaves, 37, SIZE)
        assert proofs.root_at(conn, SIZE) == merkle.root(leaves) == store.head(conn).root
