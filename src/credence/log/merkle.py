"""The RFC 9162 (Certificate Transparency 2.0, §2.1) Merkle tree: tree heads, proofs, and their checks.

The tree is defined over leaf hashes, so the log can keep an entry's hash without its content. Proofs are
built from a sequence of leaf hashes or a callable giving the hash at an index (a store reads one row at a
time); `size` picks a past tree head of the same log. Every range hash is computed once per call, so a
proof costs O(n) hashes. A `cache` shared between the calls on one log keeps its complete power-of-two
subtrees, which an append-only log never changes, and brings a proof down to O(log² n).

The verifiers work from the proof alone and answer True or False: what they are given comes from outside,
and anything that does not check out, a malformed proof or impossible sizes included, is simply refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping, Sequence
from typing import TypeAlias

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

LeafHashes: TypeAlias = Sequence[bytes] | Callable[[int], bytes]
SubtreeCache: TypeAlias = MutableMapping[tuple[int, int], bytes]

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """The hash of one entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root(leaf_hashes: LeafHashes, size: int | None = None, *, cache: SubtreeCache | None = None) -> bytes:
    """MTH: the root hash of the tree of the first `size` leaves (all of a sequence by default)."""
    fetch, size = _source(leaf_hashes, size)
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(fetch, 0, size, cache)


def inclusion_proof(
    leaf_hashes: LeafHashes, index: int, size: int | None = None, *, cache: SubtreeCache | None = None
) -> list[bytes]:
    """PATH(index, D[size]): the sibling hashes from leaf `index` up to the root, nearest first."""
    fetch, size = _source(leaf_hashes, size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is out of range: the tree has {size} leaves, indexed from 0")
    path: list[bytes] = []
    start, end = 0, size
    # Walk down from the root; each step keeps the half holding the leaf and records the other half.
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            path.append(_range_hash(fetch, middle, end, cache))
            end = middle
        else:
            path.append(_range_hash(fetch, start, middle, cache))
            start = middle
    path.reverse()
    return path


def consistency_proof(
    leaf_hashes: LeafHashes, old_size: int, size: int | None = None, *, cache: SubtreeCache | None = None
) -> list[bytes]:
    """PROOF(old_size, D[size]): the hashes showing the tree of `old_size` leaves is a prefix of this one.

    The RFC defines it for 0 < old_size < size; for old_size 0 or equal to size there is nothing to prove
    and the proof is empty, which `verify_consistency` accepts.
    """
    fetch, size = _source(leaf_hashes, size)
    if not 0 <= old_size <= size:
        raise ValueError(f"old tree size {old_size} is out of range: it must be between 0 and {size}")
    if old_size in (0, size):
        return []
    path: list[bytes] = []
    start, end = 0, size
    # SUBPROOF's flag b: true while the subtree in hand is still the old tree's own root.
    is_old_root = True
    while old_size != end:
        middle = start + _split(end - start)
        if old_size <= middle:
            path.append(_range_hash(fetch, middle, end, cache))
            end = middle
        else:
            path.append(_range_hash(fetch, start, middle, cache))
            start = middle
            is_old_root = False
    if not is_old_root:
        path.append(_range_hash(fetch, start, end, cache))
    path.reverse()
    return path


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows the leaf `leaf_hash` at `index` in the tree of `size` leaves with `root`.

    RFC 9162 §2.1.3.2, step by step.
    """
    if not _all_hashes(leaf_hash, root, *proof):
        return False
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree (`old_size`, `old_root`) is a prefix of (`new_size`, `new_root`).

    RFC 9162 §2.1.4.2, step by step, for 0 < old_size < new_size. Outside that range nothing is proved,
    so the proof must be empty: the empty tree (whose root is the hash of nothing) is a prefix of every
    tree, and a tree is a prefix of itself when the roots are equal.
    """
    if not _all_hashes(old_root, new_root, *proof):
        return False
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree of the new one, so its root is the proof's starting point.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


def _source(leaf_hashes: LeafHashes, size: int | None) -> tuple[Callable[[int], bytes], int]:
    """The leaf hash getter (checking each hash's length) and the tree size to work on."""
    if callable(leaf_hashes):
        if size is None:
            raise ValueError("a tree size is needed when the leaf hashes come from a callable")
        getter: Callable[[int], bytes] = leaf_hashes
    else:
        available = len(leaf_hashes)
        if size is None:
            size = available
        elif size > available:
            raise ValueError(f"tree size {size} is larger than the {available} leaf hashes given")
        getter = leaf_hashes.__getitem__
    if size < 0:
        raise ValueError(f"tree size {size} is negative")

    def fetch(index: int) -> bytes:
        value = getter(index)
        if len(value) != HASH_SIZE:
            raise ValueError(
                f"leaf hash {index} is {len(value)} bytes, not {HASH_SIZE}: give leaf_hash(entry), not entry"
            )
        return value

    return fetch, size


def _range_hash(fetch: Callable[[int], bytes], start: int, end: int, cache: SubtreeCache | None) -> bytes:
    """MTH(D[start:end]) for 0 <= start < end."""
    count = end - start
    if count == 1:
        return fetch(start)
    # Only complete subtrees are kept: they never change as the log grows, and there are at most 2n of them.
    if cache is not None and count & (count - 1) == 0 and start % count == 0:
        value = cache.get((start, end))
        if value is None:
            value = cache[(start, end)] = _children_hash(fetch, start, end, cache)
        return value
    return _children_hash(fetch, start, end, cache)


def _children_hash(fetch: Callable[[int], bytes], start: int, end: int, cache: SubtreeCache | None) -> bytes:
    middle = start + _split(end - start)
    return node_hash(_range_hash(fetch, start, middle, cache), _range_hash(fetch, middle, end, cache))


def _split(count: int) -> int:
    """The largest power of two smaller than `count` (count >= 2): the size of the left subtree."""
    return 1 << ((count - 1).bit_length() - 1)


def _all_hashes(*values: bytes) -> bool:
    return all(len(value) == HASH_SIZE for value in values)
