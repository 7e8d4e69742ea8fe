"""Proofs and roots for the API, in two queries each instead of one per tree node.

`store`'s proofs read the stored subtrees one row at a time as `merkle` walks the tree: some 20 queries
for a proof at 10 million entries. Which subtrees a proof needs depends only on the index and the sizes,
never on the hashes, so here `merkle` first walks with placeholders to learn the nodes and leaves it will
ask for (the stored subtrees, and the leaves of the small subtrees that are not stored), those are read in
one query each, and it walks again over what was read. The answer is the
same `merkle` computation; a stored subtree that were missing would be computed from its leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, MutableMapping
from typing import Any

from sqlalchemy import Connection

from credence.log import merkle, store
from credence.store.models import LogEntry, LogNode

_PLACEHOLDER = bytes(merkle.HASH_SIZE)


class _Wanted(MutableMapping[tuple[int, int], bytes]):
    """A subtree cache that has every stored subtree (placeholders) and notes what was asked; a subtree
    too small to be stored is missing, so merkle asks for its leaves instead."""

    def __init__(self) -> None:
        self.nodes: set[tuple[int, int]] = set()

    def __getitem__(self, key: tuple[int, int]) -> bytes:
        if (key[1] - key[0]).bit_length() - 1 < store.NODE_LEVEL:
            raise KeyError(key)
        self.nodes.add(key)
        return _PLACEHOLDER

    def __setitem__(self, key: tuple[int, int], value: bytes) -> None:
        return None

    def __delitem__(self, key: tuple[int, int]) -> None:
        return None

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)


Walk = Callable[[Callable[[int], bytes], MutableMapping[tuple[int, int], bytes]], object]


def _batched(conn: Connection, walk: Walk) -> object:
    """Run `walk(leaf getter, subtree cache)` over the subtrees and leaves it needs, read in two queries."""
    wanted = _Wanted()
    leaves: set[int] = set()

    def note_leaf(index: int) -> bytes:
        leaves.add(index)
        return _PLACEHOLDER

    walk(note_leaf, wanted)
    levels = {key: (key[1] - key[0]).bit_length() - 1 for key in wanted.nodes}
    by_level: dict[int, list[int]] = {}
    for (start, _), level in levels.items():
        by_level.setdefault(level, []).append(start >> level)
    found = {(level, idx): bytes(value) for level, idx, value in _nodes(conn, by_level)}
    # A subtree not stored (there should be none) is left out: merkle then computes it from its leaves.
    cache = {key: found[(lv, key[0] >> lv)] for key, lv in levels.items() if (lv, key[0] >> lv) in found}
    hashes = {idx: bytes(value) for idx, value in _leaves(conn, sorted(leaves))}

    def leaf(index: int) -> bytes:
        value = hashes.get(index)
        return value if value is not None else store.leaf_hash_at(conn, index)

    return walk(leaf, cache)


# The two reads are plain SQL sent straight to the driver: building them as SQLAlchemy expressions, whose
# shape changes with every proof, took longer than running them. Only placeholders are interpolated.


def _nodes(conn: Connection, by_level: dict[int, list[int]]) -> list[Any]:
    """The stored (level, idx, hash) of the subtrees asked for: one term per level (a proof needs one or
    two nodes of each), each a lookup of the primary key. (A row-value IN is a full scan on SQLite.)"""
    if not by_level:
        return []
    mark = _marker(conn)
    terms = [f"(level = {mark} AND idx IN ({', '.join([mark] * len(idxs))}))" for idxs in by_level.values()]
    params = [value for level, idxs in by_level.items() for value in (level, *idxs)]
    sql = f"SELECT level, idx, hash FROM {_table(conn, LogNode)} WHERE {' OR '.join(terms)}"  # noqa: S608
    return list(conn.exec_driver_sql(sql, tuple(params)).all())


def _leaves(conn: Connection, indices: list[int]) -> list[Any]:
    if not indices:
        return []
    marks = ", ".join([_marker(conn)] * len(indices))
    sql = f"SELECT idx, leaf_hash FROM {_table(conn, LogEntry)} WHERE idx IN ({marks})"  # noqa: S608
    return list(conn.exec_driver_sql(sql, tuple(indices)).all())


def _marker(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _table(conn: Connection, model: Any) -> str:
    return str(conn.dialect.identifier_preparer.format_table(model.__table__))


def inclusion_proof(conn: Connection, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) from the stored log (as store.inclusion_proof)."""
    proof = _batched(conn, lambda leaf, cache: merkle.inclusion_proof(leaf, index, size, cache=cache))
    assert isinstance(proof, list)
    return proof


def inclusion_proofs(conn: Connection, indices: Collection[int], size: int) -> dict[int, list[bytes]]:
    """PATH(index, D[size]) of each index below `size`, all from the same two queries (a page of records
    served with their proofs)."""
    wanted = sorted({i for i in indices if 0 <= i < size})
    found = _batched(
        conn, lambda leaf, cache: [merkle.inclusion_proof(leaf, i, size, cache=cache) for i in wanted]
    )
    assert isinstance(found, list)
    return dict(zip(wanted, found, strict=True))


def consistency_proof(conn: Connection, old_size: int, size: int) -> list[bytes]:
    """PROOF(old_size, D[size]) from the stored log (as store.consistency_proof)."""
    proof = _batched(conn, lambda leaf, cache: merkle.consistency_proof(leaf, old_size, size, cache=cache))
    assert isinstance(proof, list)
    return proof


def root_at(conn: Connection, size: int) -> bytes:
    """The root of the log's first `size` entries (as store.root_at)."""
    root = _batched(conn, lambda leaf, cache: merkle.root(leaf, size, cache=cache))
    assert isinstance(root, bytes)
    return root
