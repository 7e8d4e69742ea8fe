"""`ExportService`: the registry's public data written out as dated files, in every format or some; the
command line and the API call it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from credence.catalog import Catalog
from credence.clock import Clock, today
from credence.exports import files, flat, ftm
from credence.exports.content import Snapshot, snapshot
from credence.exports.files import ExportFile, ExportFormat
from credence.log import events
from credence.log.store import Event
from credence.measures.catalog import Measures
from credence.settings import Settings


@dataclass(frozen=True)
class Written:
    file: ExportFile
    seconds: float


class Exported(list[Written]):
    """The files an export wrote, and the dated files it removed as beyond the retention
    (`exports_keep_days`)."""

    def __init__(self, written: Iterable[Written], removed: Iterable[ExportFile]) -> None:
        super().__init__(written)
        self.removed = list(removed)


class ExportService:
    def __init__(
        self, engine: Engine, catalog: Catalog, measures: Measures, clock: Clock, settings: Settings
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.measures = measures
        self.clock = clock
        self.settings = settings

    @property
    def folder(self) -> Path:
        return self.settings.exports_dir

    def snapshot(self) -> Snapshot:
        with self.engine.connect() as conn:
            return snapshot(conn, self.catalog, today(self.clock, self.settings.timezone), self.clock.now())

    def export(
        self, folder: Path | None = None, formats: Iterable[ExportFormat] = tuple(ExportFormat)
    ) -> Exported:
        """Write each format as `credence-<today>.<ext>` in the folder (by default `exports_dir`), with
        its checksum and latest link, and log each file (name and SHA-256) in the transparency log. Then
        remove the dated files beyond the retention (`exports_keep_days`), with their checksums, and log
        each removal: their `export.published` events stay, as everything in the log does."""
        out = folder or self.folder
        out.mkdir(parents=True, exist_ok=True)
        shown = self.snapshot()
        written: list[Written] = []
        for fmt in formats:
            started = time.perf_counter()
            temporary = out / f".{files.dated_name(fmt, shown.today)}.tmp"
            self._writer(fmt)(temporary, shown)
            done = files.publish(out, fmt, shown.today, temporary)
            written.append(Written(done, time.perf_counter() - started))
        removed = files.prune(out, shown.today, self.settings.exports_keep_days)
        self._log([w.file for w in written], removed)
        return Exported(written, removed)

    def _writer(self, fmt: ExportFormat) -> Callable[[Path, Snapshot], None]:
        return {
            ExportFormat.ftm: self._ftm,
            ExportFormat.targets: self._targets,
            ExportFormat.ndjson: self._ndjson,
            ExportFormat.parquet: self._parquet,
            ExportFormat.csv: self._csv,
        }[fmt]

    def _ftm(self, path: Path, shown: Snapshot) -> None:
        with path.open("wb") as out:
            ftm.write_entities(out, ftm.entities(shown, self.catalog, self.measures))

    def _targets(self, path: Path, shown: Snapshot) -> None:
        with path.open("w", encoding="utf-8", newline="") as out:
            ftm.write_targets(out, ftm.entities(shown, self.catalog, self.measures))

    def _ndjson(self, path: Path, shown: Snapshot) -> None:
        with path.open("wb") as out:
            flat.write_ndjson(out, flat.rows(shown, self.catalog))

    def _parquet(self, path: Path, shown: Snapshot) -> None:
        flat.write_parquet(path, flat.rows(shown, self.catalog))

    def _csv(self, path: Path, shown: Snapshot) -> None:
        flat.write_csv(path, flat.rows(shown, self.catalog))

    def _log(self, written: Sequence[ExportFile], removed: Sequence[ExportFile] = ()) -> None:
        """Each file an `export.published` event, public: anyone can check a copy against the log; each file
        removed an `export.removed` event, so a mirror learns it is no longer published."""
        if not written and not removed:
            return
        with self.engine.begin() as conn:
            events.note_all(
                conn,
                (
                    Event(
                        "export.published",
                        f"export:{f.name}",
                        {
                            "file": f.name,
                            "format": f.format.value,
                            "as_of": f.on.isoformat(),
                            "bytes": f.bytes,
                            "sha256": f.sha256,
                        },
                        None,
                        True,
                    )
                    for f in written
                ),
            )
            events.note_all(
                conn,
                (
                    Event(
                        "export.removed",
                        f"export:{f.name}",
                        {
                            "file": f.name,
                            "format": f.format.value,
                            "as_of": f.on.isoformat(),
                            "sha256": f.sha256,
                        },
                        None,
                        True,
                    )
                    for f in removed
                ),
            )
            events.flush(conn, self.clock.now())

    def files(self) -> list[ExportFile]:
        """The dated files published: those the retention keeps, newest first."""
        return files.served(
            self.folder, today(self.clock, self.settings.timezone), self.settings.exports_keep_days
        )

    def latest(self, fmt: ExportFormat) -> ExportFile | None:
        return files.latest(self.folder, fmt)
