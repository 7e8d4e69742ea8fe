"""Dated export files are kept `exports_keep_days` days (the newest of each format always): `credence
export` removes older ones with their checksums and logs each removal, the API neither lists nor serves
them, and their `export.published` events stay in the log."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from credence.exports.files import ExportFormat
from credence.exports.service import ExportService
from credence.measures.catalog import load_measures
from credence.server import create_app
from credence.store.models import LogEntry

DAY = "2026-11-25"  # the test clock's day


def logged(engine: Any, kind: str) -> set[str]:
    with engine.connect() as conn:
        return {
            json.loads(e.content)["file"] for e in conn.execute(select(LogEntry).where(LogEntry.kind == kind))
        }


def test_files_beyond_the_retention_are_removed_and_no_longer_served(
    populated, engine, catalog, clock, settings, tmp_path
) -> None:
    configured = settings.model_copy(update={"exports_dir": tmp_path / "exports", "exports_keep_days": 7})
    exporter = ExportService(engine, catalog, load_measures(catalog), clock, configured)
    folder = exporter.folder
    first = {w.file.name for w in exporter.export()}
    old_csv = f"credence-{DAY}.csv"
    assert old_csv in first
    clock.advance(timedelta(days=3))
    second = {w.file.name for w in exporter.export()}
    with TestClient(create_app(configured, clock), client=("127.0.0.1", 50000)) as client:
        assert client.get(f"/api/v1/exports/files/{old_csv}").status_code == 200
        clock.advance(timedelta(days=5))  # 2026-12-03: the first kept day is 2026-11-27
        done = exporter.export()
        assert {f.name for f in done.removed} == first
        assert {f.name for f in exporter.files()} == second | {w.file.name for w in done}
        for name in first:
            assert not (folder / name).exists() and not (folder / f"{name}.sha256").exists()
        for name in second:
            assert (folder / name).is_file() and (folder / f"{name}.sha256").is_file()
        listed = client.get("/api/v1/exports", params={"per_page": 100}).json()
        assert {i["file"] for i in listed["items"]} == second | {w.file.name for w in done}
        assert client.get(f"/api/v1/exports/files/{old_csv}").status_code == 404
        assert client.get("/api/v1/exports/latest/csv").headers["x-checksum-sha256"] == next(
            w.file.sha256 for w in done if w.file.format is ExportFormat.csv
        )
        # A file written but not yet pruned (another process's folder, a retention just shortened) is not
        # served either once it is beyond the retention.
        clock.advance(timedelta(days=5))  # 2026-12-08: the files of 2026-11-28 are past it
        assert all(client.get(f"/api/v1/exports/files/{name}").status_code == 404 for name in second)
    assert logged(engine, "export.removed") == first
    assert first | second <= logged(engine, "export.published")  # the log is append-only


def test_the_newest_file_of_each_format_is_kept_whatever_its_age(
    populated, engine, catalog, clock, settings, tmp_path
) -> None:
    configured = settings.model_copy(update={"exports_dir": tmp_path / "exports", "exports_keep_days": 1})
    exporter = ExportService(engine, catalog, load_measures(catalog), clock, configured)
    first = {w.file.format: w.file.name for w in exporter.export()}
    clock.advance(timedelta(days=30))
    done = exporter.export(formats=[ExportFormat.ftm])
    assert [f.name for f in done.removed] == [first[ExportFormat.ftm]]
    kept = {f.format: f.name for f in exporter.files()}
    assert kept == first | {ExportFormat.ftm: done[0].file.name}
    assert all((exporter.folder / name).is_file() for name in kept.values())
