"""The change feed: the log's entries in index order for those who copy the registry, and what each
consumer acknowledged having applied.

The feed is the log itself, read from an index on, so it is ordered, resumable and the same sequence
everywhere. Every entry shows its index, kind, time, commitment, whether it is public, its leaf hash and
its leaf's version (the leaf hash follows from the others and tells nothing more); only a public entry
also shows what it is about and its content with the salt, so anyone can check them against the
commitment. Nothing of an entry that is not public leaks, nor of any organisation whose records are never
public.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from credence.log import store
from credence.store.models import FeedConsumer, LogEntry, Organisation

MAX_LIMIT = 1000
LEAF_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # an entry's time (UTC) as its leaf holds it: store.leaf_data


@dataclass(frozen=True)
class Change:
    """One log entry as the feed shows it; ref, organisation, content and salt only when public."""

    index: int
    kind: str
    at: datetime
    commitment: bytes
    leaf_hash: bytes
    public: bool
    leaf_version: int = store.LEAF_VERSION  # 1 for entries appended before migration 0011
    ref: str | None = None
    organisation: str | None = None  # the organisation's key, e.g. uscc:91110000600037341L
    content: str | None = None  # canonical JSON; None once erased
    salt: bytes | None = None


@dataclass(frozen=True)
class Consumer:
    """A consumer of the feed, how far it acknowledged, and how far behind the log that is."""

    name: str
    acked: int  # the last index applied; -1 before the first acknowledgement
    acked_at: datetime | None
    size: int  # the log's size when read

    @property
    def behind(self) -> int:
        return max(self.size - 1 - self.acked, 0)


class AckRefused(ValueError):
    """An acknowledgement that cannot be taken; `field` names the part of the request at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_ENTRIES = select(
    LogEntry.idx,
    LogEntry.kind,
    LogEntry.at,
    LogEntry.commitment,
    LogEntry.leaf_hash,
    LogEntry.public,
    LogEntry.ref,
    LogEntry.content,
    LogEntry.salt,
    Organisation.key,
    Organisation.never_public,
).outerjoin(Organisation, Organisation.id == LogEntry.organisation_id)


def changes(conn: Connection, after: int, limit: int) -> tuple[list[Change], int]:
    """Up to `limit` entries with an index above `after`, in order, and the log's size."""
    size = store.head(conn).size
    rows = conn.execute(
        _ENTRIES.where(LogEntry.idx > after, LogEntry.idx < size)
        .order_by(LogEntry.idx)
        .limit(min(limit, MAX_LIMIT))
    ).all()
    return [_change(r) for r in rows], size


def about(
    conn: Connection,
    refs: Collection[str],
    *,
    kinds: Collection[str] | None = None,
    after: int = -1,
    limit: int | None = None,
    reveal: bool = False,
    public: bool = False,
) -> list[Change]:
    """The entries about these refs (such as record:17), in index order, of these kinds when given (by the
    index on ref); only the public ones when `public`. As the feed shows them; with `reveal`, with what
    they are about, their content and salt whatever their publicity, for a caller who may see the record
    they concern."""
    if not refs:
        return []
    size = store.head(conn).size
    query = _ENTRIES.where(LogEntry.ref.in_(sorted(set(refs))), LogEntry.idx > after, LogEntry.idx < size)
    if public:
        query = query.where(
            LogEntry.public.is_(True),
            or_(Organisation.never_public.is_(None), Organisation.never_public.is_(False)),
        )
    query = query.order_by(LogEntry.idx)
    if kinds is None:
        query = query if limit is None else query.limit(limit)
        return [_change(r, reveal=reveal) for r in conn.execute(query)]
    # The kinds are picked here, not in the query: with them there, SQLite read the index on kind, every
    # entry of those kinds, instead of the few about these refs (a page of records took 100 ms, not 2).
    found = [_change(r, reveal=reveal) for r in conn.execute(query) if r.kind in kinds]
    return found if limit is None else found[:limit]


def entry(conn: Connection, index: int) -> Change | None:
    """The entry at `index` as the feed shows it, or None if the log has no such entry."""
    found, _ = changes(conn, index - 1, 1)
    return found[0] if found and found[0].index == index else None


def _change(row: Any, *, reveal: bool = False) -> Change:
    shown = bool(row.public) and not row.never_public
    committed, leaf = bytes(row.commitment), bytes(row.leaf_hash)
    # The version of the leaf, as the entry's own leaf hash says. An entry changed in the store matches
    # neither: it is given as version 1 when its commitment is a version-1 one, else as version 2 (either
    # way a verifier finds that it does not match).
    version = store.leaf_version(row.idx, row.kind, row.at, committed, bool(row.public), leaf)
    if version is None and row.content is not None and row.salt is not None:
        version = 1 if store.commitment(bytes(row.salt), row.content.encode()) == committed else None
    common: dict[str, Any] = {
        "index": row.idx,
        "kind": row.kind,
        "at": row.at,
        "commitment": committed,
        "leaf_hash": leaf,
        "public": shown,
        "leaf_version": version or store.LEAF_VERSION,
    }
    if not shown and not reveal:
        return Change(**common)
    erased = row.content is None or row.salt is None
    return Change(
        **common,
        ref=row.ref,
        organisation=row.key,
        content=None if erased else row.content,
        salt=None if erased else bytes(row.salt),
    )


def ack(conn: Connection, consumer: str, index: int, at: datetime) -> Consumer:
    """Record that `consumer` applied every entry up to `index`, in the caller's transaction. Refused
    (AckRefused, nothing changed) beyond the log's last entry or below what it acknowledged before."""
    name = consumer.strip()
    if not name or name != consumer:
        raise AckRefused("consumer", "the consumer's name is blank or starts or ends with spaces")
    if len(name) > 100:
        raise AckRefused("consumer", f"the consumer's name is {len(name)} characters long; at most 100")
    size = store.head(conn).size
    if not 0 <= index < size:
        last = f"its last entry is {size - 1}" if size else "it has no entries yet"
        raise AckRefused("index", f"index {index} is not an entry of the log: {last}")
    # The row exists (made at -1) and is locked before it is read, so two acknowledgements at once queue.
    new: Any = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(FeedConsumer)
    conn.execute(new.values(name=name, acked=-1, acked_at=None).on_conflict_do_nothing())
    acked = conn.execute(
        select(FeedConsumer.acked).where(FeedConsumer.name == name).with_for_update()
    ).scalar_one()
    if index < acked:
        raise AckRefused(
            "index",
            f"consumer {name!r} already acknowledged entry {acked}; an acknowledgement never goes back "
            f"(to apply entries again, read the feed again from an earlier index)",
        )
    conn.execute(update(FeedConsumer).where(FeedConsumer.name == name).values(acked=index, acked_at=at))
    return Consumer(name, index, at, size)


def consumers(conn: Connection) -> list[Consumer]:
    """Every consumer of the feed, the furthest behind first."""
    size = store.head(conn).size
    rows = conn.execute(select(FeedConsumer.name, FeedConsumer.acked, FeedConsumer.acked_at)).all()
    found = [Consumer(r.name, r.acked, r.acked_at, size) for r in rows]
    return sorted(found, key=lambda c: (-c.behind, c.name))
