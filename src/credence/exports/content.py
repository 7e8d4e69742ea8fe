"""What an export holds: every public list entry, public record and current grade, read by the rules the
public API reads by, and never anything else.

The rules are not restated here: which records anyone may see is `records.publicity.published`, which
subjects anything public may name is `records.publicity.listed` (never a sole proprietor, nor a subject in
a sole proprietor's file, nor a subject without an identifier before a record of its own is published),
which list entries are in force is `lists.repository.current_query` and whether an entry is public is
`records.publicity.entry_public`. Each record and entry stays with the subject it was decided about: nothing
is copied to another subject, an affiliate or a person."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from credence.catalog import Catalog
from credence.lists import repository as lists_repo
from credence.records import publicity
from credence.store.models import ListEntry, Organisation, RatingRow, Record

organisations = cast(Table, Organisation.__table__)
records = cast(Table, Record.__table__)
entries = cast(Table, ListEntry.__table__)
ratings = cast(Table, RatingRow.__table__)

_RECORD_COLUMNS = (
    records.c.id,
    records.c.department,
    records.c.source_record_id,
    records.c.organisation_id,
    records.c.category,
    records.c.severity,
    records.c.decided_on,
    records.c.legal_basis,
    records.c.status,
    records.c.amount,
    records.c.currency,
    records.c.summary,
    records.c.noticed_at,
    records.c.until_kind,
    records.c.effective_until,
)


@dataclass
class Snapshot:
    """The registry's public data as of one day, each part in a stable order (subjects by key, records
    and entries by id)."""

    today: date
    at: datetime
    subjects: list[Any] = field(default_factory=list)
    records: list[Any] = field(default_factory=list)
    entries: list[Any] = field(default_factory=list)
    grades: dict[int, Any] = field(default_factory=dict)

    def records_of(self) -> dict[int, list[Any]]:
        found: dict[int, list[Any]] = {}
        for r in self.records:
            found.setdefault(r.organisation_id, []).append(r)
        return found

    def entries_of(self) -> dict[int, list[Any]]:
        found: dict[int, list[Any]] = {}
        for e in self.entries:
            found.setdefault(e.organisation_id, []).append(e)
        return found


def _chunks(ids: list[int], size: int = 5000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def snapshot(conn: Connection, catalog: Catalog, today: date, at: datetime) -> Snapshot:
    """Everything an export publishes as of `today`."""
    listed_ids = select(organisations.c.id).where(publicity.listed(catalog, today)).scalar_subquery()
    shown = Snapshot(today=today, at=at)
    shown.records = list(
        conn.execute(
            select(*_RECORD_COLUMNS)
            .where(publicity.published(catalog, today), records.c.organisation_id.in_(listed_ids))
            .order_by(records.c.id)
        )
    )
    current = list(
        conn.execute(
            lists_repo.current_query(today)
            .where(entries.c.organisation_id.in_(listed_ids))
            .order_by(entries.c.id)
        )
    )
    # An entry is public while its record is (lists.exports and the list pages ask the same of each).
    by_record: dict[int, Any] = {}
    for part in _chunks(sorted({e.record_id for e in current if e.record_id is not None})):
        query = select(
            records.c.id, records.c.noticed_at, records.c.state, records.c.category, records.c.organisation_id
        ).where(records.c.id.in_(part))
        by_record.update({r.id: r for r in conn.execute(query)})
    shown.entries = [
        e
        for e in current
        if publicity.entry_public(conn, catalog, by_record.get(e.record_id), never_public=e.never_public)
    ]
    shown.grades = {
        g.organisation_id: g
        for g in conn.execute(
            select(
                ratings.c.organisation_id,
                ratings.c.as_of,
                ratings.c.score,
                ratings.c.grade,
                ratings.c.policy_version,
            ).where(ratings.c.organisation_id.in_(listed_ids))
        )
    }
    # The subjects named: those with a grade, a public record or a public entry of their own.
    wanted = set(shown.grades) | {r.organisation_id for r in shown.records}
    wanted |= {e.organisation_id for e in shown.entries}
    subjects: list[Any] = []
    for part in _chunks(sorted(wanted)):
        subjects.extend(
            conn.execute(
                select(
                    organisations.c.id,
                    organisations.c.key,
                    organisations.c.scheme,
                    organisations.c.code,
                    organisations.c.name,
                    organisations.c.alt_name,
                    organisations.c.kind,
                    organisations.c.country,
                    organisations.c.created_at,
                ).where(organisations.c.id.in_(part), publicity.listed(catalog, today))
            )
        )
    shown.subjects = sorted(subjects, key=lambda s: s.key)
    return shown
