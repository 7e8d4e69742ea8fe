"""Decision events for the transparency log: built here from the rows the services already hold, queued
in the transaction that takes the decision, and appended by the owner of that transaction, last.

A decision is often taken several calls deep (a repair ends a list entry, which ends its record and
re-rates the organisation), and the log's head row should be locked only for the moment before commit.
So a step `note`s its events on the connection, and whoever began the transaction `flush`es them with
one append just before it commits. Events are queued per transaction: a transaction that rolls back takes
its queued events with it, and committing one that still holds queued events is refused (the decision
would otherwise be stored without its log entry): every engine checks this at commit, from this module.

`public` is True only for what anyone may already read: a published record (its notice delivered, of a
public category, within its publication period, not a sole proprietor's), the public list entry built on
one, the measures that entry brings, an organisation's grade (shown on its public profile), and the
catalog and policy. Everything else is False.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Engine, Table, event, select
from sqlalchemy.engine import Transaction

from credence.log.store import Event, append, head
from credence.store.models import LogEntry, Organisation

_QUEUE = "credence.log.pending"  # key in the connection's info: (transaction, queued events)
_organisations: Table = Organisation.__table__  # type: ignore[assignment]
_entries: Table = LogEntry.__table__  # type: ignore[assignment]


class UnloggedDecision(RuntimeError):
    """A transaction tried to commit decision events it never appended to the log."""


# -- the queue ---------------------------------------------------------------------------------------------


def note(conn: Connection, *events: Event) -> None:
    """Queue events in the caller's transaction, for its owner to append with `flush`."""
    note_all(conn, events)


def note_all(conn: Connection, events: Iterable[Event]) -> None:
    queued = _queue(conn)
    queued.extend(events)


def flush(conn: Connection, at: datetime) -> range:
    """Append every event queued in this transaction, in the order noted (call it last, just before
    commit); their log indices."""
    found = conn.info.pop(_QUEUE, None)
    if found is None or found[0] is not conn.get_transaction():
        return range(0)
    return append(conn, found[1], at)


def _queue(conn: Connection) -> list[Event]:
    transaction = conn.get_transaction()
    if transaction is None:
        raise RuntimeError("decision events are noted inside a transaction")
    found: tuple[Transaction, list[Event]] | None = conn.info.get(_QUEUE)
    if found is not None and found[0] is transaction:
        return found[1]
    queued: list[Event] = []
    conn.info[_QUEUE] = (transaction, queued)
    return queued


@event.listens_for(Engine, "commit")
def _refuse_unlogged(conn: Connection) -> None:
    found = conn.info.get(_QUEUE)
    if found is not None and found[0] is conn.get_transaction() and found[1]:
        conn.info.pop(_QUEUE, None)
        kinds = ", ".join(sorted({e.kind for e in found[1]}))
        raise UnloggedDecision(
            f"a transaction tried to commit {len(found[1])} decision event(s) ({kinds}) without "
            "appending them to the log: nothing was committed"
        )


@event.listens_for(Engine, "rollback")
def _drop_queue(conn: Connection) -> None:
    # An invalidated connection (one that Ctrl-C or a lost server cut inside a statement) has no info to
    # read, and asking raised PendingRollbackError over the error that ended the transaction.
    if not conn.invalidated:
        conn.info.pop(_QUEUE, None)


def public_organisations(conn: Connection, organisation_ids: Sequence[int]) -> set[int]:
    """Those of these organisations with a public profile (an identifier, not a sole proprietor): their
    grade is shown to anyone."""
    found: set[int] = set()
    ids = sorted(set(organisation_ids))
    for start in range(0, len(ids), 5000):
        found.update(
            conn.execute(
                select(_organisations.c.id).where(
                    _organisations.c.id.in_(ids[start : start + 5000]),
                    _organisations.c.code.is_not(None),
                    _organisations.c.never_public.is_(False),
                )
            ).scalars()
        )
    return found


# -- events from rows --------------------------------------------------------------------------------------


def about_record(kind: str, record: Any, *, public: bool, **content: Any) -> Event:
    """An event about a record (a records row), naming it and the version it concerns."""
    return Event(
        kind,
        f"record:{record.id}",
        {
            "department": record.department,
            "source_record_id": record.source_record_id,
            "version": record.current_version,
            **content,
        },
        record.organisation_id,
        public,
    )


def submitted(
    kind: str,
    record_id: int,
    department: str,
    source_record_id: str,
    category: str,
    version: int,
    content_hash: str,
    batch_id: int,
    organisation_id: int,
    public: bool,
) -> Event:
    """A record submitted (or corrected): which version of what content, from which submission. Built per
    stored row on the ingest path, so kept to one dict."""
    return Event(
        kind,
        f"record:{record_id}",
        {
            "department": department,
            "source_record_id": source_record_id,
            "category": category,
            "version": version,
            "content_hash": content_hash,
            "batch_id": batch_id,
        },
        organisation_id,
        public,
    )


def matching_refreshed(
    record_id: int, department: str, batch_id: int, organisation_id: int, matching: tuple[str | None, ...]
) -> Event:
    """A record's matching data replaced in place by a later submission (not content: no new version).
    Private, and a digest only: the values are never published, nor kept in the log."""
    digest = hashlib.sha256(orjson.dumps(list(matching))).hexdigest()
    return Event(
        "record.matching_refreshed",
        f"record:{record_id}",
        {"department": department, "batch_id": batch_id, "matching_hash": digest},
        organisation_id,
        False,
    )


def about_row(kind: str, table: str, row: Any, record: Any, *, public: bool, **content: Any) -> Event:
    """An event about an objection or repair (`table` names it), with the record it concerns."""
    return Event(
        kind,
        f"{table}:{row.id}",
        {
            "record_id": record.id,
            "department": record.department,
            "source_record_id": record.source_record_id,
            "version": record.current_version,
            **content,
        },
        record.organisation_id,
        public,
    )


def about_entry(kind: str, entry: Any, *, public: bool = False, **content: Any) -> Event:
    """An event about a list entry (a list_entries row as it stands after the step)."""
    return Event(
        kind,
        f"list_entry:{entry.id}",
        {
            "list": entry.list,
            "criterion": entry.criterion,
            "department": entry.department,
            "state": entry.state,
            **content,
        },
        entry.organisation_id,
        public,
    )


def about_measures(
    kind: str,
    ref: str,
    organisation_id: int,
    codes: Sequence[str],
    trigger: str,
    public: bool,
    **content: Any,
) -> Event:
    """Measures brought into force or lifted together by one trigger ("list serious_dishonesty", "grade
    D"): the measures are derived from their trigger, so this step is where they start or end."""
    return Event(kind, ref, {"measures": list(codes), "trigger": trigger, **content}, organisation_id, public)


def about_notice(kind: str, notice: Any, **content: Any) -> Event:
    return Event(
        kind,
        f"notice:{notice.id}",
        {
            "kind": notice.kind,
            "department": notice.department,
            "record_id": notice.record_id,
            "list_entry_id": notice.list_entry_id,
            **content,
        },
        notice.organisation_id,
        False,
    )


def about_commitment(kind: str, commitment: Any, **content: Any) -> Event:
    return Event(
        kind,
        f"commitment:{commitment.id}",
        {
            "department": commitment.department,
            "template": commitment.template,
            "state": commitment.state,
            **content,
        },
        commitment.organisation_id,
        False,
    )


def refused(department: str, ground: str, channel: str, field: str | None, **content: Any) -> Event:
    """A submission refused on a prohibited ground: who submitted it, by which channel, which ground.
    Public, so anyone can see which departments tried; the refused text is never kept, and no
    organisation is named."""
    return Event(
        "refusal.prohibited_ground",
        f"department:{department}",
        {"department": department, "ground": ground, "channel": channel, "field": field, **content},
        None,
        True,
    )


def grade_changed(change: Mapping[str, Any], public: bool) -> Event:
    """A rating_history row as an event. Its cause is left out of a public event: it may name a record
    that only public bodies may see."""
    content = {
        "from": change["old_grade"],
        "to": change["new_grade"],
        "score": change["score"],
        "as_of": change["as_of"],
        "policy_version": change["policy_version"],
    }
    if not public:
        content["cause"] = change["cause"]
    organisation_id = int(change["organisation_id"])
    return Event("rating.changed", f"organisation:{organisation_id}", content, organisation_id, public)


# -- the rules in force --------------------------------------------------------------------------------------


class Versioned(Protocol):
    """Rules logged when they change (the catalog): a version and the SHA-256 of their file."""

    @property
    def version(self) -> str: ...

    @property
    def sha256(self) -> str: ...


def note_rules(engine: Engine, catalog: Versioned, policy: Any, at: datetime) -> range:
    """Append policy.changed and catalog.changed when the rating policy's or the catalog's SHA-256 differs
    from the last one logged (the first time, both). Returns the indices appended."""
    with engine.begin() as conn:
        note_rules_in(conn, catalog, policy)
        return flush(conn, at)


def note_rules_in(conn: Connection, catalog: Versioned, policy: Any) -> None:
    """note_rules in the caller's transaction: queue what changed, for its owner to flush. The log's head
    is locked first, so two processes starting with the same new policy log it once."""
    head(conn, lock=True)  # the lock every append takes, taken early
    rules = (
        ("policy.changed", f"policy:{policy.version}", policy.version, policy.sha256),
        ("catalog.changed", f"catalog:{catalog.version}", catalog.version, catalog.sha256),
    )
    for kind, ref, version, sha256 in rules:
        if last_field(conn, kind, "sha256") != sha256:
            note(conn, Event(kind, ref, {"version": version, "sha256": sha256}, None, True))


def last_field(conn: Connection, kind: str, name: str) -> str | None:
    """A field of the last logged event of this kind (the index on kind and index finds it at once), or
    None: which rules were logged last, which rules the last audit of grounds ran with."""
    content = conn.execute(
        select(_entries.c.content).where(_entries.c.kind == kind).order_by(_entries.c.idx.desc()).limit(1)
    ).scalar()
    if content is None:
        return None
    found = orjson.loads(content).get(name)
    return str(found) if found is not None else None
