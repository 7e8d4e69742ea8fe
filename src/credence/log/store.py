"""The transparency log in the store: appending decision events, tree heads and proofs from stored nodes.

An append runs in the caller's transaction, last, so that the event and its log entry commit together or
not at all. It locks the one head row (SELECT … FOR UPDATE on PostgreSQL; SQLite has one writer), takes
the next indices, and stores each entry, the hashes of the complete subtrees it closes, and the new right
edge of the tree: so indices have no gaps, the log no forks, and a root costs no reads beyond the head.

Only the subtrees of 2**NODE_LEVEL leaves or more are stored: a proof computes the smaller ones from at
most 2**NODE_LEVEL - 1 leaves, read in one range, and the log keeps an eighth of the rows it would keep
with every subtree (each a row as wide as an entry's hashes, written as the entries are).

Each entry's leaf (version 2) commits to its index, kind, time and whether it is public, and to a salted
commitment to what it is about and its content (SHA-256(salt || ref \n organisation \n || canonical
JSON)): the content stays in the store and may later be erased (repair, expiry) while the leaf still
proves the event happened; without the salt nobody can confirm a guess of it. Entries appended before
migration 0011 have version-1 leaves, which commit to the index, kind, time and SHA-256(salt || content)
only; they verify as they always did, and the migration sealed their public flags, refs and organisations
in one entry (kind log.sealed) with a version-2 leaf. An entry's version is the one its leaf hash matches.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from credence.log import merkle
from credence.store.db import Same, bulk_insert, bulk_insert_columns
from credence.store.models import LogEntry, LogHead, LogNode, Organisation

LEAF_PREFIX = b"credence-log-entry/v2\n"
LEAF_PREFIX_V1 = b"credence-log-entry/v1\n"  # entries appended before migration 0011
LEAF_VERSION = 2
HEAD_ID = 1
NODE_LEVEL = 4  # the smallest subtree stored has 2**NODE_LEVEL leaves

# Every kind of decision event the log takes; an append of any other kind is refused.
EVENT_KINDS: dict[str, str] = {
    "record.submitted": "a department submitted a record (new, or a new version)",
    "record.matching_refreshed": "a record's matching data (address, old codes) was replaced: a digest",
    "record.published": "a record's notice was delivered, so it is published and counts",
    "record.corrected": "a record was corrected (after an objection)",
    "record.withdrawn": "a record was withdrawn",
    "record.reinstated": "a withdrawn record was reinstated",
    "record.ended": "a record ended (its list entry expired, was cured or removed)",
    "record.expired": "a record left its publication period",
    "record.repaired": "a record was repaired: its publication and use ended",
    "objection.filed": "an objection was filed",
    "objection.extended": "an objection's answer period was extended on new information",
    "objection.answered": "an objection was answered, or lapsed",
    "repair.applied": "an organisation applied for credit repair",
    "repair.decided": "a credit repair was approved or refused",
    "notice.delivered": "a notice was delivered, or deemed delivered",
    "list.proposed": "an organisation was proposed for a list",
    "list.listed": "an organisation was put on a list",
    "list.delisted": "a list entry ended (expired, cured, removed, revoked, moved)",
    "list.step": "another step of a list entry (hearing, warning ...)",
    "measure.applied": "an incentive or discipline measure applied",
    "measure.lifted": "a measure was lifted",
    "commitment.made": "a credit commitment was made",
    "commitment.settled": "a commitment was marked kept or broken",
    "rating.changed": "an organisation's grade changed",
    "policy.changed": "the rating policy in force changed",
    "catalog.changed": "the catalog in force changed",
    "screening.changed": "the store was screened again under new catalog or screening rules",
    "refusal.prohibited_ground": "a department's submission was refused on a prohibited ground",
    "access.read": "a public body read an organisation's non-public data, for a stated purpose",
    "link.judged": "two subjects were judged the same organisation, not the same, or unsure (by a shared "
    "identifier, the model or a clerk)",
    "export.published": "a dated export of the registry's public data was written: its file name and SHA-256",
    "export.removed": "a dated export file was removed as older than the exports' retention: it is no "
    "longer published, and its export.published event stays",
    "log.sealed": "the log moved to version-2 leaves; what the version-1 entries before it do not commit to "
    "(each one's public flag, ref and organisation) is sealed here (migration 0011)",
}


class UnknownEventKind(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Event:
    """A decision event to append: what kind, what about (a reference such as record:123), its content
    (JSON values), and whether its content may be shown to anyone (published records' events)."""

    kind: str
    ref: str
    content: Mapping[str, Any]
    organisation_id: int | None = None
    public: bool = False


@dataclass
class Head:
    size: int
    frontier: list[bytes] = field(default_factory=list)  # roots of the complete subtrees, largest first

    @property
    def root(self) -> bytes:
        return fold(self.frontier)


def canonical(content: Mapping[str, Any]) -> bytes:
    """The canonical JSON of an event's content: sorted keys, no spaces, UTF-8; dates as ISO text."""
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)


def about(ref: str, organisation: str | None) -> bytes:
    """What an entry is about, as its version-2 commitment covers it: its ref and its organisation's key
    (empty for none), each ending in a newline."""
    return f"{ref}\n{organisation or ''}\n".encode()


def commitment(salt: bytes, content: bytes, about_: bytes = b"") -> bytes:
    """SHA-256(salt || about || content): version 2 with `about` (ref and organisation), version 1 without."""
    return hashlib.sha256(salt + about_ + content).digest()


def leaf_data(
    index: int,
    kind: str,
    at: datetime | str,
    commitment_: bytes,
    public: bool = False,
    version: int = LEAF_VERSION,
) -> bytes:
    """What a leaf is the RFC 9162 hash of: the entry's index, kind, UTC time, whether it is public (1 or
    0) and commitment; a version-1 leaf has no public flag."""
    stamp = at if isinstance(at, str) else time_stamp(at)
    if version == 1:
        return LEAF_PREFIX_V1 + f"{index}\n{kind}\n{stamp}\n{commitment_.hex()}\n".encode()
    return LEAF_PREFIX + f"{index}\n{kind}\n{stamp}\n{int(public)}\n{commitment_.hex()}\n".encode()


def time_stamp(at: datetime) -> str:
    """An entry's time as its leaf holds it: UTC, to the microsecond."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_leaf_hash(
    index: int,
    kind: str,
    at: datetime | str,
    commitment_: bytes,
    public: bool = False,
    version: int = LEAF_VERSION,
) -> bytes:
    return merkle.leaf_hash(leaf_data(index, kind, at, commitment_, public, version))


def leaf_version(
    index: int,
    kind: str,
    at: datetime | str,
    commitment_: bytes,
    public: bool,
    leaf: bytes,
    first: int = LEAF_VERSION,
) -> int | None:
    """The version of the leaf hash `leaf`, given what the entry says: 2 or 1, or None when it is neither
    (the entry or its public flag was changed). A version-2 leaf cannot pass for version 1, nor the other
    way round: the prefixes differ, and the leaf is what the tree and its checkpoints commit to. `first`
    is the version tried first (a run of entries has one version)."""
    stamp = at if isinstance(at, str) else time_stamp(at)
    for version in (first, 3 - first):
        if entry_leaf_hash(index, kind, stamp, commitment_, public, version) == leaf:
            return version
    return None


def fold(frontier: Sequence[bytes]) -> bytes:
    """The root of a tree from its right edge (its complete subtrees' roots, largest first)."""
    if not frontier:
        return merkle.EMPTY_ROOT
    value = frontier[-1]
    for left in reversed(frontier[:-1]):
        value = merkle.node_hash(left, value)
    return value


def push(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """Add the leaf at index `size` to the right edge, in place; return the complete subtrees it closes
    as (level, index at that level, hash)."""
    closed: list[tuple[int, int, bytes]] = []
    node, level, n = leaf, 0, size
    while n & 1:
        node = merkle.node_hash(frontier.pop(), node)
        level += 1
        n >>= 1
        closed.append((level, ((size + 1) >> level) - 1, node))
    frontier.append(node)
    return closed


def push_stored(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """push(), returning only the closed subtrees the store keeps (of 2**NODE_LEVEL leaves or more)."""
    return [node for node in push(frontier, size, leaf) if node[0] >= NODE_LEVEL]


_HEADS: Table = LogHead.__table__  # type: ignore[assignment]
_READ_HEAD = select(_HEADS.c.size, _HEADS.c.frontier).where(_HEADS.c.id == HEAD_ID)
_LOCK_HEAD = _READ_HEAD.with_for_update()
_MOVE_HEAD = (
    _HEADS.update()
    .where(_HEADS.c.id == HEAD_ID)
    .values(size=bindparam("size"), frontier=bindparam("frontier"), updated_at=bindparam("at"))
)


def head(conn: Connection, *, lock: bool = False) -> Head:
    """The log's size and right edge (locked for an append when `lock`)."""
    row = conn.execute(_LOCK_HEAD if lock else _READ_HEAD).first()
    if row is None and lock:
        _ensure_head(conn)
        row = conn.execute(_LOCK_HEAD).first()
    if row is None:
        return Head(0, [])
    data = bytes(row.frontier)
    return Head(row.size, [data[i : i + 32] for i in range(0, len(data), 32)])


def append(conn: Connection, events: Sequence[Event], at: datetime) -> range:
    """Append the events in the caller's transaction (call it last, just before commit); their indices."""
    for event in events:
        if event.kind not in EVENT_KINDS:
            raise UnknownEventKind(f"unknown log event kind '{event.kind}'")
    if not events:
        return range(0)
    organisations = _organisations(conn, {e.organisation_id for e in events if e.organisation_id is not None})
    current = head(conn, lock=True)
    start = current.size
    frontier = current.frontier
    n = len(events)
    # Every entry of an append shares its time, so its stamp is made once, and the salts are one read.
    stamp = time_stamp(at)
    salts = os.urandom(16 * n)
    contents: list[str] = []
    salt_column: list[bytes] = []
    public_column: list[bool] = []
    commitments: list[bytes] = []
    leaves: list[bytes] = []
    nodes: list[tuple[int, int, bytes]] = []
    for offset, event in enumerate(events):
        index = start + offset
        content = canonical(event.content)
        salt = salts[16 * offset : 16 * offset + 16]
        key, never_public = organisations.get(event.organisation_id, _NO_ORGANISATION)
        # Nothing about an organisation whose records are never public is public, whatever the caller says.
        public = event.public and not never_public
        committed = commitment(salt, content, about(event.ref, key))
        leaf = entry_leaf_hash(index, event.kind, stamp, committed, public)
        contents.append(content.decode())
        salt_column.append(salt)
        public_column.append(public)
        commitments.append(committed)
        leaves.append(leaf)
        nodes.extend(push_stored(frontier, index, leaf))
    bulk_insert_columns(
        conn,
        LogEntry.__table__,  # type: ignore[arg-type]
        {
            "idx": range(start, start + n),
            "kind": [e.kind for e in events],
            "at": Same(at),
            "ref": [e.ref for e in events],
            "organisation_id": [e.organisation_id for e in events],
            "public": public_column,
            "content": contents,
            "salt": salt_column,
            "commitment": commitments,
            "leaf_hash": leaves,
        },
        n,
    )
    bulk_insert(conn, LogNode.__table__, ("level", "idx", "hash"), nodes)  # type: ignore[arg-type]
    conn.execute(_MOVE_HEAD, {"size": start + len(events), "frontier": b"".join(frontier), "at": at})
    return range(start, start + len(events))


_NO_ORGANISATION: tuple[str | None, bool] = (None, False)


def _organisations(conn: Connection, ids: set[int]) -> dict[int | None, tuple[str | None, bool]]:
    """The key and never_public of each organisation an append names (read in the caller's transaction, so
    organisations it added are found). Plain SQL to the driver, as credence.log.proofs does: through
    SQLAlchemy's statement and result layers this read cost a single event's append a quarter more."""
    found: dict[int | None, tuple[str | None, bool]] = {}
    wanted = sorted(ids)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    table = conn.dialect.identifier_preparer.format_table(Organisation.__table__)
    if conn.dialect.name == "postgresql" and wanted:
        # One array parameter: an IN list of a chunk's thousands of ids cost PostgreSQL more to parse and
        # plan than the lookups themselves (2 of 34 s in an ingest of 100,000 rows).
        sql = f"SELECT id, key, never_public FROM {table} WHERE id = ANY(%s)"  # noqa: S608
        for id_, key, never_public in conn.exec_driver_sql(sql, (wanted,)).all():
            found[id_] = (key, bool(never_public))
        return found
    for first in range(0, len(wanted), 5000):
        part = wanted[first : first + 5000]
        sql = f"SELECT id, key, never_public FROM {table} WHERE id IN ({', '.join([mark] * len(part))})"  # noqa: S608
        for id_, key, never_public in conn.exec_driver_sql(sql, tuple(part)).all():
            found[id_] = (key, bool(never_public))
    return found


def _ensure_head(conn: Connection) -> None:
    insert: Any = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(LogHead)
    conn.execute(
        insert.values(id=HEAD_ID, size=0, frontier=b"", updated_at=datetime.now(UTC)).on_conflict_do_nothing()
    )


class StoredSubtrees(MutableMapping[tuple[int, int], bytes]):
    """merkle's subtree cache, read from log_nodes: complete subtrees come from the store (one row each),
    and what merkle computes is kept for the rest of the call only."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.computed: dict[tuple[int, int], bytes] = {}

    def __getitem__(self, key: tuple[int, int]) -> bytes:
        value = self.computed.get(key)
        if value is not None:
            return value
        start, end = key
        level = (end - start).bit_length() - 1
        if level < NODE_LEVEL:
            # Not stored: computed from its leaves, read in one range.
            leaves = self.conn.execute(
                select(LogEntry.leaf_hash)
                .where(LogEntry.idx >= start, LogEntry.idx < end)
                .order_by(LogEntry.idx)
            ).scalars()
            hashes = [bytes(h) for h in leaves]
            if len(hashes) != end - start:
                raise KeyError(key)
            value = self.computed[key] = merkle.root(hashes)
            return value
        found = self.conn.execute(
            select(LogNode.hash).where(LogNode.level == level, LogNode.idx == start >> level)
        ).scalar()
        if found is None:
            raise KeyError(key)
        return bytes(found)

    def __setitem__(self, key: tuple[int, int], value: bytes) -> None:
        self.computed[key] = value

    def __delitem__(self, key: tuple[int, int]) -> None:
        del self.computed[key]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.computed)

    def __len__(self) -> int:
        return len(self.computed)


def leaf_hash_at(conn: Connection, index: int) -> bytes:
    found = conn.execute(select(LogEntry.leaf_hash).where(LogEntry.idx == index)).scalar()
    if found is None:
        raise LookupError(f"the log has no entry {index}")
    return bytes(found)


def root_at(conn: Connection, size: int) -> bytes:
    """The root of the log's first `size` entries, from stored subtrees."""
    return merkle.root(lambda i: leaf_hash_at(conn, i), size, cache=StoredSubtrees(conn))


def inclusion_proof(conn: Connection, index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(lambda i: leaf_hash_at(conn, i), index, size, cache=StoredSubtrees(conn))


def consistency_proof(conn: Connection, old_size: int, size: int) -> list[bytes]:
    return merkle.consistency_proof(
        lambda i: leaf_hash_at(conn, i), old_size, size, cache=StoredSubtrees(conn)
    )
