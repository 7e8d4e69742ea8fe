"""The log's signed checkpoints in the store: signing the head now or at an interval, and reading them.

A checkpoint is made from the head under the head row's lock, so it is always a tree head the log really
had, and two made at once cannot interleave with an append. One of a size already signed is not made
again (unless forced): the interval job makes one only when the log has grown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from credence.clock import Clock
from credence.log import store
from credence.log.keys import LogSigner
from credence.store.models import LogCheckpoint


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as stored: its number (id), the tree head it signs, the signed note, when."""

    id: int
    size: int
    root: bytes
    note: str
    at: datetime


_COLUMNS = (LogCheckpoint.id, LogCheckpoint.size, LogCheckpoint.root, LogCheckpoint.note, LogCheckpoint.at)


def make_checkpoint(
    conn: Connection, signer: LogSigner, at: datetime, force: bool = False
) -> StoredCheckpoint:
    """Sign the log's current head and store the note, in the caller's transaction; when the latest
    checkpoint already signs this size, that one (unless `force`)."""
    head = store.head(conn, lock=True)
    last = latest(conn)
    if last is not None and last.size == head.size and not force:
        return last
    root = head.root
    note = signer.sign(head.size, root)
    new_id = conn.execute(
        insert(LogCheckpoint).values(size=head.size, root=root, note=note, at=at).returning(LogCheckpoint.id)
    ).scalar_one()
    return StoredCheckpoint(new_id, head.size, root, note, at)


def latest(conn: Connection) -> StoredCheckpoint | None:
    """The newest checkpoint, or None before the first."""
    return _one(conn.execute(select(*_COLUMNS).order_by(LogCheckpoint.id.desc()).limit(1)).first())


def at_size(conn: Connection, size: int) -> StoredCheckpoint | None:
    """The newest checkpoint of the log at `size` entries, if one was made."""
    query = select(*_COLUMNS).where(LogCheckpoint.size == size).order_by(LogCheckpoint.id.desc()).limit(1)
    return _one(conn.execute(query).first())


def by_id(conn: Connection, checkpoint_id: int) -> StoredCheckpoint | None:
    return _one(conn.execute(select(*_COLUMNS).where(LogCheckpoint.id == checkpoint_id)).first())


def page(conn: Connection, page: int, per_page: int) -> tuple[int, list[StoredCheckpoint]]:
    """(how many in all, one page of checkpoints), oldest first: the order a verifier walks them in."""
    total = conn.execute(select(func.count()).select_from(LogCheckpoint)).scalar_one()
    rows = conn.execute(
        select(*_COLUMNS).order_by(LogCheckpoint.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return total, [StoredCheckpoint(r.id, r.size, bytes(r.root), r.note, r.at) for r in rows]


def every(conn: Connection) -> list[tuple[int, int]]:
    """(id, size) of every checkpoint, oldest first."""
    return [
        (r.id, r.size)
        for r in conn.execute(select(LogCheckpoint.id, LogCheckpoint.size).order_by(LogCheckpoint.id))
    ]


def interval_job(engine: Engine, signer: LogSigner, clock: Clock) -> Callable[[], str]:
    """What the server runs every CREDENCE_CHECKPOINT_INTERVAL_SECONDS: a checkpoint when the log grew."""

    def run() -> str:
        with engine.begin() as conn:
            before = latest(conn)
            made = make_checkpoint(conn, signer, clock.now())
        if before is not None and made.id == before.id:
            return f"checkpoint #{made.id} still signs the log's {made.size} entries"
        return f"checkpoint #{made.id} signed at {made.size} entries"

    return run


def _one(row: Any) -> StoredCheckpoint | None:
    if row is None:
        return None
    return StoredCheckpoint(row.id, row.size, bytes(row.root), row.note, row.at)
