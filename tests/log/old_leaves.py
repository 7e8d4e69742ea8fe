"""Entries as revision 0010's code appended them: version-1 leaves, which commit to an entry's index, kind,
time and SHA-256(salt || content), but not to whether it is public, its ref or its organisation."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, update

from credence.log import merkle, store
from credence.store.models import LogEntry, LogHead, LogNode


def append_v1(conn: Connection, events: Sequence[store.Event], at: datetime) -> range:
    current = store.head(conn, lock=True)
    frontier = current.frontier
    for offset, event in enumerate(events):
        index = current.size + offset
        content = store.canonical(event.content)
        salt = os.urandom(16)
        committed = hashlib.sha256(salt + content).digest()
        data = f"credence-log-entry/v1\n{index}\n{event.kind}\n{store.time_stamp(at)}\n{committed.hex()}\n"
        leaf = merkle.leaf_hash(data.encode())
        conn.execute(
            insert(LogEntry).values(
                idx=index,
                kind=event.kind,
                at=at,
                ref=event.ref,
                organisation_id=event.organisation_id,
                public=event.public,
                content=content.decode(),
                salt=salt,
                commitment=committed,
                leaf_hash=leaf,
            )
        )
        for level, idx, value in store.push_stored(frontier, index, leaf):
            conn.execute(insert(LogNode).values(level=level, idx=idx, hash=value))
    size = current.size + len(events)
    conn.execute(update(LogHead).values(size=size, frontier=b"".join(frontier), updated_at=at))
    return range(current.size, size)
