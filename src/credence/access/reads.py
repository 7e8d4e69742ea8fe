"""Purpose-bound reads: every read of an organisation's non-public data names a purpose from the fixed
list, and is kept (who, which organisation, which purpose, when, what) and appended to the transparency
log in the same transaction, so the organisation sees who read its file and nobody can deny a read."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from credence.access.principal import PURPOSES, Principal
from credence.clock import Clock
from credence.i18n import _
from credence.log import store as log
from credence.store.db import bulk_insert
from credence.store.models import AccessRead


class UnknownPurpose(ValueError):
    pass


def check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        # what was typed is not repeated: it may be a person's data
        raise UnknownPurpose(
            _("purpose: this is not a purpose; choose one of %(purposes)s", purposes=", ".join(PURPOSES))
        )
    return purpose


@dataclass(frozen=True, slots=True)
class Read:
    principal: Principal
    organisation_id: int
    purpose: str
    what: str


def record_read(
    conn: Connection, principal: Principal, organisation_id: int, purpose: str, what: str, now: datetime
) -> None:
    """Keep one read and log it, in the caller's transaction."""
    record_reads(conn, [Read(principal, organisation_id, check_purpose(purpose), what)], now)


def record_reads(conn: Connection, batch: Sequence[Read], now: datetime) -> None:
    """Keep reads and append them to the log with one append, in the caller's transaction."""
    for read in batch:
        check_purpose(read.purpose)
    if not batch:
        return
    bulk_insert(
        conn,
        AccessRead.__table__,  # type: ignore[arg-type]
        ("organisation_id", "at", "actor", "role", "department", "purpose", "what"),
        [
            (r.organisation_id, now, r.principal.actor, r.principal.role.value, r.principal.department,
             r.purpose, r.what)
            for r in batch
        ],
    )  # fmt: skip
    events = [
        log.Event(
            "access.read",
            f"organisation:{r.organisation_id}",
            {
                "organisation_id": r.organisation_id,
                "actor": r.principal.actor,
                "role": r.principal.role.value,
                "purpose": r.purpose,
                "what": r.what,
            },
            r.organisation_id,
        )
        for r in batch
    ]
    log.append(conn, events, now)


GATHER_SECONDS = 0.002


class ReadRecorder:
    """Keeps reads for a server, committing them in groups: a request's read is committed before its
    answer leaves (no non-public record goes out without its entry), and reads arriving while one commit
    is under way go together in the next, with one log append.

    The first request finding no commit under way commits everything waiting (its own read with it); the
    others wait for that commit, and one whose read is still waiting afterwards leads the next. So writers
    never queue on the database's lock (SQLite's busy wait sleeps in steps of milliseconds), and a busy
    server commits once per group instead of once per read. Requests that will keep a read say so when
    they start (`expecting`); a commit about to start waits up to 2 ms for those still reading, as
    PostgreSQL's commit_delay waits for commit_siblings. With one request at a time nobody waits.
    """

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._cond = threading.Condition()
        self._waiting: list[tuple[Read, Future[None]]] = []
        self._committing = False
        self._expected = 0  # requests under way that will keep a read (see expecting)

    @contextmanager
    def expecting(self) -> Iterator[None]:
        """Around a request that will keep a read: a commit about to start waits a moment (at most
        GATHER_SECONDS) for the reads of such requests still under way, so that they share it."""
        with self._cond:
            self._expected += 1
        try:
            yield
        finally:
            with self._cond:
                self._expected -= 1
                self._cond.notify_all()

    def record(self, principal: Principal, organisation_id: int, purpose: str, what: str) -> None:
        """Keep one read; returns once it is committed (raises what the commit raised)."""
        done: Future[None] = Future()
        read = Read(principal, organisation_id, check_purpose(purpose), what)
        with self._cond:
            self._waiting.append((read, done))
            self._cond.notify_all()
            while self._committing and not done.done():
                self._cond.wait()
            if done.done():
                done.result()
                return
            self._committing = True
            deadline = time.monotonic() + GATHER_SECONDS
            while self._expected > len(self._waiting) and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            group, self._waiting = self._waiting, []
        try:
            with self.engine.begin() as conn:
                record_reads(conn, [r for r, _ in group], self.clock.now())
        except BaseException as exc:
            for _, future in group:
                future.set_exception(exc)
        else:
            for _, future in group:
                future.set_result(None)
        finally:
            with self._cond:
                self._committing = False
                self._cond.notify_all()
        done.result()


def reads_of(conn: Connection, organisation_id: int, limit: int = 100) -> list[Any]:
    """The organisation's file's reads, newest first."""
    return list(
        conn.execute(
            select(AccessRead)
            .where(AccessRead.organisation_id == organisation_id)
            .order_by(AccessRead.id.desc())
            .limit(limit)
        )
    )


def all_reads(conn: Connection, limit: int = 100, before: int | None = None) -> list[Any]:
    """Every read, newest first (the auditor's view)."""
    query = select(AccessRead).order_by(AccessRead.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AccessRead.id < before)
    return list(conn.execute(query))
