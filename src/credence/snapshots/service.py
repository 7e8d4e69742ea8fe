"""`take_snapshot`: every table batch work reads, streamed into Parquet in one read-only transaction, so
that the files agree with each other and with the log size the manifest names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine

from credence.files import sha256_of
from credence.log.store import head
from credence.snapshots.files import MANIFEST, Manifest, TableFile, prepare, rows_of
from credence.snapshots.repository import QUERIES
from credence.store.db import consistent_reads

BATCH_ROWS = 100_000  # rows fetched, and written as one row group, at a time

Progress = Callable[[str, int], None]  # a table's name and the rows written of it so far


def take_snapshot(
    engine: Engine,
    folder: Path,
    *,
    policy_version: str,
    policy_sha256: str,
    now: datetime,
    force: bool = False,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> Manifest:
    """Write the snapshot into `folder` (refused if it holds anything, unless `force`) and return its
    manifest, written last. Memory stays bounded by `batch_rows` whatever the store's size."""
    prepare(folder, force)
    files: dict[str, TableFile] = {}
    unnoticed = 0
    with engine.connect() as conn, conn.begin():
        consistent_reads(conn)
        log_size = head(conn).size  # the first read: every later one sees the store as of this size
        for name, (query, schema) in QUERIES.items():
            path = folder / f"{name}.parquet"
            written = 0
            for batch in _write(conn, query, schema, path, batch_rows):
                written += batch.num_rows
                if name == "records":
                    unnoticed += batch.num_rows - int(pc.sum(batch.column("noticed")).as_py() or 0)
                if progress is not None:
                    progress(name, written)
            files[name] = TableFile(path.name, rows_of(path), sha256_of(path))
    manifest = Manifest(
        taken_at=now.isoformat(),
        log_size=log_size,
        policy_version=policy_version,
        policy_sha256=policy_sha256,
        store=engine.dialect.name,
        files=files,
        unnoticed_records=unnoticed,
    )
    (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _write(
    conn: Connection, query: Any, schema: pa.Schema, path: Path, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Stream the query's rows into the file, a batch at a time; yields each batch once written."""
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for part in conn.execution_options(yield_per=batch_rows).execute(query).partitions():
            columns = list(zip(*part, strict=True))
            batch = pa.record_batch(
                [pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema
            )
            writer.write_batch(batch)
            yield batch
