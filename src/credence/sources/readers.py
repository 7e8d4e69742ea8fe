"""Streams the data rows of a published debarment file (xlsx or csv) and maps each to an interchange row.

Only the file's shape is judged here (readable, expected columns present, row count in the expected band):
that raises SourceFileError. The content of rows is the ingestion service's to judge.
"""

from __future__ import annotations

import csv
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from credence.sources.mapping import DatasetMapping
from credence.sources.transform import InterchangeDict, RawValue, RowMapper, UnreadableDecision, clean_text

RawRow = dict[str, RawValue]


class SourceFileError(Exception):
    """The file is not what its dataset mapping describes. line is None when no one line is at fault."""

    def __init__(self, line: int | None, reason: str, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


def header_key(name: str) -> str:
    # A byte-order mark read with the wrong encoding, or a stray space (EBRD's " Ineligible Until"), must
    # not hide a column.
    return (clean_text(name.lstrip("\ufeff")) or "").casefold()


def _header_text(value: object) -> str:
    return clean_text(str(value)) or "" if value is not None else ""


def compose_header(rows: Sequence[Sequence[object]]) -> list[str]:
    """One name per column from one or more header rows, joined with ' / '.

    An empty cell above a filled one is part of a merged cell (read-only openpyxl keeps the text only in
    its first cell), so it takes the text of the nearest filled cell to its left:
    ["Ineligibility Period", None] over ["From Date", "To Date"] gives "Ineligibility Period / To Date".
    """
    grid = [[_header_text(value) for value in row] for row in rows]
    width = max((len(row) for row in grid), default=0)
    grid = [row + [""] * (width - len(row)) for row in grid]
    names: list[str] = []
    for col in range(width):
        parts: list[str] = []
        for depth, row in enumerate(grid):
            text = row[col]
            if not text and any(lower[col] for lower in grid[depth + 1 :]):
                text = next((row[left] for left in range(col - 1, -1, -1) if row[left]), "")
            if text:
                parts.append(text)
        names.append(" / ".join(parts))
    return names


def _column_index(header: Sequence[str], dataset: DatasetMapping, line: int) -> dict[str, int]:
    """Position of every mapped column; a missing or doubled column raises."""
    lines = dataset.file.header_rows
    where = f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}-{lines[-1]}"
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(header_key(name), []).append(index)
    found = ", ".join(repr(name) for name in header if name)
    index_of: dict[str, int] = {}
    for column in dataset.columns:
        matches = positions.get(header_key(column), [])
        if not matches:
            raise SourceFileError(
                line,
                "missing_column",
                f"{dataset.name}: column {column!r} not found in the header on {where}; found {found}",
            )
        if len(matches) > 1:
            raise SourceFileError(
                line,
                "duplicate_column",
                f"{dataset.name}: column {column!r} appears {len(matches)} times in the header on {where}",
            )
        index_of[column] = matches[0]
    return index_of


def _cell(value: object) -> RawValue:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool | time):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_blank(values: Sequence[RawValue]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


class _RowFilter:
    def __init__(self, dataset: DatasetMapping) -> None:
        self._patterns = [re.compile(pattern) for pattern in dataset.file.skip_rows_matching]

    def skip(self, values: Sequence[RawValue]) -> bool:
        if _is_blank(values):
            return True
        first = clean_text(values[0]) or ""
        return any(pattern.search(first) for pattern in self._patterns)


def _pick(values: Sequence[RawValue], index_of: dict[str, int]) -> RawRow:
    return {column: values[i] if i < len(values) else None for column, i in index_of.items()}


def _xlsx_rows(path: Path, dataset: DatasetMapping) -> Iterator[tuple[int, RawRow]]:
    layout = dataset.file
    try:
        with warnings.catch_warnings():
            # Exports without a style sheet make openpyxl warn; the values read the same.
            warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
            workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
        message = f"{dataset.name}: cannot read {path} as xlsx: {exc}"
        raise SourceFileError(None, "unreadable", message) from exc
    try:
        if layout.sheet is None:
            sheet = workbook.worksheets[0]
        elif layout.sheet in workbook.sheetnames:
            sheet = workbook[layout.sheet]
        else:
            raise SourceFileError(
                None,
                "missing_sheet",
                f"{dataset.name}: no sheet {layout.sheet!r} in {path}; found {workbook.sheetnames}",
            )
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise SourceFileError(None, "unreadable", f"{dataset.name}: that sheet of {path} holds no cells")
        # Some exports declare a wrong size (the World Bank's says A1:A1288 over seven columns); read-only
        # mode would trust it and drop columns.
        sheet.reset_dimensions()
        rows_filter = _RowFilter(dataset)
        header_block: list[Sequence[object]] = []
        index_of: dict[str, int] | None = None
        line = 0
        for line, raw_values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if index_of is None:
                if line in layout.header_rows:
                    header_block.append(raw_values)
                    if line == layout.header_rows[-1]:
                        index_of = _column_index(compose_header(header_block), dataset, layout.header_rows[0])
                continue
            values = [_cell(value) for value in raw_values]
            if rows_filter.skip(values):
                continue
            yield line, _pick(values, index_of)
        if index_of is None:
            raise SourceFileError(
                line or None,
                "missing_header",
                f"{dataset.name}: {path} ends before its header (expected on rows {layout.header_rows})",
            )
    finally:
        workbook.close()


def _csv_rows(path: Path, dataset: DatasetMapping) -> Iterator[tuple[int, RawRow]]:
    layout = dataset.file
    header_line = layout.header_rows[0]
    rows_filter = _RowFilter(dataset)
    try:
        handle = path.open(encoding=layout.encoding, newline="")
    except OSError as exc:
        raise SourceFileError(None, "unreadable", f"{dataset.name}: cannot open {path}: {exc}") from exc
    with handle:
        # Not strict: the published EBRD file has malformed quoting (line 8 starts with a field written
        # ""Name" LLC"), which strict parsing refuses outright; lenient parsing keeps the bank's text.
        reader = csv.reader(handle, delimiter=layout.delimiter)
        index_of: dict[str, int] | None = None
        start = 1  # a record may span several lines (quoted line breaks): report the line it starts on
        try:
            for record in reader:
                line, start = start, reader.line_num + 1
                if index_of is None:
                    if line < header_line:
                        continue
                    if line > header_line:
                        raise SourceFileError(
                            line, "missing_header", f"{dataset.name}: no header starts on line {header_line}"
                        )
                    index_of = _column_index(record, dataset, line)
                    continue
                values: list[RawValue] = list(record)
                if rows_filter.skip(values):
                    continue
                yield line, _pick(values, index_of)
        except UnicodeDecodeError as exc:
            raise SourceFileError(
                start, "encoding", f"{dataset.name}: {path} is not {layout.encoding}: {exc}"
            ) from exc
        except csv.Error as exc:
            raise SourceFileError(start, "malformed", f"{dataset.name}: {exc}") from exc
        if index_of is None:
            raise SourceFileError(
                None, "missing_header", f"{dataset.name}: {path} ends before its header line {header_line}"
            )


def read_raw(path: Path, dataset: DatasetMapping) -> Iterator[tuple[int, RawRow]]:
    """(line, {mapped column: cell}) for every data row; blank rows and note rows are skipped.

    line is the spreadsheet row number, or the csv line on which the record starts. OpenSanctions'
    formats are read by `credence.sources.opensanctions.entries` instead.
    """
    if dataset.file.opensanctions:
        raise ValueError(f"{dataset.name}: {dataset.file.format} is read by opensanctions.entries()")
    if dataset.file.format == "xlsx":
        return _xlsx_rows(path, dataset)
    return _csv_rows(path, dataset)


def count_rows(path: Path, dataset: DatasetMapping) -> int:
    """Number of data rows in the file (its header is checked too); in OpenSanctions' formats, of
    entities (every line is read, so a malformed one is found before anything is stored)."""
    if dataset.file.opensanctions:
        from credence.sources.opensanctions import entries

        return sum(1 for _ in entries(path, dataset))
    return sum(1 for _ in read_raw(path, dataset))


def check_row_count(count: int, dataset: DatasetMapping) -> None:
    """Raises when the count is outside the band the mapping expects (its expected_rows)."""
    band = dataset.expected_rows
    if not band.min <= count <= band.max:
        raise SourceFileError(
            None,
            "row_count",
            f"{dataset.name}: {count:,} data rows, outside the {band.min:,} to {band.max:,} that "
            f"{dataset.name}.yml expects (expected_rows): a truncated download or another list? If the list "
            "really has that many rows, run the same command again with --accept-row-count",
        )


def read_source(
    path: Path, dataset: DatasetMapping, *, check_count: bool = True
) -> Iterator[tuple[int, InterchangeDict]]:
    """(line, interchange row) for every data row of the file.

    With check_count (the default) the rows are counted in a first pass and a count outside the expected
    band raises before any row is yielded, so nothing from a truncated or wrong file reaches the store.
    A cell a decision rule cannot read raises SourceFileError (`unreadable_decision`) with its line; the
    ingest rejects that row alone instead. In OpenSanctions' formats an entity gives a row per sanction,
    and an entity refused whole (a Person, one without a sanction) gives none: the ingest reports it.
    """
    if check_count:
        check_row_count(count_rows(path, dataset), dataset)
    if dataset.file.opensanctions:
        from credence.sources.opensanctions import effective_mapping, entries

        mapper = RowMapper(effective_mapping(dataset))
        for entry in entries(path, dataset):
            for raw in entry.raws:
                try:
                    yield entry.line, mapper(raw)
                except UnreadableDecision as exc:
                    raise SourceFileError(entry.line, "unreadable_decision", exc.message) from None
        return
    mapper = RowMapper(dataset)
    for line, raw in read_raw(path, dataset):
        try:
            yield line, mapper(raw)
        except UnreadableDecision as exc:
            raise SourceFileError(line, "unreadable_decision", exc.message) from None
