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
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from credence.store.models import SubjectForms
from credence.subjects.forms import Candidate, digest, lines, table_of

__all__ = ["prepared"]

_forms: Table = SubjectForms.__table__  # type: ignore[assignment]
_CHUNK = 1000
_READ = "SELECT organisation_id, digest, forms FROM subject_forms"
_log = logging.getLogger(__name__)


def prepared(
    conn: Connection, subjects: Sequence[Candidate], keep: bool = True, processes: int | None = None
) -> pa.Table:
    """The input table of `subjects` (the registry's, as credence.subjects.candidates reads them), one row
    each in their order: kept forms where they are current, the rest prepared now (`processes` as
    forms.table takes it) and, when `keep`, stored in this transaction."""
    want = {s.id: digest(s) for s in subjects}
    kept: dict[int, str] = {}
    # every kept row: the callers hand the whole registry, and one scan is cheaper than lookups by id;
    # read by the driver alone, half the time of a select() with its result processing
    for organisation_id, kept_digest, forms in conn.exec_driver_sql(_READ).all():
        if want.get(organisation_id) == kept_digest:
            kept[organisation_id] = forms
    stale = [s for s in subjects if s.id not in kept]
    if stale:
        fresh = lines(stale, processes)
        if keep:
            _store(conn, [(s.id, want[s.id], forms) for s, forms in zip(stale, fresh, strict=True)])
        kept.update(zip((s.id for s in stale), fresh, strict=True))
    ids = [s.id for s in subjects]
    try:
        return table_of(ids, [kept[i] for i in ids])
    except (pa.ArrowInvalid, ValueError) as error:
        # derived data, so never trusted when it cannot be read: every subject is prepared again
        _log.warning("kept forms could not be read (%s); preparing every subject again", error)
        again = lines(subjects, processes)
        if keep:
            _store(conn, [(s.id, want[s.id], forms) for s, forms in zip(subjects, again, strict=True)])
        return table_of(ids, again)


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
