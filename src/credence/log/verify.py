"""`credence log verify`: re-derive the whole log from the store, check every checkpoint against it, and
check the store's records against what the log says of them.

Nothing stored is trusted: each entry's commitment is recomputed from its content and salt (where they
have not been erased) and, for a version-2 leaf, what it is about (its ref and organisation); its leaf
hash from its index, kind, time, public flag (version 2) and commitment; every stored subtree and the head
from those leaves; and every checkpoint's signature, origin and root. The entries are read in index order
in chunks and folded into the tree's right edge as they come (store.push), so memory stays flat at any
size. The answer names the first problem found in the log, by entry index or checkpoint number.

Entries with version-1 leaves (appended before migration 0011) do not commit to their public flag, ref or
organisation: migration 0011 sealed those in an entry of kind log.sealed, and each seal is checked against
the version-1 entries below it, a chunk of indices at a time.

As the entries pass, every record's entries are replayed (credence.log.records): then every stored record
is compared with what the log leaves of it (version, content, state, publication), and each that differs,
that no entry submitted, or that the log has and the store no longer has, is named.

The head is read once at the start and only entries below its size are checked, so a log that grows
while it is being verified is verified as it was then: an append never changes what lies below the head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, and_, or_, select

from credence.log import checkpoint, checkpoints, merkle, store
from credence.log import records as logged_records
from credence.store.models import LogEntry, LogNode, Organisation

CHUNK = 8192  # entries read per query; a power of two, so each chunk closes whole subtrees
CHECKPOINT_PAGE = 1000
SEAL_CHUNK = 8192  # version-1 entries are sealed in chunks of this many indices (migration 0011)

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
    v1: int = 0  # entries with version-1 leaves
    sealed: int = 0  # of which covered by a seal (migration 0011)
    unsealed: int = 0  # of which after the last seal: their public flag, ref and organisation unchecked
    records: int = 0  # stored records compared with the log
    records_erased: int = 0  # of which their content entry was erased: state and publication compared only
    record_problems: list[str] = field(default_factory=list)  # every record that differs, in id order
    reconciled: bool = False  # whether the records were compared (only once the log itself verifies)
    roots: dict[int, bytes] = field(default_factory=dict, repr=False)  # recomputed roots at checkpoints
    seals: dict[int, tuple[int, Any]] = field(default_factory=dict, repr=False)  # chunk -> (count, digest)
    sealing: int = field(default=-1, repr=False)  # the chunk whose lines are in seal_lines
    seal_lines: list[bytes] = field(default_factory=list, repr=False)
    last_at: Any = field(default=None, repr=False)  # the time of the entry before, and its stamp
    last_stamp: str = field(default="", repr=False)
    last_version: int = field(default=store.LEAF_VERSION, repr=False)  # the leaf version of the entry before

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.record_problems


def verify(
    conn: Connection,
    verifier_key_text: str,
    origin: str,
    progress: Progress | None = None,
    *,
    records: bool = True,
) -> Verification:
    """Check the log in the store against itself, its checkpoints against the verifier key, and (unless
    not `records`) the stored records against the log.

    A malformed verifier key raises CheckpointError before anything is read; every problem of the log
    itself is in the answer."""
    checkpoint.parse_verifier_key(verifier_key_text)
    sizes = {size for _, size in checkpoints.every(conn)}  # read before the head: never beyond it
    head = store.head(conn)
    result = Verification(size=head.size)
    result.roots = {0: merkle.EMPTY_ROOT} if 0 in sizes else {}
    replay = logged_records.Replay() if records else None
    frontier: list[bytes] = []
    if progress is not None:
        progress(0, head.size)
    while result.entries < head.size and result.problem is None:
        rows = conn.execute(
            select(
                LogEntry.idx,
                LogEntry.kind,
                LogEntry.at,
                LogEntry.ref,
                LogEntry.public,
                LogEntry.content,
                LogEntry.salt,
                LogEntry.commitment,
                LogEntry.leaf_hash,
                Organisation.key,
            )
            .outerjoin(Organisation, Organisation.id == LogEntry.organisation_id)
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
            if replay is not None:
                replay.apply(row.kind, row.ref, row.content)
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
    result.unsealed = result.v1 - result.sealed
    if result.problem is None and replay is not None:
        found = logged_records.reconcile(conn, replay)
        result.records, result.records_erased = found.records, found.erased
        result.record_problems = found.problems
        result.reconciled = True
    return result


def _entry_problem(result: Verification, row: Any) -> str | None:
    """Check one entry; count it erased if its content is gone."""
    index = row.idx
    if index != result.entries:
        return f"entry {result.entries}: missing (the next stored entry is {index})"
    committed, leaf, public = bytes(row.commitment), bytes(row.leaf_hash), bool(row.public)
    if row.at != result.last_at:  # the entries of an append share their time: its stamp is made once
        result.last_at, result.last_stamp = row.at, store.time_stamp(row.at)
    stamp = result.last_stamp
    version = store.leaf_version(index, row.kind, stamp, committed, public, leaf, result.last_version)
    if version is None:
        if store.entry_leaf_hash(index, row.kind, stamp, committed, not public) == leaf:
            marked, committed_to = ("public", "not being") if public else ("not public", "being")
            return f"entry {index}: it is marked {marked}, but its leaf commits to it {committed_to} public"
        return (
            f"entry {index}: its leaf hash does not match its index, kind, time, public flag and commitment"
        )
    erased = row.content is None or row.salt is None
    if erased:
        result.erased += 1
    elif version == 1:
        if store.commitment(bytes(row.salt), row.content.encode()) != committed:
            return f"entry {index}: its content does not match its commitment (SHA-256 of salt and content)"
    elif store.commitment(bytes(row.salt), row.content.encode(), store.about(row.ref, row.key)) != committed:
        return (
            f"entry {index}: its ref, organisation or content do not match its commitment "
            "(SHA-256 of salt, ref, organisation and content)"
        )
    result.last_version = version
    if version == 1:
        _seal_v1(result, row)
    elif row.kind == "log.sealed" and not erased:
        return _seal_problem(result, index, row.content)
    return None


def seal_line(index: int, public: bool, ref: str, organisation: str | None) -> bytes:
    """What a seal's digest covers of one version-1 entry (migration 0011 writes the same)."""
    return f"{index}\n{int(public)}\n{ref}\n{organisation or ''}\n".encode()


def _seal_v1(result: Verification, row: Any) -> None:
    """Fold a version-1 entry into its chunk's digest, for the seal that covers it (the lines of a chunk
    are hashed together when the next chunk starts, or a seal comes)."""
    result.v1 += 1
    chunk = row.idx // SEAL_CHUNK
    if chunk != result.sealing:
        _fold_seal_lines(result)
        result.sealing = chunk
    result.seal_lines.append(seal_line(row.idx, bool(row.public), row.ref, row.key))


def _fold_seal_lines(result: Verification) -> None:
    if result.seal_lines:
        count, digest = result.seals.get(result.sealing) or (0, hashlib.sha256())
        digest.update(b"".join(result.seal_lines))
        result.seals[result.sealing] = (count + len(result.seal_lines), digest)
        result.seal_lines = []


def _seal_problem(result: Verification, index: int, content: str) -> str | None:
    """Check a seal against the version-1 entries below it."""
    _fold_seal_lines(result)
    try:
        seal = orjson.loads(content)
        chunk = int(seal["chunk"])
        sealed = {int(c): (int(n), str(d)) for c, n, d in seal["digests"]}
    except (ValueError, KeyError, TypeError):
        return f"entry {index}: a seal whose content is not a seal's"
    if chunk != SEAL_CHUNK:
        return (
            f"entry {index}: a seal of chunks of {chunk} entries; this verifier reads chunks of {SEAL_CHUNK}"
        )
    recomputed = {c: (n, d.hexdigest()) for c, (n, d) in result.seals.items()}
    for number in sorted(set(sealed) | set(recomputed)):
        if sealed.get(number) != recomputed.get(number):
            first, last = number * chunk, min((number + 1) * chunk, index) - 1
            return (
                f"entries {first}..{last} (version-1 leaves): their public flags, refs or organisations "
                f"are not what entry {index} sealed"
            )
    result.sealed = result.v1
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
