"""Files of bidders, as procurement officers have them: CSV from any spreadsheet, or an XLSX workbook.

A CSV file is decoded by the rules ingest reads files by (credence.records.readers.decode_text): Excel's
"CSV UTF-8" with its byte-order mark, plain UTF-8, GB18030 and GBK (Excel's default on Chinese Windows);
CRLF or LF line ends. A workbook (a file starting as a ZIP archive does) is read from its first sheet with
openpyxl. Either needs a subject_id column in its first row (its first non-blank row, in a workbook), or a
name column (with a country column) for bidders without a code; a row with an empty subject_id and a name is
screened by name (credence.checks.names). Each
bidder keeps the line (the row, in a workbook) it came from, which the answer repeats. A file that cannot
be read raises ValueError naming the line and character, or the row."""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass

from credence.records.readers import FileRejected, decode_text

XLSX_MAGIC = b"PK\x03\x04"  # a ZIP archive, which every XLSX workbook is
NEEDS = "the bidder's USCC or LEI; or a name column, with country, for bidders without a code"
COLUMNS = ("subject_id", "name")  # a file needs one of them


@dataclass(frozen=True, slots=True)
class Bidder:
    line: int  # the line of a CSV file, or the row of a workbook's sheet
    values: dict[str, str]


def read_bidders(data: bytes | str) -> list[Bidder]:
    """The bidders of a file's bytes (or of text already decoded)."""
    if isinstance(data, bytes) and data.startswith(XLSX_MAGIC):
        return _workbook(data)
    if isinstance(data, bytes):
        try:
            data = decode_text(data)
        except FileRejected as exc:
            raise ValueError(str(exc)) from None
    return _csv(data)


def _csv(text: str) -> list[Bidder]:
    if "\x00" in text:  # csv says only "line contains NUL"
        before = text[: text.index("\x00")]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        raise ValueError(f"line {line}: a NUL character at character {column}; a text file has none")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    bidders: list[Bidder] = []
    try:
        if reader.fieldnames is None or not set(COLUMNS) & {f.strip() for f in reader.fieldnames}:
            raise ValueError(f"line 1: the CSV needs a subject_id column ({NEEDS})")
        line = reader.line_num + 1
        for row in reader:
            bidders.append(Bidder(line, {(k or "").strip(): v for k, v in row.items() if isinstance(v, str)}))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: {exc}") from None
    return bidders


def _workbook(data: bytes) -> list[Bidder]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # exports without a style sheet make openpyxl warn
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, openpyxl and XML errors alike: the file is not a workbook
        raise ValueError(f"the file is not a readable XLSX workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        bidders: list[Bidder] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = [_text(cell) for cell in cells]
            if not any(values):
                continue
            if header is None:
                header = [value.strip() for value in values]
                if not set(COLUMNS) & set(header):
                    where = f"row {number} of sheet '{sheet.title}'"
                    raise ValueError(f"{where}: the sheet needs a subject_id column ({NEEDS})")
                continue
            bidders.append(Bidder(number, {k: v for k, v in zip(header, values, strict=False) if k}))
    finally:
        book.close()
    if header is None:
        raise ValueError(f"sheet '{sheet.title}' is empty: its first row must name a subject_id column")
    return bidders


def _text(cell: object) -> str:
    """A cell as the text it shows: a whole number without '.0' (a code typed as a number)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)
