"""Ingest a known public source: its mapping turns the file into interchange rows for IngestService."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from credence.records.readers import RawRow
from credence.records.service import IngestResult, IngestService, OnProgress, OnReject, file_sha256
from credence.records.validation import Rejection
from credence.sources.mapping import load_dataset
from credence.sources.readers import SourceFileError, check_row_count, count_rows, read_source


def ingest_dataset(
    service: IngestService,
    path: Path,
    source: str,
    *,
    department: str | None = None,
    on_reject: OnReject | None = None,
    on_progress: OnProgress | None = None,
) -> IngestResult:
    """Check the file's shape and row count against the source's metadata, then ingest every row.

    A file that is not what the metadata describes is rejected whole before anything is stored.
    """
    dataset = load_dataset(source)
    department = department or dataset.department
    if department != dataset.department:
        raise ValueError(f"source {source} is published by department {dataset.department}, not {department}")
    service.check_department(department)
    started = time.perf_counter()
    try:
        total = count_rows(path, dataset)
        check_row_count(total, dataset)
    except SourceFileError as exc:
        rejection = Rejection(exc.line or 0, None, exc.reason, exc.message)
        return IngestResult.rejected_whole(path.name, department, rejection, started, on_reject)

    def rows() -> Iterator[RawRow]:
        for line, values in read_source(path, dataset, check_count=False):
            yield RawRow(line, dict(values))

    size = path.stat().st_size

    def progress(read: int, _position: int) -> None:
        if on_progress:
            on_progress(read, size * read // max(total, 1))

    return service.ingest_rows(
        department,
        rows(),
        file_name=path.name,
        fmt=f"source:{source}",
        file_sha256=file_sha256(path),
        on_reject=on_reject,
        on_progress=progress,
        started=started,
    )
