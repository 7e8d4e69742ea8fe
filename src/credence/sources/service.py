"""Ingest a published source: its mapping turns the file into interchange rows for IngestService.

A source is configuration: a dataset YAML shipped in the package, in the operator's `sources_dir`, or
named by its path, whose department and category the catalog must hold.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from credence.catalog import Catalog
from credence.files import sha256_of
from credence.records.readers import RawRow
from credence.records.service import IngestResult, IngestService, OnProgress, OnReject
from credence.records.validation import Rejection, basis_refusal
from credence.sources.mapping import DatasetError, DatasetMapping, find_dataset
from credence.sources.opensanctions import Entry, effective_mapping, entries
from credence.sources.readers import SourceFileError, check_row_count, count_rows, read_raw
from credence.sources.transform import RowMapper, UnreadableDecision, record_id

GUIDE = "docs/sources.md#adding-a-list"


@dataclass
class SourceIngestResult(IngestResult):
    """An ingest's result with the source's row count: how many data rows, the band its mapping expects,
    and whether a count outside the band was accepted (--accept-row-count)."""

    source: str = ""
    data_rows: int | None = None
    expected_rows: tuple[int, int] | None = None
    row_count_accepted: bool = False

    @classmethod
    def of(cls, result: IngestResult, **extra: Any) -> SourceIngestResult:
        return cls(**{f.name: getattr(result, f.name) for f in fields(IngestResult)}, **extra)

    def to_json(self) -> dict[str, Any]:
        low, high = self.expected_rows or (None, None)
        return {
            **super().to_json(),
            "source": self.source,
            "data_rows": self.data_rows,
            "expected_rows": {"min": low, "max": high},
            "row_count_accepted": self.row_count_accepted,
        }


def check_catalog(dataset: DatasetMapping, catalog: Catalog, origin: str) -> None:
    """Raises DatasetError, naming the file and the key, when the catalog cannot take the source's rows:
    its department or category is not in the catalog, the department may not submit the category, or
    the legal basis is not one the category may rest on. Values the catalog does not hold are not
    repeated."""
    where = (
        "the shipped catalog" if catalog.source.startswith("(default)") else f"the catalog {catalog.source}"
    )
    if dataset.department not in catalog.departments:
        raise DatasetError(
            f"{origin}: department: {where} declares no such department (it declares "
            f"{', '.join(sorted(catalog.departments))}); add it to the catalog's departments, see {GUIDE}"
        )
    category = catalog.categories.get(dataset.category)
    if category is None:
        raise DatasetError(
            f"{origin}: category: {where} has no such category (it has "
            f"{', '.join(sorted(catalog.categories))}); add it to the catalog's categories, see {GUIDE}"
        )
    if category.list is not None:
        raise DatasetError(
            f"{origin}: category: {dataset.category} is a list's category, whose entries are made through "
            "the list procedure, not ingested"
        )
    if not catalog.may_submit(dataset.department, dataset.category):
        raise DatasetError(
            f"{origin}: department: {dataset.department} is not among the departments that may submit "
            f"{dataset.category} in {where}; add it to that category's departments, see {GUIDE}"
        )
    if not category.accepts_basis(dataset.legal_basis):
        raise DatasetError(f"{origin}: legal_basis: {basis_refusal(category)}")


def prepare_dataset(service: IngestService, source: str, department: str | None = None) -> DatasetMapping:
    """The mapping --source names, checked against the service's catalog and --department.

    Raises DatasetError for a mapping that does not load or that the catalog cannot take, LookupError
    for an unknown name, ValueError for another department."""
    dataset, origin = find_dataset(source, service.settings.sources_dir)
    check_catalog(dataset, service.catalog, origin)
    if department is not None and department != dataset.department:
        raise ValueError(
            f"source {dataset.name} is published by department {dataset.department}, "
            "not the one given with --department"
        )
    return dataset


def _entries(path: Path, dataset: DatasetMapping) -> Iterator[Entry]:
    """The file's entries: an OpenSanctions entity with one raw row per sanction, or a bank's row."""
    if dataset.file.opensanctions:
        yield from entries(path, dataset)
        return
    for line, raw in read_raw(path, dataset):
        yield Entry(line, [dict(raw)])


def ingest_dataset(
    service: IngestService,
    path: Path,
    source: str,
    *,
    department: str | None = None,
    accept_row_count: bool = False,
    on_reject: OnReject | None = None,
    on_progress: OnProgress | None = None,
) -> SourceIngestResult:
    """Check the file's shape and row count against the source's mapping, then ingest every row.

    A file that is not what the mapping describes is rejected whole before anything is stored. So is a
    row count outside the mapping's band, unless accept_row_count: then the rows are ingested and the
    result says the count was accepted. A row whose free text a decision rule cannot read is rejected
    alone (`unreadable_decision`, naming the column).
    """
    dataset = prepare_dataset(service, source, department)
    department = dataset.department
    band = dataset.expected_rows
    started = time.perf_counter()
    about: dict[str, Any] = {"source": dataset.name, "expected_rows": (band.min, band.max)}
    try:
        total = count_rows(path, dataset)
        about["data_rows"] = total
        if not accept_row_count:
            check_row_count(total, dataset)
    except SourceFileError as exc:
        rejection = Rejection(exc.line or 0, None, exc.reason, exc.message)
        whole = IngestResult.rejected_whole(path.name, department, rejection, started, on_reject)
        return SourceIngestResult.of(whole, **about)
    mapper = RowMapper(effective_mapping(dataset), service.catalog.screen)

    def rows() -> Iterator[RawRow]:
        for entry in _entries(path, dataset):
            line = entry.line
            if entry.reason is not None:
                # The entity's id is hashed like a record id: it may name a person.
                key = entry.record_id_key and record_id(dataset.record_id.prefix, [entry.record_id_key])
                rejection = Rejection(line, entry.field, entry.reason, entry.message or "", key)
                yield RawRow(line, None, rejection)
                continue
            for raw in entry.raws:  # one per sanction
                try:
                    row = mapper(raw)
                except UnreadableDecision as exc:
                    rejection = Rejection(
                        line, exc.column, "unreadable_decision", exc.message, mapper.record_id(raw)
                    )
                    yield RawRow(line, None, rejection)
                    continue
                yield RawRow(line, dict(row))
                if row["subject_type"] == "natural_person":
                    break  # a person is refused once, whatever the sanctions

    size = path.stat().st_size

    def progress(read: int, _position: int) -> None:
        if on_progress:
            on_progress(read, size * read // max(total, 1))

    result = service.ingest_rows(
        department,
        rows(),
        file_name=path.name,
        fmt=f"source:{dataset.name}",
        file_sha256=sha256_of(path),
        on_reject=on_reject,
        on_progress=progress,
        started=started,
    )
    outside = not band.min <= total <= band.max
    return SourceIngestResult.of(result, row_count_accepted=outside, **about)
