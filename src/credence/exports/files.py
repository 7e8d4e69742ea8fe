"""Dated export files in a folder: `credence-YYYY-MM-DD.<ext>`, each with its SHA-256 beside it
(`<file>.sha256`, in `sha256sum`'s format) and a `credence-latest.<ext>` link to the newest. Files are kept
for a few days only (`kept`, `prune`): an old file would go on publishing what the registry has since
withdrawn, corrected or seen end."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from credence.files import sha256_of


class ExportFormat(StrEnum):
    ftm = "ftm"
    targets = "targets"
    ndjson = "ndjson"
    parquet = "parquet"
    csv = "csv"


EXTENSIONS = {
    ExportFormat.ftm: "ftm.json",
    ExportFormat.targets: "targets.simple.csv",
    ExportFormat.ndjson: "ndjson",
    ExportFormat.parquet: "parquet",
    ExportFormat.csv: "csv",
}
MEDIA_TYPES = {
    ExportFormat.ftm: "application/x-ndjson",
    ExportFormat.targets: "text/csv; charset=utf-8",
    ExportFormat.ndjson: "application/x-ndjson",
    ExportFormat.parquet: "application/vnd.apache.parquet",
    ExportFormat.csv: "text/csv; charset=utf-8",
}
_BY_EXTENSION = {ext: fmt for fmt, ext in EXTENSIONS.items()}
# The longest extensions first, so `targets.simple.csv` is not read as `csv`.
_ALTERNATIVES = "|".join(re.escape(e) for e in sorted(_BY_EXTENSION, key=len, reverse=True))
DATED = re.compile(rf"^credence-(\d{{4}}-\d{{2}}-\d{{2}})\.({_ALTERNATIVES})$")
NAME_PATTERN = DATED.pattern


@dataclass(frozen=True)
class ExportFile:
    name: str
    format: ExportFormat
    on: date
    bytes: int
    sha256: str


def dated_name(fmt: ExportFormat, on: date) -> str:
    return f"credence-{on.isoformat()}.{EXTENSIONS[fmt]}"


def latest_name(fmt: ExportFormat) -> str:
    return f"credence-latest.{EXTENSIONS[fmt]}"


def publish(folder: Path, fmt: ExportFormat, on: date, written: Path) -> ExportFile:
    """Move a finished file (written beside its final place) to its dated name, write its checksum, and
    point the latest link at it. Each step replaces atomically: a reader sees the old file or the new."""
    name = dated_name(fmt, on)
    target = folder / name
    os.replace(written, target)
    checksum = sha256_of(target)
    sidecar = folder / f".{name}.sha256.tmp"
    sidecar.write_text(f"{checksum}  {name}\n", encoding="ascii")
    os.replace(sidecar, folder / f"{name}.sha256")
    for link, to in ((latest_name(fmt), name), (f"{latest_name(fmt)}.sha256", f"{name}.sha256")):
        temporary = folder / f".{link}.tmp"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(to)
        os.replace(temporary, folder / link)
    return ExportFile(name, fmt, on, target.stat().st_size, checksum)


def dated_files(folder: Path) -> list[ExportFile]:
    """The dated files in the folder, newest first, each with the checksum written beside it."""
    found: list[ExportFile] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = DATED.match(path.name)
        if match is None or not path.is_file():
            continue
        sidecar = folder / f"{path.name}.sha256"
        checksum = sidecar.read_text(encoding="ascii").split()[0] if sidecar.is_file() else ""
        on = date.fromisoformat(match.group(1))
        found.append(ExportFile(path.name, _BY_EXTENSION[match.group(2)], on, path.stat().st_size, checksum))
    return sorted(found, key=lambda f: (f.on, f.name), reverse=True)


def latest(folder: Path, fmt: ExportFormat) -> ExportFile | None:
    """The newest dated file of a format (the one the latest link points at)."""
    return next((f for f in dated_files(folder) if f.format is fmt), None)


def kept(found: list[ExportFile], today: date, keep_days: int) -> list[ExportFile]:
    """The files still published: those of the last `keep_days` days (today's included), and the newest of
    each format whatever its age, which the latest link points at (newest first, as given)."""
    first_kept = today - timedelta(days=keep_days - 1)
    newest = {f.format: f.name for f in reversed(found)}  # oldest first: the newest of each is left
    return [f for f in found if f.on >= first_kept or newest.get(f.format) == f.name]


def served(folder: Path, today: date, keep_days: int) -> list[ExportFile]:
    """The dated files the API lists and serves: the kept ones, newest first."""
    return kept(dated_files(folder), today, keep_days)


def prune(folder: Path, today: date, keep_days: int) -> list[ExportFile]:
    """Remove the dated files beyond the retention, each with its checksum, and return them. The latest
    links never point at one: the newest of each format is kept."""
    found = dated_files(folder)
    keep = {f.name for f in kept(found, today, keep_days)}
    removed = [f for f in found if f.name not in keep]
    for f in removed:
        (folder / f.name).unlink(missing_ok=True)
        (folder / f"{f.name}.sha256").unlink(missing_ok=True)
    return removed
