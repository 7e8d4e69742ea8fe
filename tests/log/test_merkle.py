"""The RFC 9162 Merkle tree: the public test vectors, and a brute-force check against the definitions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credence.log.merkle import (
    EMPTY_ROOT,
    SubtreeCache,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The RFC 6962 test vectors shared by the public certificate-transparency implementations, as kept by
# github.com/transparency-dev/merkle (formerly google/trillian's merkle package): leaf inputs, node hashes
# and roots from testonly/constants.go; inclusion and consistency proofs from testonly/reference_test.go
# and proof/verify_test.go (whose 1-based leaf numbers are turned into 0-based indexes here).
LEAF_INPUTS = [
    bytes.fromhex(""),
    bytes.fromhex("00"),
    bytes.fromhex("10"),
    bytes.fromhex("2021"),
    bytes.fromhex("3031"),
    bytes.fromhex("40414243"),
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]

# NODE_HASHES[level][i]: the complete subtree of 2**level leaves starting at leaf i * 2**level.
NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]

# ROOTS[size] for the trees of the first `size` leaf inputs.
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# (leaf index, tree size, proof)
INCLUSION_PROOFS: list[tuple[int, int, list[str]]] = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

# (old size, new size, proof)
CONSISTENCY_PROOFS: list[tuple[int, int, list[str]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

VECTOR_LEAVES = [leaf_hash(data) for data in LEAF_INPUTS]


def unhex(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


# The vectors.


def test_hashes_and_empty_root() -> None:
    assert EMPTY_ROOT == bytes.fromhex(ROOTS[0]) == hashlib.sha256(b"").digest()
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"L", b"R") == hashlib.sha256(b"\x01LR").digest()


def test_leaf_and_node_hashes() -> None:
    assert VECTOR_LEAVES == unhex(NODE_HASHES[0])
    for level in range(1, len(NODE_HASHES)):
        width = 1 << level
        for i, expected in enumerate(NODE_HASHES[level]):
            assert root(VECTOR_LEAVES[i * width : (i + 1) * width]).hex() == expected


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_roots(size: int) -> None:
    assert root(VECTOR_LEAVES, size).hex() == ROOTS[size]
    assert root(VECTOR_LEAVES[:size]).hex() == ROOTS[size]
    assert root(VECTOR_LEAVES.__getitem__, size).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_PROOFS)
def test_inclusion_vectors(index: int, size: int, expected: list[str]) -> None:
    proof = inclusion_proof(VECTOR_LEAVES, index, size)
    assert [p.hex() for p in proof] == expected
    tree_root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(VECTOR_LEAVES[index], index, size, proof, tree_root)
    for wrong in (index - 1, index + 1, index ^ 2):
        assert not verify_inclusion(VECTOR_LEAVES[index], wrong, size, proof, tree_root)
    for wrong_size in (size * 2, size // 2):
        assert not verify_inclusion(VECTOR_LEAVES[index], index, wrong_size, proof, tree_root)
    assert not verify_inclusion(VECTOR_LEAVES[index], index, size, proof, EMPTY_ROOT)
    assert not verify_inclusion(VECTOR_LEAVES[index], index, size, [*proof, tree_root], tree_root)
    assert not verify_inclusion(VECTOR_LEAVES[index], index, size, [tree_root, *proof], tree_root)


@pytest.mark.parametrize(("old_size", "new_size", "expected"), CONSISTENCY_PROOFS)
def test_consistency_vectors(old_size: int, new_size: int, expected: list[str]) -> None:
    proof = consistency_proof(VECTOR_LEAVES, old_size, new_size)
    assert [p.hex() for p in proof] == expected
    old_root, new_root = bytes.fromhex(ROOTS[old_size]), bytes.fromhex(ROOTS[new_size])
    assert verify_consistency(old_size, new_size, old_root, new_root, proof)
    if proof:
        for wrong_old in (old_size - 1, old_size + 1, old_size ^ 2):
            assert not verify_consistency(wrong_old, new_size, old_root, new_root, proof)
        for wrong_new in (new_size * 2, new_size // 2):
            assert not verify_consistency(old_size, wrong_new, old_root, new_root, proof)
        assert not verify_consistency(old_size, new_size, new_root, old_root, proof)
        assert not verify_consistency(old_size, new_size, old_root, new_root, [])
        assert not verify_consistency(old_size, new_size, old_root, new_root, [proof[0], *proof])


# Brute force: every size, index and old size up to 40, against the RFC's recursive definitions.

LEAVES = [hashlib.sha256(b"\x00" + f"entry {i}".encode()).digest() for i in range(2048)]
MAX_SIZE = 40


def ref_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = ref_split(len(leaves))
    return ref_hash(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = ref_split(len(leaves))
    if m < k:
        return ref_path(m, leaves[:k]) + [ref_mth(leaves[k:])]
    return ref_path(m - k, leaves[k:]) + [ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    if m == len(leaves):
        return [] if complete else [ref_mth(leaves)]
    k = ref_split(len(leaves))
    if m <= k:
        return ref_subproof(m, leaves[:k], complete) + [ref_mth(leaves[k:])]
    return ref_subproof(m - k, leaves[k:], False) + [ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    return [] if m in (0, len(leaves)) else ref_subproof(m, leaves, True)


REF_ROOTS = [ref_mth(LEAVES[:size]) for size in range(MAX_SIZE + 2)]


def flipped(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x08]) + value[1:]


def with_flip(proof: list[bytes], k: int) -> list[bytes]:
    return [flipped(p) if i == k else p for i, p in enumerate(proof)]


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_inclusion_proof(size: int) -> None:
    cache: SubtreeCache = {}
    tree_root = root(LEAVES, size)
    assert tree_root == REF_ROOTS[size]
    for index in range(size):
        leaf = LEAVES[index]
        proof = inclusion_proof(LEAVES, index, size, cache=cache)
        assert proof == inclusion_proof(LEAVES, index, size) == ref_path(index, LEAVES[:size])
        assert verify_inclusion(leaf, index, size, proof, tree_root)

        for k in range(len(proof)):
            assert not verify_inclusion(leaf, index, size, with_flip(proof, k), tree_root)
        if proof:
            assert not verify_inclusion(leaf, index, size, proof[:-1], tree_root)
        assert not verify_inclusion(leaf, index, size, [*proof, proof[0] if proof else leaf], tree_root)
        assert not verify_inclusion(flipped(leaf), index, size, proof, tree_root)
        assert not verify_inclusion(leaf, index, size, proof, flipped(tree_root))
        for wrong in range(-1, size + 1):
            if wrong != index:
                assert not verify_inclusion(leaf, wrong, size, proof, tree_root)
                if 0 <= wrong < size:
                    assert not verify_inclusion(LEAVES[wrong], index, size, proof, tree_root)
        # A proof for this tree never checks against another tree head of the same log.
        for other in range(MAX_SIZE + 2):
            if other != size:
                assert not verify_inclusion(leaf, index, other, proof, REF_ROOTS[other])
        assert not verify_inclusion(leaf, index, size * 2, proof, tree_root)


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_consistency_proof(size: int) -> None:
    cache: SubtreeCache = {}
    new_root = REF_ROOTS[size]
    for old_size in range(size + 1):
        old_root = REF_ROOTS[old_size]
        proof = consistency_proof(LEAVES, old_size, size, cache=cache)
        assert proof == consistency_proof(LEAVES, old_size, size) == ref_proof(old_size, LEAVES[:size])
        assert verify_consistency(old_size, size, old_root, new_root, proof)
        assert not verify_consistency(old_size, size, flipped(old_root), new_root, proof)
        assert not verify_consistency(old_size, size, old_root, new_root, [*proof, new_root])
        if old_size == 0:
            continue
        assert not verify_consistency(old_size, size, old_root, flipped(new_root), proof)
        if old_size == size:
            continue
        assert len(proof) > 0
        assert not verify_consistency(old_size, size, new_root, old_root, proof)
        assert not verify_consistency(old_size, size, old_root, new_root, [])
        assert not verify_consistency(old_size, size, old_root, new_root, proof[:-1])
        assert not verify_consistency(old_size, size, old_root, new_root, [proof[0], *proof])
        for k in range(len(proof)):
            assert not verify_consistency(old_size, size, old_root, new_root, with_flip(proof, k))
        for other in range(size + 2):
            if other != old_size:
                assert not verify_consistency(other, size, REF_ROOTS[other], new_root, proof)
                assert not verify_consistency(other, size, old_root, new_root, proof)
        for other in range(MAX_SIZE + 2):
            if other != size:
                assert not verify_consistency(old_size, other, old_root, REF_ROOTS[other], proof)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(min_value=1, max_value=len(LEAVES)))
def test_larger_trees_against_the_definitions(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    old_size = data.draw(st.integers(min_value=0, max_value=size), label="old_size")
    tree_root = root(LEAVES.__getitem__, size)
    assert tree_root == ref_mth(LEAVES[:size])

    path = inclusion_proof(LEAVES, index, size)
    assert path == ref_path(index, LEAVES[:size])
    assert verify_inclusion(LEAVES[index], index, size, path, tree_root)

    proof = consistency_proof(LEAVES.__getitem__, old_size, size)
    assert proof == ref_proof(old_size, LEAVES[:size])
    assert verify_consistency(old_size, size, ref_mth(LEAVES[:old_size]), tree_root, proof)


# Cost, and what is refused.


def test_proofs_are_linear_and_the_cache_makes_them_logarithmic() -> None:
    size = 1024
    fetched: list[int] = []

    def fetch(index: int) -> bytes:
        fetched.append(index)
        return LEAVES[index]

    inclusion_proof(fetch, 3, size)
    assert len(fetched) == size - 1  # every leaf but the one proved, each read once
    fetched.clear()
    consistency_proof(fetch, 700, size)
    assert len(fetched) <= size

    cache: SubtreeCache = {}
    fetched.clear()
    for index in range(size):
        inclusion_proof(fetch, index, size, cache=cache)
    # Each leaf is read once to fill the cache, and once more as a sibling leaf.
    assert len(fetched) <= 2 * size
    assert len(cache) < size


def test_out_of_range_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="leaf index 8 is out of range: the tree has 8 leaves"):
        inclusion_proof(VECTOR_LEAVES, 8)
    with pytest.raises(ValueError, match="leaf index -1 is out of range"):
        inclusion_proof(VECTOR_LEAVES, -1)
    with pytest.raises(ValueError, match="leaf index 0 is out of range: the tree has 0 leaves"):
        inclusion_proof([], 0)
    with pytest.raises(ValueError, match="old tree size 9 is out of range: it must be between 0 and 8"):
        consistency_proof(VECTOR_LEAVES, 9)
    with pytest.raises(ValueError, match="old tree size -1 is out of range"):
        consistency_proof(VECTOR_LEAVES, -1)
    with pytest.raises(ValueError, match="tree size 9 is larger than the 8 leaf hashes given"):
        root(VECTOR_LEAVES, 9)
    with pytest.raises(ValueError, match="tree size -2 is negative"):
        root(VECTOR_LEAVES.__getitem__, -2)
    with pytest.raises(ValueError, match="a tree size is needed when the leaf hashes come from a callable"):
        root(VECTOR_LEAVES.__getitem__)
    with pytest.raises(ValueError, match=r"leaf hash 1 is 1 bytes, not 32: give leaf_hash\(entry\)"):
        root([VECTOR_LEAVES[0], LEAF_INPUTS[1]])


def test_degenerate_consistency() -> None:
    some_root = REF_ROOTS[5]
    assert consistency_proof(LEAVES, 0, 5) == consistency_proof(LEAVES, 5, 5) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, some_root, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, some_root, [])
    assert not verify_consistency(0, 5, some_root, some_root, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, some_root, [EMPTY_ROOT])
    assert verify_consistency(5, 5, some_root, some_root, [])
    assert not verify_consistency(5, 5, some_root, REF_ROOTS[4], [])
    assert not verify_consistency(5, 5, some_root, some_root, [EMPTY_ROOT])
    assert not verify_consistency(6, 5, some_root, some_root, [])
    assert not verify_consistency(-1, 5, EMPTY_ROOT, some_root, [])


def test_malformed_hashes_are_refused() -> None:
    proof = inclusion_proof(LEAVES, 2, 5)
    assert not verify_inclusion(LEAVES[2][:31], 2, 5, proof, REF_ROOTS[5])
    assert not verify_inclusion(LEAVES[2], 2, 5, proof, REF_ROOTS[5] + b"\x00")
    assert not verify_inclusion(LEAVES[2], 2, 5, [*proof[:-1], b""], REF_ROOTS[5])
    assert not verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)
    assert verify_inclusion(LEAVES[0], 0, 1, [], LEAVES[0])
