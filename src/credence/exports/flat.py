"""The flat export: one row per subject (with its current grade), per public record and per public list
entry, in one set of columns, written as NDJSON, Parquet and CSV (with a UTF-8 byte-order mark, so a
spreadsheet program shows Chinese names)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from credence.catalog import Catalog
from credence.exports.content import Snapshot
from credence.records.publicity import published_until
from credence.records.validation import spreadsheet_safe

BOM = "\ufeff"

COLUMNS = (
    "type",
    "key",
    "identifier",
    "organisation",
    "organisation_alt",
    "kind",
    "country",
    "grade",
    "score",
    "graded_on",
    "policy_version",
    "department",
    "reference",
    "category",
    "criterion",
    "severity",
    "decided_on",
    "until",
    "legal_basis",
    "status",
    "amount",
    "currency",
    "summary",
)
_DATES = frozenset({"graded_on", "decided_on", "until"})
_SCHEMA = pa.schema(
    [(c, pa.date32() if c in _DATES else pa.int32() if c == "score" else pa.string()) for c in COLUMNS]
)


def rows(shown: Snapshot, catalog: Catalog) -> Iterator[dict[str, Any]]:
    """Every row, subjects first (by key), then records and entries (by id)."""
    subjects = {s.id: s for s in shown.subjects}
    for s in shown.subjects:
        grade = shown.grades.get(s.id)
        yield _row(
            "organisation",
            s,
            grade=grade.grade if grade else None,
            score=grade.score if grade else None,
            graded_on=grade.as_of if grade else None,
            policy_version=grade.policy_version if grade else None,
        )
    for r in shown.records:
        yield _row(
            "record",
            subjects[r.organisation_id],
            department=r.department,
            reference=r.source_record_id,
            category=r.category,
            severity=r.severity,
            decided_on=r.decided_on,
            until=published_until(catalog, r),
            legal_basis=r.legal_basis,
            status=r.status,
            amount=r.amount,
            currency=r.currency,
            summary=r.summary,
        )
    for e in shown.entries:
        yield _row(
            "list_entry",
            subjects[e.organisation_id],
            department=e.department,
            reference=str(e.id),
            category=e.list,
            criterion=e.criterion,
            decided_on=e.starts_on,
            until=e.ends_on,
            legal_basis=e.legal_basis,
            status=e.state,
        )


def _row(kind: str, subject: Any, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        type=kind,
        key=subject.key,
        identifier=subject.code,
        organisation=subject.name,
        organisation_alt=subject.alt_name,
        kind=subject.kind,
        country=subject.country,
    )
    row.update(values)
    return row


def write_ndjson(out: BinaryIO, items: Iterator[dict[str, Any]]) -> None:
    for row in items:
        out.write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))


def write_csv(path: Path, items: Iterator[dict[str, Any]]) -> None:
    """CSV with a byte-order mark, every text cell spreadsheet-safe (as the lists' downloads)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(BOM)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in items:
            writer.writerow([_cell(row[c]) for c in COLUMNS])


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(value)


def write_parquet(path: Path, items: Iterator[dict[str, Any]], batch_rows: int = 50_000) -> None:
    with pq.ParquetWriter(path, _SCHEMA, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in items:
            batch.append(row)
            if len(batch) >= batch_rows:
                writer.write_table(pa.Table.from_pylist(batch, schema=_SCHEMA))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=_SCHEMA))
