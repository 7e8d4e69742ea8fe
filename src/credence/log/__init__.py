"""The transparency log's pure core (RFC 9162): the Merkle tree over log entries and its proofs.

Nothing here touches the store; `merkle` works on leaf hashes handed to it.
"""
