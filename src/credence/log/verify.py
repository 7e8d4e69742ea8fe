"""`credence log verify`: re-derive the whole log from the store and check every checkpoint against it.

Nothing stored is trusted: each entry's commitment is recomputed from its content and salt (where they
have not been erased), its leaf hash from its index, kind, time and commitment, every stored subtree and
the head from those leaves, and every checkpoint's signature, origin and root. The entries are read in
index order in chunks and folded into the tree's right edge as they come (store.push), so memory stays
flat at any size. The answer names the first problem found, by entry index or checkpoint number.

The head is read once at the start and only entries below its size are checked, so a log that grows
while it is being verified is verified as it was then: an append never changes what lies below the head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from credence.log import checkpoint, checkpoints, merkle, store
from credence.store.models import LogEntry, LogNode

CHUNK = 8192  # entries read per query; a power of two, so each chunk closes whole subtrees
CHECKPOINT_PAGE = 1000

Progress = Callable[[int, int], object]  # (entries checked, entries to check)


@dataclass
class Verification:
    """What `verify` found: counts of what it checked, and the first problem (None when all is well)."""

    size: int = 0  # the head's size: the entries to check
    entries: int = 0  # entries checked
    erased: int = 0  # entries whose content and salt were erased (repair, expiry): not recomputable
    nodes: int = 0  # stored subtree hashes compared
    checkpoints: int = 0  # checkpoints checked
    root: bytes = merkle.EMPTY_ROOT  # the recomputed root of the log's `size` entries
    problem: str | None = None
    roots: dict[int, bytes] = field(default_factory=dict, repr=False)  # recomputed roots at checkpoints

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    conn: Connection, verifier_key_text: str, origin: str, progress: Progress | None = None
) -> Verification:
    """Check the log in the store against itself and its checkpoints against the verifier key.

    A malformed verifier key raises CheckpointError before anything is read; every problem of the log
    itself is in the answer."""
    checkpoint.parse_verifier_key(verifier_key_text)
    sizes = {size for _, size in checkpoints.every(conn)}  # read before the head: never beyond it
    head = store.head(conn)
    result = Verification(size=head.size)
    result.roots = {0: merkle.EMPTY_ROOT} if 0 in sizes else {}
    frontier: list[bytes] = []
    if progress is not None:
        progress(0, head.size)
    while result.entries < head.size and result.problem is None:
        rows = conn.execute(
            select(
                LogEntry.idx,
                LogEntry.kind,
                LogEntry.at,
                LogEntry.content,
                LogEntry.salt,
                LogEntry.commitment,
                LogEntry.leaf_hash,
            )
            .where(LogEntry.idx >= result.entries, LogEntry.idx < head.size)
            .order_by(LogEntry.idx)
            .limit(CHUNK)
        ).all()
        if not rows:
            result.problem = (
                f"entry {result.entries}: missing (the head says the log has {head.size} entries)"
            )
            break
        closed: list[tuple[int, int, bytes]] = []
        entry_problem = None
        for row in rows:
            entry_problem = _entry_problem(result, row)
            if entry_problem is not None:
                break
            leaf = bytes(row.leaf_hash)
            closed.extend(store.push_stored(frontier, row.idx, leaf))
            result.entries += 1
            if result.entries in sizes:
                result.roots[result.entries] = store.fold(frontier)
        # A subtree closed before the bad entry covers earlier entries: it is the first problem if wrong.
        result.problem = _node_problem(conn, result, closed) or entry_problem
        if progress is not None:
            progress(result.entries, head.size)
    if result.problem is None:
        result.root = store.fold(frontier)
        if frontier != head.frontier:
            result.problem = (
                f"the log's head: its stored root does not match the root of its {head.size} entries"
            )
    if result.problem is None:
        result.problem = _checkpoint_problem(conn, result, verifier_key_text, origin)
    return result


def _entry_problem(result: Verification, row: Any) -> str | None:
    """Check one entry; count it erased if its content is gone."""
    index = row.idx
    if index != result.entries:
        return f"entry {result.entries}: missing (the next stored entry is {index})"
    committed = bytes(row.commitment)
    if row.content is not None and row.salt is not None:
        if store.commitment(bytes(row.salt), row.content.encode()) != committed:
            return f"entry {index}: its content does not match its commitment (SHA-256 of salt and content)"
    else:
        result.erased += 1
    if store.entry_leaf_hash(index, row.kind, row.at, committed) != bytes(row.leaf_hash):
        return f"entry {index}: its leaf hash does not match its index, kind, time and commitment"
    return None


def _node_problem(conn: Connection, result: Verification, closed: list[tuple[int, int, bytes]]) -> str | None:
    """Compare the subtrees the entries closed with the stored ones (the proofs are made of those)."""
    if not closed:
        return None
    stored = _stored_nodes(conn, closed)
    for level, idx, value in closed:
        first, last = idx << level, ((idx + 1) << level) - 1
        found = stored.get((level, idx))
        if found is None:
            return f"entries {first}..{last}: the stored hash of their subtree (level {level}) is missing"
        if found != value:
            return (
                f"entries {first}..{last}: the stored hash of their subtree (level {level}) does not "
                "match these entries"
            )
        result.nodes += 1
    return None


def _stored_nodes(conn: Connection, closed: Iterable[tuple[int, int, bytes]]) -> dict[tuple[int, int], bytes]:
    """The stored subtree hashes at the positions given: one range of the primary key per level."""
    ranges: dict[int, tuple[int, int]] = {}
    for level, idx, _ in closed:
        low, high = ranges.get(level, (idx, idx))
        ranges[level] = (min(low, idx), max(high, idx))
    wanted = or_(*(and_(LogNode.level == lv, LogNode.idx.between(lo, hi)) for lv, (lo, hi) in ranges.items()))
    rows = conn.execute(select(LogNode.level, LogNode.idx, LogNode.hash).where(wanted))
    return {(r.level, r.idx): bytes(r.hash) for r in rows}


def _checkpoint_problem(conn: Connection, result: Verification, key: str, origin: str) -> str | None:
    """Check every checkpoint, oldest first: signature, origin, the stored columns, the root."""
    number = 1
    while True:
        _, found = checkpoints.page(conn, number, CHECKPOINT_PAGE)
        for stored in found:
            problem = _one_checkpoint(result, stored, key, origin)
            if problem is not None:
                return problem
            result.checkpoints += 1
        if len(found) < CHECKPOINT_PAGE:
            return None
        number += 1


def _one_checkpoint(
    result: Verification, stored: checkpoints.StoredCheckpoint, key: str, origin: str
) -> str | None:
    name = f"checkpoint #{stored.id}"
    try:
        checkpoint.verify_note(stored.note, key)
    except checkpoint.CheckpointError as exc:
        return f"{name}: signature does not verify: {exc}"
    try:
        signed = checkpoint.open_note(stored.note, key)
    except checkpoint.CheckpointError as exc:
        return f"{name}: its note is not a checkpoint: {exc}"
    name = f"{name} (size {signed.size})"
    if signed.origin != origin:
        return f"{name}: it is of the log {signed.origin!r}, not of this log {origin!r}"
    if (signed.size, signed.root) != (stored.size, stored.root):
        return f"{name}: the size and root stored with it differ from its signed note"
    if signed.size > result.size:
        return f"{name}: the log has only {result.size} entries (entries were removed, or the log forked)"
    if result.roots.get(signed.size) != signed.root:
        return f"{name}: root differs from the log's root at {signed.size}"
    return None
