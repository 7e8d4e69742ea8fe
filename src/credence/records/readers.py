"""Stream rows out of interchange files (CSV, NDJSON, Parquet) without holding the file in memory.

A file that cannot be parsed at all raises FileRejected before any row is handed on, so the store is
never touched by it; a row that is malformed on its own is handed on as a Rejection instead.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from credence.i18n import N_, _
from credence.records.interchange import FIELDS, REQUIRED
from credence.records.validation import Rejection

FORMATS = ("csv", "ndjson", "parquet")
_SUFFIXES = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".parquet": "parquet", ".pq": "parquet"}
_CHUNK = 1 << 18
_NDJSON_BLOCK = 2000  # lines parsed together by rows()
# Large enough that an over-long field reaches the row checks (which reject it by name) instead of
# breaking the parse of the whole file; small enough to bound memory on a hostile file.
_CSV_FIELD_LIMIT = 64 << 20


class FileRejected(Exception):
    """The whole file is unusable; nothing from it is stored."""

    def __init__(self, line: int | None, reason: str, message: str) -> None:
        self.line = line
        self.reason = reason
        self.message = message
        at = f"line {line}: " if line else ""
        super().__init__(f"{at}{message}")

    def as_rejection(self) -> Rejection:
        return Rejection(self.line or 0, None, self.reason, self.message)


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int
    values: dict[str, Any] | None
    error: Rejection | None = None


class RowSource:
    """An opened interchange file: iterate it for RawRows; `position`/`size` drive a progress bar."""

    def __init__(self, path: Path, fmt: str | None = None, encoding: str | None = None) -> None:
        self.path = path
        self.format = fmt or detect_format(path)
        if self.format not in FORMATS:
            raise ValueError(
                _(
                    "unknown format '%(format)s'; use one of %(formats)s",
                    format=self.format,
                    formats=", ".join(FORMATS),
                )
            )
        self.encoding = encoding
        self.size = path.stat().st_size
        self.header: list[str] | None = None
        self.checked = False
        self.sha256: str | None = None  # the file's digest, when a check has read it whole
        self._position = 0

    @property
    def position(self) -> int:
        return self._position

    def open(self) -> Iterator[RawRow]:
        """Run the whole-file checks (FileRejected if they fail), then return the row iterator."""
        self.check()
        return self.rows()

    def check(self) -> None:
        """The whole-file checks: FileRejected if they fail. Settles the CSV encoding and header."""
        if self.format == "csv":
            self.encoding = self.encoding or detect_csv_encoding(self.path)
            self.header = _check_csv(self.path, self.encoding)
        elif self.format == "ndjson":
            self.sha256 = _decode_all(self.path, "utf-8", fail_reason="invalid_encoding")
        else:
            _open_parquet(self.path)
        self.checked = True

    @property
    def rows_need_check(self) -> bool:
        """Whether reading rows depends on check() (the CSV encoding and header); NDJSON and Parquet
        rows can be read while the checks run, as long as nothing is stored before they pass."""
        return self.format == "csv"

    def rows(self) -> Iterator[RawRow]:
        """The rows of a checked source (a checked RowSource can be handed to another process)."""
        assert self.checked or not self.rows_need_check, "check() the source first"
        if self.format == "csv":
            assert self.encoding is not None and self.header is not None
            return self._csv_rows(self.encoding, self.header)
        if self.format == "ndjson":
            return self._ndjson_rows()
        return self._parquet_rows(_open_parquet(self.path))

    def _csv_rows(self, encoding: str, header: list[str]) -> Iterator[RawRow]:
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            reader = csv.reader(text, strict=True)
            next(reader)
            line = reader.line_num
            width = len(header)
            for fields in reader:
                start, line = line + 1, reader.line_num
                self._position = raw.tell()
                if not fields or fields == [""]:
                    continue
                if len(fields) != width:
                    yield _faulty(
                        start,
                        "wrong_field_count",
                        _(
                            "row has %(found)s fields; the header has %(width)s",
                            found=len(fields),
                            width=width,
                        ),
                    )
                    continue
                yield RawRow(start, {k: v for k, v in zip(header, fields, strict=True) if v != ""})

    def _ndjson_rows(self) -> Iterator[RawRow]:
        for block in self._ndjson_blocks(_NDJSON_BLOCK):
            yield from block.rows()

    def blocks(self, size: int) -> Iterator[RawBlock]:
        """The rows of a checked source in blocks of up to `size` lines (rows, for CSV and Parquet)."""
        assert self.checked or not self.rows_need_check, "check() the source first"
        if self.format == "ndjson":
            return self._ndjson_blocks(size)
        return blocks_of(self.rows(), size)

    def _ndjson_blocks(self, size: int) -> Iterator[RawBlock]:
        """Whole blocks of lines parsed at once when every line is a JSON object (the usual case);
        otherwise line by line, so that each bad line is reported as the standard parser sees it."""
        with self.path.open("rb") as raw:
            number = 0
            while chunk := list(itertools.islice(raw, size)):
                if number == 0 and chunk[0].startswith(codecs.BOM_UTF8):
                    chunk[0] = chunk[0][len(codecs.BOM_UTF8) :]
                self._position += sum(map(len, chunk))
                try:
                    values = [orjson.loads(data) for data in chunk]  # a blank line raises too
                except orjson.JSONDecodeError:
                    values = []
                if len(values) == len(chunk) and set(map(type, values)) == {dict}:
                    yield RawBlock(list(range(number + 1, number + 1 + len(chunk))), values, [])
                else:
                    yield RawBlock.of(
                        row
                        for i, data in enumerate(chunk, start=number + 1)
                        if (row := _ndjson_row(i, data)) is not None
                    )
                number += len(chunk)

    def _parquet_rows(self, parquet: Any) -> Iterator[RawRow]:
        total = max(parquet.metadata.num_rows, 1)
        number = 0
        for batch in parquet.iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                number += 1
                yield RawRow(number, {k: v for k, v in row.items() if v is not None and v != ""})
            self._position = self.size * number // total


def _ndjson_row(number: int, data: bytes) -> RawRow | None:
    """One NDJSON line as a row, a faulty row, or None for a blank line."""
    if not data.strip():
        return None
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        # orjson is stricter (NaN, lone surrogates, huge integers); the standard parser decides what
        # it rejects, and its messages name the character.
        try:
            obj = json.loads(data)
        except json.JSONDecodeError as exc:
            return _faulty(
                number,
                "invalid_json",
                _("not valid JSON at character %(at)s: %(why)s", at=exc.pos + 1, why=exc.msg),
            )
    if not isinstance(obj, dict):
        return _faulty(
            number,
            "not_an_object",
            _("each line must be a JSON object, got %(type)s", type=type(obj).__name__),
        )
    return RawRow(number, obj)


@dataclass(slots=True)
class RawBlock:
    """Rows read together: `lines` and `values` of the readable rows, and the rows faulty on their own."""

    lines: list[int]
    values: list[dict[str, Any]]
    errors: list[Rejection]

    @classmethod
    def of(cls, rows: Iterable[RawRow]) -> RawBlock:
        block = cls([], [], [])
        for raw in rows:
            if raw.error is not None:
                block.errors.append(raw.error)
            else:
                assert raw.values is not None
                block.lines.append(raw.line)
                block.values.append(raw.values)
        return block

    def __len__(self) -> int:
        return len(self.lines) + len(self.errors)

    def rows(self) -> list[RawRow]:
        readable = [RawRow(line, values) for line, values in zip(self.lines, self.values, strict=True)]
        faulty = [RawRow(e.line, None, e) for e in self.errors]
        return sorted(readable + faulty, key=lambda r: r.line)


def blocks_of(rows: Iterable[RawRow], size: int) -> Iterator[RawBlock]:
    """Group rows into blocks of `size`."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield RawBlock.of(chunk)


def _faulty(line: int, reason: str, message: str) -> RawRow:
    """A row that is malformed on its own: handed on as a rejection, the rest of the file goes on."""
    return RawRow(line, None, Rejection(line, None, reason, message))


def _open_parquet(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise FileRejected(None, "unparseable", _("not a readable Parquet file: %(why)s", why=exc)) from exc
    _check_header(parquet.schema_arrow.names, line=None)
    return parquet


def detect_format(path: Path) -> str:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            _(
                "cannot tell the format of '%(name)s' from its suffix; pass --format (%(formats)s)",
                name=path.name,
                formats=", ".join(FORMATS),
            )
        )
    return fmt


def detect_csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, decided by decoding the whole file; else FileRejected."""
    with path.open("rb") as f:
        head = f.read(4)
    return _settle_encoding(
        head, lambda encoding: _decode_all(path, encoding, fail_reason="invalid_encoding")
    )


def decode_text(data: bytes) -> str:
    """A small text file held in memory (a file of bidders), decoded by the rules ingest reads files by:
    UTF-8 with or without a byte-order mark, else GB18030 (which GBK is part of); UTF-16 is refused.
    FileRejected names the line and character where it fails."""
    decoded: dict[str, str] = {}

    def decode(encoding: str) -> None:
        try:
            decoded[encoding] = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise _decode_error(exc, 0, encoding, "invalid_encoding") from None

    encoding = _settle_encoding(data[:4], decode)
    return decoded[encoding]


def _settle_encoding(head: bytes, decode: Callable[[str], object]) -> str:
    """The encoding of a file starting with `head`, which `decode(encoding)` decodes whole or raises
    FileRejected: UTF-16 is refused, a UTF-8 byte-order mark settles it, else UTF-8, else GB18030."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(1, "unsupported_encoding", _("the file is UTF-16; save it as UTF-8 or GB18030"))
    if head.startswith(codecs.BOM_UTF8):
        decode("utf-8-sig")
        return "utf-8-sig"
    try:
        decode("utf-8")
        return "utf-8"
    except FileRejected as utf8_error:
        try:
            decode("gb18030")
        except FileRejected:
            raise FileRejected(
                utf8_error.line,
                "invalid_encoding",
                _("%(why)s; it is not GB18030 either", why=utf8_error.message),
            ) from None
        return "gb18030"


def _decode_all(path: Path, encoding: str, fail_reason: str) -> str:
    """Decode the whole file (FileRejected naming the line and character if it fails); its SHA-256."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines_before = 0
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                raise _decode_error(exc, lines_before, encoding, fail_reason) from None
            if final:
                return digest.hexdigest()
            digest.update(chunk)
            lines_before += chunk.count(b"\n")


def _decode_error(exc: UnicodeDecodeError, lines_before: int, encoding: str, reason: str) -> FileRejected:
    """Where decoding failed: exc.object is the bytes decoded (for a file read in chunks, the bytes the
    decoder held from the last chunk plus this one, after `lines_before` lines)."""
    joined = bytes(exc.object)
    offset = max(exc.start, 0)
    line = lines_before + joined[:offset].count(b"\n") + 1
    column = offset - (joined.rfind(b"\n", 0, offset) + 1) + 1
    byte = joined[offset : offset + 1].hex().upper()
    encoding = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
    return FileRejected(
        line,
        reason,
        _(
            "byte 0x%(byte)s at character %(at)s is not valid %(encoding)s",
            byte=byte,
            at=column,
            encoding=encoding,
        ),
    )


def _check_csv(path: Path, encoding: str) -> list[str]:
    """Parse the whole CSV once so a structural fault rejects the file before anything is stored."""
    csv.field_size_limit(min(_CSV_FIELD_LIMIT, sys.maxsize))
    with path.open("r", encoding=encoding, newline="") as f:
        reader = csv.reader(f, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise FileRejected(1, "empty_file", _("the file is empty; the first line must be the header"))
            header = [h.strip() for h in header]
            _check_header(header, line=1)
            for _row in reader:
                pass
        except csv.Error as exc:
            raise FileRejected(
                reader.line_num, "unparseable", _("CSV cannot be parsed: %(why)s", why=exc)
            ) from None
    return header


def _check_header(names: list[str], line: int | None) -> None:
    where = _(N_("header") if line else N_("schema"))
    for i, name in enumerate(names, start=1):
        if not name:
            raise FileRejected(
                line, "empty_header", _("column %(i)s of the %(where)s has no name", i=i, where=where)
            )
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise FileRejected(
                line,
                "duplicate_header",
                _(
                    "column '%(name)s' appears twice in the %(where)s (columns %(first)s and %(i)s)",
                    name=name,
                    where=where,
                    first=seen[name],
                    i=i,
                ),
            )
        seen[name] = i
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise FileRejected(
            line,
            "unknown_column",
            _(
                "column '%(name)s' is not a field of the interchange format (known: %(known)s)",
                name=unknown[0],
                known=", ".join(FIELDS),
            ),
        )
    missing = [n for n in FIELDS if n in REQUIRED and n not in seen]
    if missing:
        raise FileRejected(
            line,
            "missing_column",
            _("required column '%(name)s' is missing from the %(where)s", name=missing[0], where=where),
        )
