"""The transparency log's pure core: the RFC 9162 Merkle tree over log entries and its proofs (`merkle`),
and C2SP signed checkpoints of its head, signed with Ed25519 (`checkpoint`).

Nothing here touches the store yet; `merkle` works on leaf hashes handed to it.
"""
