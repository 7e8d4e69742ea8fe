"""A snapshot's folder: one Parquet file per table and `manifest.json`, written last, which names each
file's row count and SHA-256, the log size the snapshot is consistent with, the policy and the time."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from credence.files import sha256_of
from credence.i18n import _

MANIFEST = "manifest.json"
FORMAT = "credence-snapshot/1"
TABLES = ("organisations", "records", "ratings")  # each in <table>.parquet


class SnapshotError(ValueError):
    pass


@dataclass(frozen=True)
class TableFile:
    file: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    taken_at: str  # ISO 8601, UTC
    log_size: int  # the transparency log's size seen in the snapshot's transaction
    policy_version: str
    policy_sha256: str
    store: str  # sqlite | postgresql
    files: dict[str, TableFile]
    format: str = FORMAT
    # Records whose notice is not yet logged are in it, flagged: a reader keeps `noticed` rows only.
    unnoticed_records: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def rows_of(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def prepare(folder: Path, force: bool) -> None:
    """Make the folder ready: refuse one that holds anything, unless `force`; then the old manifest goes
    first, so that a snapshot cut short is never taken for a whole one."""
    if folder.exists() and not folder.is_dir():
        raise SnapshotError(_("%(folder)s is not a folder", folder=folder))
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise SnapshotError(
                _("%(folder)s is not empty: choose an empty folder, or --force to replace", folder=folder)
            )
        (folder / MANIFEST).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)


def read_manifest(folder: Path, *, check: bool = True) -> Manifest:
    """A snapshot's manifest; with `check`, each file's row count and SHA-256 are checked against it."""
    path = folder / MANIFEST
    if not path.is_file():
        raise SnapshotError(_("%(folder)s holds no snapshot (no manifest.json)", folder=folder))
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    files = {name: TableFile(**f) for name, f in raw.pop("files").items()}
    manifest = Manifest(files=files, **raw)
    if check:
        for f in files.values():
            if sha256_of(folder / f.file) != f.sha256 or rows_of(folder / f.file) != f.rows:
                raise SnapshotError(_("%(file)s does not match manifest.json", file=f.file))
    return manifest
