"""The model's input table from forms kept in the store, so that a subject is prepared once rather than at
every linkage run (each ingest links its new subjects against the whole registry, and the screening index
registers the whole registry).

A subject's forms (credence.subjects.forms.lines) are kept in subject_forms with their digest, which covers
the subject's fields and the preparation's code: a subject renamed, given an address, or prepared by a newer
Credence has another digest, so its kept forms are not used and are replaced. The forms are derived data;
deleting every row costs one full preparation, nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from credence.store.models import SubjectForms
from credence.subjects.forms import Candidate, digest, lines, table_of

__all__ = ["prepared"]

_forms: Table = SubjectForms.__table__  # type: ignore[assignment]
_CHUNK = 1000
_READ = "SELECT organisation_id, digest, forms FROM subject_forms"
_READ_PART = 100_000  # kept forms read and made into a table at a time: some 30 MB of their text
_log = logging.getLogger(__name__)


def prepared(
    conn: Connection, subjects: Sequence[Candidate], keep: bool = True, processes: int | None = None
) -> pa.Table:
    """The input table of `subjects` (the registry's, as credence.subjects.candidates reads them), one row
    each in their order: kept forms where they are current, the rest prepared now (`processes` as
    forms.table takes it) and, when `keep`, stored in this transaction."""
    want = {s.id: digest(s) for s in subjects}
    try:
        parts, found = _kept(conn, want)
    except (pa.ArrowInvalid, ValueError) as error:
        # derived data, so never trusted when it cannot be read: every subject is prepared again
        _log.warning("kept forms could not be read (%s); preparing every subject again", error)
        parts, found = [], set()
    stale = [s for s in subjects if s.id not in found]
    if stale:
        fresh = lines(stale, processes)
        if keep:
            _store(conn, [(s.id, want[s.id], forms) for s, forms in zip(stale, fresh, strict=True)])
        parts.append(table_of([s.id for s in stale], fresh))
    whole = pa.concat_tables(parts) if parts else table_of([], [])
    # the subjects' order: each one's row in the parts, found by Arrow
    order = pc.index_in(pa.array([s.id for s in subjects], pa.int64()), value_set=whole.column("unique_id"))
    return whole.take(order)


def _kept(conn: Connection, want: dict[int, bytes]) -> tuple[list[pa.Table], set[int]]:
    """The kept forms whose digest is the one wanted, as tables of a part of them each (read a part at a
    time, so that a large registry's forms are never all in memory as text), and whose they are."""
    parts: list[pa.Table] = []
    found: set[int] = set()
    # every kept row: the callers hand the whole registry, and one scan is cheaper than lookups by id;
    # read by the driver alone, half the time of a select() with its result processing
    with conn.exec_driver_sql(_READ, execution_options={"stream_results": True}) as result:
        while rows := result.fetchmany(_READ_PART):
            ids: list[int] = []
            forms: list[str] = []
            for organisation_id, kept_digest, kept_forms in rows:
                if want.get(organisation_id) == kept_digest:
                    ids.append(organisation_id)
                    forms.append(kept_forms)
            parts.append(table_of(ids, forms))
            found.update(ids)
    return parts, found


def _store(conn: Connection, rows: list[tuple[int, bytes, str]]) -> None:
    """Insert or replace the forms of these subjects."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_forms)
    statement = statement.on_conflict_do_update(
        index_elements=[_forms.c.organisation_id],
        set_={"digest": statement.excluded.digest, "forms": statement.excluded.forms},
    )
    for start in range(0, len(rows), _CHUNK):
        conn.execute(
            statement,
            [
                {"organisation_id": i, "digest": d, "forms": forms}
                for i, d, forms in rows[start : start + _CHUNK]
            ],
        )
