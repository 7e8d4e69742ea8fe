"""The transparency log: every decision event, appended to an RFC 9162 Merkle tree kept in the store, with
signed checkpoints anyone can verify (docs/log-verification.md).

The pure core: the tree and its proofs (`merkle`), C2SP signed checkpoints with Ed25519 (`checkpoint`).
In the store: appends, heads and proofs (`store`; `proofs` reads a proof's nodes in one query), the
decision events the services queue (`events`), signed checkpoints (`checkpoints`) and their key (`keys`),
the change feed and its consumers (`feed`). Verification: from the store (`verify`) and of a running
registry from outside, through its API (`remote`).
"""
