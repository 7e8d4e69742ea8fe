"""Engines for the store: SQLite (WAL) on a laptop, PostgreSQL in production.

The differences between the two live here and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    LargeBinary,
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError


def normalise_url(url: str) -> str:
    """Plain 'postgresql://' URLs use psycopg 3, the driver the project installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store, absolute (None for other databases and in-memory SQLite). Connecting to
    a SQLite file that does not exist creates it: look here first."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI filename (?uri=true)
        database = database.removeprefix("file:").split("?", 1)[0]
        if not database or database == ":memory:":
            return None
    return Path(database).absolute()


# How often a PostgreSQL server checks, while it runs a query, that the client is still connected: the
# query of a client that was killed or lost is cancelled within this time instead of running on to its end
# (PostgreSQL 14 or later; earlier servers have no such check).
CLIENT_CHECK_MS = 5000


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_session)
    return engine


def interactive_url(url: str, statement_timeout_seconds: float) -> str:
    """The store's URL for interactive work (the server's requests): on PostgreSQL each statement is
    cancelled after `statement_timeout_seconds` (0: never), so that no request's query runs on long after
    its client gave up. Batch commands (ingest, rate, demo, tick) use the URL as it is. Other databases
    have no such limit: the URL is returned as it is."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "postgresql" or not statement_timeout_seconds:
        return url
    options = parsed.query.get("options", "")
    given = " ".join(options) if isinstance(options, tuple) else options
    limit = f"-c statement_timeout={max(1, round(statement_timeout_seconds * 1000))}"
    return parsed.update_query_dict({"options": f"{given} {limit}".strip()}).render_as_string(
        hide_password=False
    )


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    """Session settings of every PostgreSQL connection, made outside a transaction so they hold."""
    if dbapi_connection.info.server_version < 140000:
        return
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        interval = f"{CLIENT_CHECK_MS}ms"
        cursor.execute("SELECT set_config('client_connection_check_interval', %s, false)", (interval,))
    dbapi_connection.autocommit = autocommit


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run during an ingest; NORMAL sync is durable at each commit under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Organisation keys and source ids arrive in random order, so their index inserts land on random
    # pages: a 64 MiB page cache (default 2 MiB) keeps the upper B-tree levels in memory as the store grows.
    cursor.execute("PRAGMA cache_size=-65536")
    # Checkpoint the WAL every 16 MiB of pages rather than every 4 MiB: fewer, larger copies back into
    # the database file during an ingest (a checkpoint is the only point where NORMAL sync flushes).
    cursor.execute("PRAGMA wal_autocheckpoint=4000")
    cursor.close()


# Rows an ingest commits per transaction unless a setting says otherwise. PostgreSQL's per-statement costs
# (a COPY's start, the foreign keys' and the triggers' set-up, a round trip and a flush to disk per commit)
# weigh less per row in larger chunks: 10,000 rows a chunk ingested 100,000 rows in 27 s against 34 s at
# 2,000. SQLite gains less, and its ingest's memory grew with the chunk (docs/benchmarks.md).
CHUNK_ROWS = {"postgresql": 10_000}
DEFAULT_CHUNK_ROWS = 2_000


def chunk_rows(engine: Engine, setting: int | None) -> int:
    """The rows per ingest transaction: the setting, or this store's default."""
    return setting or CHUNK_ROWS.get(engine.dialect.name, DEFAULT_CHUNK_ROWS)


def write_first(conn: Connection) -> None:
    """Call first in a transaction that reads what it is about to write (an ingest's chunk): on SQLite it
    takes the store's write lock now (BEGIN IMMEDIATE, waiting as busy_timeout allows), so no other writer
    can change what it read before it writes. PostgreSQL locks rows as they are written; a conflict there
    fails the transaction instead (see `conflicted`)."""
    if conn.dialect.name == "sqlite":
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def consistent_reads(conn: Connection) -> None:
    """Call first in a transaction whose reads must all see one state of the store (a snapshot), however
    long they take and whatever commits meanwhile: on PostgreSQL the transaction is REPEATABLE READ and
    READ ONLY; on SQLite an explicit BEGIN makes the first read fix the state (WAL) that the later ones
    see, where the driver would otherwise read each statement outside any transaction."""
    if conn.dialect.name == "sqlite":
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            conn.exec_driver_sql("BEGIN")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def few_rows(conn: Connection) -> None:
    """Call before a statement that finds a few rows through many index ranges whose sizes the planner
    cannot estimate (the tick's expiry: one range per category and severity of a partial index). On
    PostgreSQL, estimating thousands of rows a range, it compiled the statement (JIT: 0.4 s of 0.46 at
    200,000 records, 11 s at 2M) and started parallel workers (20 ms to read 137 rows): both off for the
    rest of this transaction. SQLite does neither."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


def conflicted(exc: BaseException) -> bool:
    """Whether a transaction failed only because a concurrent one got there first: a deadlock, a
    serialisation failure, a unique key another transaction took meanwhile, a busy SQLite store. Run it
    again from the start and it sees what the other committed."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return sqlstate in ("40P01", "40001", "23505", "55P03")  # deadlock, serialisation, unique, lock
    name = str(getattr(orig, "sqlite_errorname", ""))  # sqlite3
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or name in (
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    )


class Claim:
    """A claim by this process on (kind, key), such as a running ingest's batch, that the operating system
    gives up when the process ends however it ends (Ctrl-C, kill -9, power loss): so another process can
    tell a batch whose process died from one still running. On PostgreSQL, a session advisory lock on a
    connection of its own; on a SQLite file, a lock (flock) on a file in a folder beside it."""

    def __init__(self, engine: Engine, kind: str, key: int) -> None:
        self.engine, self.kind, self.key = engine, kind, key
        self._conn: Connection | None = None
        self._fd: int | None = None
        if engine.dialect.name == "postgresql":
            self._conn = engine.connect()
            self._conn.execute(text("SELECT pg_advisory_lock(:c, :k)"), _advisory(self._conn, kind, key))
            self._conn.commit()
        else:
            path = _claim_file(engine, kind, key)
            if path is not None:
                import fcntl

                path.parent.mkdir(exist_ok=True)
                self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:c, :k)"), _advisory(conn, self.kind, self.key))
                conn.commit()
            finally:
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            path = _claim_file(self.engine, self.kind, self.key)
            if path is not None:
                path.unlink(missing_ok=True)
            os.close(fd)  # releases the lock


def claimed(engine: Engine, kind: str, key: int) -> bool:
    """Whether a live process holds its Claim on (kind, key). Where that cannot be told (an in-memory
    SQLite store, which no other process sees), True."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            keys = _advisory(conn, kind, key)
            free = conn.execute(text("SELECT pg_try_advisory_lock_shared(:c, :k)"), keys).scalar_one()
            if free:
                conn.execute(text("SELECT pg_advisory_unlock_shared(:c, :k)"), keys)
            conn.commit()
            return not free
    path = _claim_file(engine, kind, key)
    if path is None:
        return True
    try:
        import fcntl
    except ImportError:  # no flock here: never take a process for dead
        return True
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)  # its process is gone: so is its claim
    return False


def _advisory(conn: Connection, kind: str, key: int) -> dict[str, int]:
    """The two keys of an advisory lock: one for the kind of claim in this schema (several stores may
    share a database), one for the key."""
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    space = zlib.crc32(f"credence.{kind}:{schema}".encode())
    return {"c": space - (1 << 32) if space >= 1 << 31 else space, "k": key}


def _claim_file(engine: Engine, kind: str, key: int) -> Path | None:
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    return None if path is None else path.with_name(f"{path.name}-claims") / f"{kind}-{key}"


def keyed_by(column: Any, values: Sequence[str], dialect_name: str) -> tuple[Any, Any]:
    """(from-clause, condition) selecting rows whose column is one of the values.

    On PostgreSQL the values are joined as an unnested array: a plain IN list let the planner, before
    its statistics caught up with a fast-growing table, scan the index on the leading column and filter
    each row against the whole list (quadratic over a long ingest). On SQLite IN uses the index.
    """
    if dialect_name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(String()))
        wanted = func.unnest(array).table_valued("value").render_derived(name="wanted")
        return column.table.join(wanted, column == wanted.c.value), true()
    # On SQLite the values go as one JSON array, unpacked by json_each: binding thousands of separate
    # parameters of an IN list cost more than the lookups themselves.
    listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String())).table_valued("value")
    return column.table, column.in_(select(listed.c.value))


def one_of(column: Any, values: Sequence[Any], dialect_name: str) -> Any:
    """A condition: `column` is one of `values`. On PostgreSQL the values go as one array parameter
    (`= ANY(...)`): an IN list of a block's thousands of values cost more to expand, send and parse than
    the lookups themselves. On SQLite, a plain IN list (its parameters are cheap there)."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


# The statistics target of a refresh made while an ingest runs (PostgreSQL's default is 100): ANALYZE
# samples 300 rows per unit of target, so 3,000 rows per table instead of 30,000. A chunk's statements only
# need to know that a table is large (their plans are bounded ranges and arrays); five full refreshes cost
# 2.6 of 34 s in a 100,000-row ingest. The ingest ends with a full one.
COARSE_STATISTICS_TARGET = 10


def analyze(conn: Connection, tables: Sequence[Table], *, coarse: bool = False) -> None:
    """Refresh the query planner's statistics of these tables, after a large share of their rows was
    written (a large ingest, the demo). PostgreSQL plans from statistics that only ANALYZE (or an
    autovacuum that may be off) refreshes: a table that grew from nothing was planned as if empty, and a
    chunk's lookups became scans of the whole table. ANALYZE reads a fixed-size sample of each table. On
    SQLite, PRAGMA optimize, with a bounded sample (analysis_limit), does what is worth doing. `coarse`:
    a smaller sample on PostgreSQL, for the refreshes made while an ingest runs."""
    if conn.dialect.name == "postgresql":
        if coarse:  # for this transaction only
            conn.exec_driver_sql(f"SET LOCAL default_statistics_target = {COARSE_STATISTICS_TARGET}")
        names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
        conn.exec_driver_sql(f"ANALYZE {names}")
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")
        conn.exec_driver_sql("PRAGMA optimize")


def bulk_insert(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert many rows given as tuples (see bulk_insert_columns)."""
    if rows:
        values = dict(zip(columns, (list(c) for c in zip(*rows, strict=True)), strict=True))
        bulk_insert_columns(conn, table, values, len(rows), ignore_conflicts=ignore_conflicts)


@dataclass(frozen=True, slots=True)
class Same:
    """A value that every row of a columnar insert shares (bound once, converted once)."""

    value: Any


def bulk_insert_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any] | Same],
    rows: int,
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert `rows` rows given column by column, straight to the driver: executemany on SQLite, COPY on
    PostgreSQL.

    Ingestion spent most of its database time in SQLAlchemy building a parameter dict per row; this skips
    that while still converting values with each column type's own bind processor, so what is stored is
    exactly what a Core insert would store. Each distinct value is converted once (a batch repeats the
    same timestamps many times), a shared value (Same) once in all, and rows are zipped only here.
    """
    if not rows:
        return
    dialect = conn.dialect
    values = _processed(dialect, table, columns, rows)
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    target = dialect.identifier_preparer.format_table(table)
    # Not strict: shared values are endless repeats; list columns were checked against `rows` above.
    tuples = zip(*values, strict=False)
    if dialect.name == "postgresql":
        _copy_in(conn, target, names, tuples, ignore_conflicts)
        return
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    sql = f"INSERT INTO {target} ({names}) VALUES ({', '.join(['?'] * len(columns))}){conflict}"  # noqa: S608
    conn.exec_driver_sql(sql, list(tuples))


def bulk_update_columns(
    conn: Connection, table: Table, key: str, columns: Mapping[str, Sequence[Any] | Same], rows: int
) -> None:
    """Set these columns of `rows` rows, each found by its `key` column (whose values are given among the
    columns), converted as bulk_insert_columns converts them: executemany on SQLite (one cheap statement a
    row in the process), set-based on PostgreSQL: the rows by COPY into a temporary staging table, then one
    UPDATE ... FROM it, a primary-key lookup per row. Executemany sent, planned and ran one UPDATE per row,
    a round trip each."""
    if not rows:
        return
    dialect = conn.dialect
    values = _processed(dialect, table, columns, rows)
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    others = [name for name in columns if name != key]
    if dialect.name == "postgresql":
        names = ", ".join(quote(name) for name in columns)
        with _copying(conn, target) as cursor:
            stage = _stage(cursor, target, names)
            _copy_rows(cursor, stage, names, zip(*values, strict=False))
            cursor.execute(f"ANALYZE {stage}")  # a temporary table has no statistics until then
        assigned = ", ".join(f"{quote(name)} = s.{quote(name)}" for name in others)
        conn.exec_driver_sql(
            f"UPDATE {target} SET {assigned} FROM {stage} AS s WHERE {target}.{quote(key)} = s.{quote(key)}"  # noqa: S608
        )
        return
    order = [*others, key]
    positions = [list(columns).index(name) for name in order]
    assigned = ", ".join(f"{quote(name)} = ?" for name in others)
    rows_out = [tuple(row[i] for i in positions) for row in zip(*values, strict=False)]
    conn.exec_driver_sql(f"UPDATE {target} SET {assigned} WHERE {quote(key)} = ?", rows_out)  # noqa: S608


def _processed(
    dialect: Any, table: Table, columns: Mapping[str, Sequence[Any] | Same], rows: int
) -> list[Iterable[Any]]:
    """Each column's values converted by its type's bind processor (once per distinct value), a shared
    value repeated; checked against `rows`."""
    values: list[Iterable[Any]] = []
    for name, column in columns.items():
        type_ = table.c[name].type
        # Bytes go to both drivers as they are: converting each distinct hash (the log's columns) only
        # wrapped it again, and memoised values that never repeat.
        processor = None if isinstance(type_, LargeBinary) else type_.bind_processor(dialect)
        if dialect.name == "sqlite" and isinstance(getattr(type_, "impl_instance", type_), DateTime):
            processor = _then_sqlite_text(processor)
        if isinstance(column, Same):
            value = column.value if processor is None or column.value is None else processor(column.value)
            values.append(repeat(value, rows))
        elif len(column) != rows:
            raise ValueError(f"column {name} has {len(column)} values for {rows} rows")
        elif processor is None:
            values.append(column)
        else:
            values.append(_converted(column, processor))
    return values


def _copy_in(conn: Connection, target: str, names: str, rows: Iterable[Sequence[Any]], ignore: bool) -> None:
    """PostgreSQL: the rows by COPY, in the caller's transaction. COPY cannot skip a row whose key exists,
    so with `ignore` they go to a temporary staging table first (one per target and columns, emptied at
    each commit), then on with one INSERT ... SELECT ... ON CONFLICT DO NOTHING, in the order given.
    executemany, even pipelined, sent and planned one statement per row: COPY streams them in one."""
    with _copying(conn, target) as cursor:
        _copy_or_stage(cursor, target, names, rows, ignore)


@contextmanager
def _copying(conn: Connection, target: str) -> Iterator[Any]:
    """A cursor of the driver's own, for COPY, in the caller's transaction; the driver's errors raised as
    SQLAlchemy raises a statement's, so that callers tell a conflict (conflicted) and a key taken meanwhile
    from any other failure, as they do on SQLite."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(f"COPY {target}", None, exc, conn.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


def _copy_or_stage(cursor: Any, target: str, names: str, rows: Iterable[Sequence[Any]], ignore: bool) -> None:
    if not ignore:
        _copy_rows(cursor, target, names, rows)
        return
    stage = _stage(cursor, target, names)
    _copy_rows(cursor, stage, names, rows)
    cursor.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage} ON CONFLICT DO NOTHING")  # noqa: S608


def _stage(cursor: Any, target: str, names: str) -> str:
    """An empty temporary staging table with these columns of the target (one per target and columns,
    made once per connection, emptied at each commit): its name."""
    stage = "pg_temp.credence_stage_" + hashlib.sha1(f"{target}({names})".encode()).hexdigest()[:16]
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS "  # noqa: S608
        f"AS SELECT {names} FROM {target} WITH NO DATA"
    )
    cursor.execute(f"DELETE FROM {stage}")  # noqa: S608 (empty, unless used before in this transaction)
    return stage


def _copy_rows(cursor: Any, target: str, names: str, rows: Iterable[Sequence[Any]]) -> None:
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _then_sqlite_text(processor: Any) -> Any:
    """The processor, then the text the sqlite3 driver would store for a datetime (its default adapter,
    applied here once per distinct value instead of once per row by the driver)."""

    def process(value: Any) -> Any:
        if processor is not None:
            value = processor(value)
        return value.isoformat(" ") if isinstance(value, datetime) else value

    return process


def _converted(column: Sequence[Any], processor: Any) -> list[Any]:
    memo: dict[Any, Any] = {}
    out: list[Any] = []
    for value in column:
        if value is None:
            out.append(None)
            continue
        converted = memo.get(value)
        if converted is None:
            converted = memo[value] = processor(value)
        out.append(converted)
    return out


def upsert(conn: Connection, table: Table, key: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows, or update every other column of the row with the same key (SQLite and PostgreSQL)."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    statement: Any = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    others = {name: statement.excluded[name] for name in rows[0] if name not in key}
    conn.execute(statement.on_conflict_do_update(index_elements=list(key), set_=others), list(rows))


def upsert_from_select(
    conn: Connection,
    table: Table,
    key: Sequence[str],
    columns: Sequence[str],
    query: Any,
    *,
    where_newer: str | None = None,
) -> None:
    """upsert() of the rows a SELECT gives (its columns in the order of `columns`), in one statement. With
    `where_newer`, a stored row is updated only if that column of the new row is not smaller."""
    from sqlalchemy.dialects import postgresql, sqlite

    # SQLite reads "INSERT ... SELECT ... ON CONFLICT" as a join's ON unless the SELECT has a WHERE.
    statement: Any = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    statement = statement.from_select(list(columns), query.where(true()))
    others = {name: statement.excluded[name] for name in columns if name not in key}
    where = None if where_newer is None else table.c[where_newer] <= statement.excluded[where_newer]
    conn.execute(statement.on_conflict_do_update(index_elements=list(key), set_=others, where=where))


def stage(conn: Connection, name: str, columns: str, data: Any) -> None:
    """Fill the temporary table `name` (made with these column definitions if this connection lacks it,
    emptied if not) with an Arrow table or batch whose columns are in the same order, set-based: by COPY
    on PostgreSQL (the Arrow data written as CSV by pyarrow, no Python object per row), by one
    executemany on SQLite. Statements over it then do the rest in the caller's transaction."""
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
    names = ", ".join(data.schema.names)
    if conn.dialect.name == "postgresql":
        import io

        import pyarrow.csv as csv

        conn.exec_driver_sql(f"TRUNCATE {name}")
        buffer = io.BytesIO()
        # Strings quoted, nulls left empty and unquoted: what COPY's CSV reads as NULL.
        csv.write_csv(data, buffer, csv.WriteOptions(include_header=False, quoting_style="needed"))
        try:
            with (
                conn.connection.dbapi_connection.cursor() as cursor,  # type: ignore[union-attr]
                cursor.copy(f"COPY {name} ({names}) FROM STDIN (FORMAT csv)") as copy,
            ):
                view = buffer.getbuffer()
                for start in range(0, len(view), 1 << 20):
                    copy.write(view[start : start + (1 << 20)])
                del view  # the buffer cannot close while a view of it lives
        except conn.dialect.loaded_dbapi.Error as exc:  # as _copy_in raises it
            raise DBAPIError.instance(f"COPY {name}", None, exc, conn.dialect.loaded_dbapi.Error) from exc
        conn.exec_driver_sql(f"ANALYZE {name}")  # a temporary table has no statistics until then
        return
    conn.exec_driver_sql(f"DELETE FROM {name}")  # noqa: S608
    markers = ", ".join("?" * data.num_columns)
    rows = list(zip(*(column.to_pylist() for column in data.columns), strict=True))
    conn.exec_driver_sql(f"INSERT INTO {name} ({names}) VALUES ({markers})", rows)  # noqa: S608
