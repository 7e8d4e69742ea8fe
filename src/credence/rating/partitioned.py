"""Batch rating in bounded memory: the registry cut into partitions by ranges of organisation ids, each
rated by the one query of credence.rating.batch in a DuckDB whose memory is capped and spills to disk.

The facts come from the store, streamed into a Parquet file in the order of the organisations' ids, or
from Parquet files or a snapshot directory. When the facts are one Parquet file in that order (its row
groups' min/max statistics of organisation_id do not overlap), the ranges are chosen from the ids at every
so many rows (one read of that column alone) and each partition is read straight from the file, as
`organisation_id BETWEEN lo AND hi`: the statistics skip the other row groups, and nothing is rewritten.
Otherwise (a snapshot, whose records are in the order of their own ids) DuckDB first cuts the facts into
one Parquet folder per partition (PARTITION_BY, which writes as it reads). Each partition is rated into a
Parquet file of store-ready rows, in the order of the ids. A partition holds about RECORDS_PER_GB records
per GB of the memory limit (or the records set). Ranges rather than hashes of the id: the results come
out in the order of the ids, in which ratings and grade changes have always been stored and logged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ByteSize, TypeAdapter, ValidationError
from sqlalchemy import Connection, literal_column

from credence.catalog.model import GRADES
from credence.rating.batch import rating_sql
from credence.rating.engine import PolicyTables
from credence.settings import Settings

FACTS = pa.schema(
    [
        ("organisation_id", pa.int64()),
        ("record_id", pa.int64()),
        ("category", pa.string()),
        ("severity", pa.string()),
        ("status", pa.string()),
        ("decided_on", pa.date32()),
        ("state", pa.string()),
    ]
)
ORGANISATIONS = pa.schema([("organisation_id", pa.int64())])
# The columns of a stored rating that the rating gives (the rest are the run's: date, policy, time).
RATED = pa.schema(
    [
        ("organisation_id", pa.int64()),
        ("score", pa.int64()),
        ("grade", pa.string()),
        ("grade_limited_by", pa.string()),
        ("reasons", pa.string()),
    ]
)
STREAM_ROWS = 100_000  # rows per batch streamed from the store (and per row group of its facts file)
# Records a partition holds per GB of DuckDB's memory limit (docs/benchmarks.md, "Bounded memory"): 10M
# records were rated within a 1 GB limit and 20M filled it and spilled; partitions of 2.5M to 10M took
# about the same time, so half of what fits, for organisations with many more records than most.
RECORDS_PER_GB = 5_000_000


@dataclass(frozen=True)
class Limits:
    """How a batch rating may use the machine: DuckDB's memory limit (beyond it, it spills to the temp
    directory), where its and the partitions' files go (None: the system's temp directory), and about how
    many records each partition holds (None: RECORDS_PER_GB per GB of the memory limit)."""

    memory_limit: str = "1GB"
    temp_directory: Path | None = None
    partition_records: int | None = None

    def records(self) -> int:
        """About how many records each partition holds."""
        if self.partition_records is not None:
            return self.partition_records
        return max(1, int(RECORDS_PER_GB * memory_bytes(self.memory_limit) / 10**9))

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.rating_memory_limit, settings.rating_temp_dir, settings.rating_partition_records)


@dataclass(frozen=True)
class Source:
    """What to rate, as two relations DuckDB reads: the facts (the columns of FACTS; each record under the
    head of its organisation's file, only records whose notice was logged) and the organisations to rate
    (`organisation_id`, the heads)."""

    facts: str
    organisations: str
    facts_file: Path | None = None  # the facts as one Parquet file, when they are one


def memory_bytes(limit: str) -> int:
    """A memory limit as settings.rating_memory_limit spells it (1GB, 512 MiB, 1.5GB) in bytes, read as
    pydantic's ByteSize reads it (decimal units and binary ones, as DuckDB's memory_limit takes them)."""
    try:
        return int(TypeAdapter(ByteSize).validate_python(limit))
    except ValidationError as exc:
        raise ValueError(f"memory limit {limit!r}: {exc.errors()[0]['msg']}") from None


# A snapshot's tables (credence.snapshots: records with their `noticed` flag, organisations with their
# file) as the facts and the heads rated: the same text in DuckDB and in Spark SQL (credence.rating.spark).
FACTS_SQL = """
SELECT coalesce(o.file_id, o.id) AS organisation_id, k.record_id, k.category, k.severity, k.status,
       k.decided_on, k.state
FROM {records} AS k JOIN {organisations} AS o ON o.id = k.organisation_id
WHERE k.noticed
"""
HEADS_SQL = "SELECT id AS organisation_id FROM {organisations} WHERE file_id IS NULL"


def files(facts: Path, organisations: Path) -> Source:
    """Parquet files (or globs) of facts and heads, with the columns of FACTS and ORGANISATIONS."""
    return Source(_scan(str(facts)), _scan(str(organisations)), facts if facts.is_file() else None)


def snapshot(directory: Path) -> Source:
    """A snapshot directory written by `credence snapshot` (records.parquet, organisations.parquet)."""
    names = {}
    for name in ("records", "organisations"):
        file = directory / f"{name}.parquet"
        if not file.is_file():
            raise FileNotFoundError(f"{directory}: no {name}.parquet; is it a snapshot (credence snapshot)?")
        names[name] = _scan(str(file))
    return Source(f"({FACTS_SQL.format(**names)})", f"({HEADS_SQL.format(**names)})")


def from_store(
    conn: Connection, organisation_ids: Sequence[int] | None, work: Path, facts: Any, heads: Any
) -> Source:
    """Stream the facts (`facts`, a query with the columns of FACTS) and the organisations (`heads`,
    a query of ids, or the ids themselves) from the store into Parquet files in `work`, a batch at a
    time: the store's rows never all in memory. The facts come in the order of the organisations' ids,
    so that each partition is read from the one file (rate)."""
    facts_path, heads_path = work / "facts.parquet", work / "organisations.parquet"
    _stream(conn, facts.order_by(literal_column("organisation_id")), FACTS, facts_path)
    if organisation_ids is not None:
        pq.write_table(pa.table({"organisation_id": pa.array(organisation_ids, pa.int64())}), heads_path)
    else:
        _stream(conn, heads, ORGANISATIONS, heads_path)
    return files(facts_path, heads_path)


def _stream(conn: Connection, query: Any, schema: pa.Schema, path: Path) -> None:
    with pq.ParquetWriter(path, schema) as writer:
        for part in conn.execution_options(yield_per=STREAM_ROWS).execute(query).partitions():
            columns = list(zip(*part, strict=True))
            writer.write_batch(
                pa.record_batch([pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema)
            )


def partitions(records: int, partition_records: int) -> int:
    """How many partitions a registry of this many records is cut into."""
    return max(1, -(-records // max(1, partition_records)))


def ordered(facts: Path) -> bool:
    """Whether a Parquet file's rows are in the order of organisation_id, as far as its row groups'
    statistics tell (each group's ids from where the previous one's end): what lets a range of ids be
    read from the file without reading the rest."""
    meta = pq.ParquetFile(facts).metadata
    column = meta.schema.names.index("organisation_id")
    last = None
    for k in range(meta.num_row_groups):
        stats = meta.row_group(k).column(column).statistics
        if meta.row_group(k).num_rows == 0:
            continue
        if stats is None or not stats.has_min_max or (last is not None and stats.min < last):
            return False
        last = stats.max
    return True


def _between(relation: str, low: int | None, high: int | None) -> str:
    """The rows of a relation whose organisation_id lies in [low, high] (None: unbounded)."""
    bounds = [f"organisation_id >= {low}"] if low is not None else []
    bounds += [f"organisation_id <= {high}"] if high is not None else []
    where = " AND ".join(bounds) or "TRUE"
    return f"(SELECT * FROM {relation} WHERE {where})"  # noqa: S608


def rate(tables: PolicyTables, source: Source, as_of: date, work: Path, limits: Limits) -> Iterator[Path]:
    """Rate every organisation of the source, partition by partition: yields each partition's Parquet
    file of store-ready rows (the columns of RATED), in the order of the organisations' ids."""
    import duckdb

    con = duckdb.connect(
        config={
            "memory_limit": limits.memory_limit,
            "temp_directory": str(work / "spill"),  # work is made in limits.temp_directory
            "preserve_insertion_order": False,  # lets the partitioned copy stream
        }
    )
    try:
        facts, heads = source.facts, source.organisations
        size = limits.records()
        if source.facts_file is not None and ordered(source.facts_file):
            parts = _ranges(con, source.facts_file, facts, heads, size)
        else:
            parts = _rewritten(con, facts, heads, size, work)
        for k, (part_facts, part_heads) in enumerate(parts):
            if part_heads is None:
                continue
            out = work / f"rated-{k:05d}.parquet"
            query = stored_sql(tables, as_of, part_facts, part_heads)
            con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
            yield out
    finally:
        con.close()


def _ranges(con: Any, file: Path, facts: str, heads: str, size: int) -> list[tuple[str, str | None]]:
    """Partitions of facts in the order of the ids, read in place: the ranges end at the ids found every
    `size` rows (one read of organisation_id alone), the first and last open so that every head is in
    one, whether it has records or not."""
    ends = [
        int(v)
        for (v,) in con.execute(
            f"SELECT DISTINCT organisation_id FROM read_parquet('{_quoted(str(file))}', "  # noqa: S608
            f"file_row_number = true) WHERE file_row_number % {size} = {size} - 1 ORDER BY 1"
        ).fetchall()
    ]
    lows: list[int | None] = [None, *(e + 1 for e in ends)]
    highs: list[int | None] = [*ends, None]
    return [(_between(facts, lo, hi), _between(heads, lo, hi)) for lo, hi in zip(lows, highs, strict=True)]


def _rewritten(con: Any, facts: str, heads: str, size: int, work: Path) -> list[tuple[str, str | None]]:
    """Partitions of facts in no known order: cut by equal ranges of ids into a Parquet folder each,
    written as they are read (one read and one write of the facts)."""
    found = con.execute(
        f"SELECT (SELECT count(*) FROM {facts}), min(organisation_id), max(organisation_id) FROM {heads}"  # noqa: S608
    ).fetchone()
    if found is None or found[1] is None:  # no organisation to rate
        return []
    records, low, high = (int(v) for v in found)
    count = partitions(records, size)
    if count == 1:
        return [(facts, heads)]
    width = (high - low) // count + 1
    key = f"(organisation_id - {low}) // {width}"
    for name, scan in (("facts", facts), ("organisations", heads)):
        con.execute(
            f"COPY (SELECT *, {key} AS part FROM {scan}) TO '{work / name}-parts' "  # noqa: S608
            "(FORMAT parquet, PARTITION_BY (part))"
        )
    empty = f"(SELECT * FROM {facts} LIMIT 0)"  # noqa: S608
    return [
        (_part(work / "facts-parts", k) or empty, _part(work / "organisations-parts", k))
        for k in range(count)
    ]


def stored(results: str, limits: Limits) -> Iterator[pa.RecordBatch]:
    """Another engine's ratings (a Parquet file, folder or glob with rating_sql's columns, such as a Spark
    job's) as store-ready batches (the columns of RATED), in the order of the ids, a slice at a time."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": limits.memory_limit})
    try:
        reader = con.sql(as_stored_sql(_scan(results))).to_arrow_reader(STREAM_ROWS)
        for batch in reader:
            yield batch.cast(RATED)
    finally:
        con.close()


def _scan(path: str) -> str:
    return f"read_parquet('{_quoted(path)}', hive_partitioning = false)"


def _part(folder: Path, k: int) -> str | None:
    found = folder / f"part={k}"
    return _scan(str(found / "*.parquet")) if found.is_dir() else None


def _quoted(path: str) -> str:
    return path.replace("'", "''")


def stored_sql(tables: PolicyTables, as_of: date, records: str, organisations: str) -> str:
    """rating_sql's rows as the store keeps them, in the order of the ids: the grade's letter, and the
    reasons as the JSON text that json.dumps gives ([{"record_id": 7, "points": -200}, ...])."""
    return as_stored_sql(f"({rating_sql(tables, as_of, records, organisations)})")


def as_stored_sql(rated: str) -> str:
    """An engine's ratings (`rated`, a relation with rating_sql's columns: another engine's Parquet too)
    as the store keeps them, in the order of the ids: the grade's letter, and the reasons as the JSON
    text that json.dumps gives ([{"record_id": 7, "points": -200}, ...])."""
    grades = "[" + ", ".join(f"'{g}'" for g in GRADES) + "]"
    # DuckDB's JSON of the list ([{"record_id":7,"points":-200},...]) is json.dumps's text once a space
    # follows each ':' and ',' (no key or number holds either): a quarter faster than building each
    # reason's text with a lambda (tests/rating/test_partitioned.py compares it with json.dumps).
    return f"""
SELECT organisation_id, CAST(score AS BIGINT) AS score, {grades}[grade_index + 1] AS grade,
       limited_by AS grade_limited_by,
       replace(replace(CAST(to_json(reasons) AS VARCHAR), ':', ': '), ',', ', ') AS reasons
FROM {rated} AS rated
ORDER BY organisation_id
"""  # noqa: S608
