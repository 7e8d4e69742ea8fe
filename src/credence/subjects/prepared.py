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
    digests = [digest(s) for s in subjects]
    try:
        kept: pa.Table | None = _kept(conn)
    except (pa.ArrowInvalid, ValueError) as error:
        # derived data, so never trusted when it cannot be read: every subject is prepared again
        _log.warning("kept forms could not be read (%s); preparing every subject again", error)
        kept = None
    ids = pa.array([s.id for s in subjects], pa.int64())
    parts: list[pa.Table] = []
    stale: list[Candidate] = list(subjects)
    if kept is not None and kept.num_rows:
        at = pc.index_in(ids, value_set=kept.column("unique_id"))  # each subject's kept row, or null
        same = pc.equal(pc.take(kept.column("digest"), at), pa.array(digests, pa.binary()))
        current = pc.fill_null(same, False)
        parts.append(kept.drop_columns(["digest"]).take(pc.filter(at, current)))
        stale = [subjects[i] for i in pc.indices_nonzero(pc.invert(current)).to_pylist()]
    if stale:
        fresh = lines(stale, processes)
        if keep:
            wanted = dict(zip((s.id for s in subjects), digests, strict=True))
            _store(conn, [(s.id, wanted[s.id], forms) for s, forms in zip(stale, fresh, strict=True)])
        parts.append(table_of([s.id for s in stale], fresh))
    whole = pa.concat_tables(parts) if parts else table_of([], [])
    # the subjects' order: each one's row among the parts, found by Arrow
    return whole.take(pc.index_in(ids, value_set=whole.column("unique_id")))


def _kept(conn: Connection) -> pa.Table:
    """Every kept subject's forms as the input table, with its kept digest as a last column. Read a part at
    a time, each made into a table at once, so that a large registry's forms are never all in memory as
    text; every row, since the callers hand the whole registry and one scan is cheaper than lookups by id."""
    parts: list[pa.Table] = []
    # the driver's own cursor, in this connection's transaction: SQLAlchemy's rows cost as much again; on
    # PostgreSQL a named (server-side) cursor, so that rows come a part at a time
    raw = conn.connection.dbapi_connection
    assert raw is not None
    postgres = conn.dialect.name == "postgresql"
    cursor = raw.cursor(name="credence_subject_forms") if postgres else raw.cursor()
    try:
        cursor.execute(_READ)
        while rows := cursor.fetchmany(_READ_PART):
            ids, kept_digests, forms = zip(*rows, strict=True)
            part = table_of(ids, forms)
            parts.append(part.append_column("digest", pa.array(kept_digests, pa.binary())))
    finally:
        cursor.close()
    return (
        pa.concat_tables(parts)
        if parts
        else table_of([], []).append_column("digest", pa.array([], pa.binary()))
    )


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
