"""Snapshots (credence.snapshots): the files match their manifest and the store, as of one log size, on
SQLite and PostgreSQL alike; a record stored while a snapshot is taken is not in it; records awaiting
notice are in it, flagged, and counted in the manifest."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from credence.cli.main import app
from credence.files import sha256_of
from credence.log.store import head
from credence.snapshots import SnapshotError, read_manifest, take_snapshot
from credence.store.models import Organisation, RatingRow, Record

from conftest import NOW
from helpers import USCC_B, notice_all, process_for, row, write_csv

NOTICED = ["XZCF-2026-0001", "XZCF-2026-0002"]


@pytest.fixture
def registry(service, engine, tmp_path):
    """A with two noticed penalties, B with one, all rated; then a penalty on B awaiting notice."""
    rows = [
        row(1),
        row(2, severity="serious"),
        row(3, subject_id=USCC_B, subject_name="深圳某某电子有限公司"),
    ]
    service.ingest_file(write_csv(tmp_path / "samr.csv", rows), "SAMR")
    notice_all(engine, service)
    process_for(service).rating.rate()
    service.ingest_file(write_csv(tmp_path / "later.csv", [row(4, subject_id=USCC_B)]), "SAMR")
    return service


def _take(engine, folder, **kwargs):
    return take_snapshot(engine, folder, policy_version="v", policy_sha256="0" * 64, now=NOW, **kwargs)


def test_files_match_the_manifest_and_the_store(registry, engine, tmp_path) -> None:
    manifest = _take(engine, tmp_path / "snap", batch_rows=2)  # several batches per table
    assert read_manifest(tmp_path / "snap") == manifest  # row counts and SHA-256 checked
    models = {"organisations": Organisation, "records": Record, "ratings": RatingRow}
    with engine.connect() as conn:
        assert manifest.log_size == head(conn).size
        for name, model in models.items():
            stored = conn.execute(select(func.count()).select_from(model)).scalar_one()
            f = manifest.files[name]
            assert f.rows == stored == pq.read_table(tmp_path / "snap" / f.file).num_rows
            assert f.sha256 == sha256_of(tmp_path / "snap" / f.file)
    written = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert written["log_size"] == manifest.log_size and written["policy_version"] == "v"


def test_records_awaiting_notice_are_flagged(registry, engine, tmp_path) -> None:
    manifest = _take(engine, tmp_path / "snap")
    records = pq.read_table(tmp_path / "snap" / "records.parquet").to_pylist()
    flags = {r["source_record_id"]: (r["noticed"], r["noticed_at"] is not None) for r in records}
    assert flags == {
        "XZCF-2026-0001": (True, True),
        "XZCF-2026-0002": (True, True),
        "XZCF-2026-0003": (True, True),
        "XZCF-2026-0004": (False, False),
    }
    assert manifest.unnoticed_records == 1


def test_a_record_stored_meanwhile_is_not_in_it(registry, engine, tmp_path) -> None:
    stored: list[int] = []

    def store_one(table: str, rows: int) -> None:  # after the first batch of the first table
        if not stored:
            result = registry.ingest_file(write_csv(tmp_path / "meanwhile.csv", [row(5)]), "SAMR")
            stored.append(result.accepted)

    manifest = _take(engine, tmp_path / "snap", batch_rows=1, progress=store_one)
    assert stored == [1]
    with engine.connect() as conn:
        assert head(conn).size > manifest.log_size  # the ingest was logged, after the snapshot's size
        assert conn.execute(select(func.count()).select_from(Record)).scalar_one() == 5
    records = pq.read_table(tmp_path / "snap" / "records.parquet").column("source_record_id").to_pylist()
    assert sorted(records) == [f"XZCF-2026-000{i}" for i in range(1, 5)]
    assert manifest.files["records"].rows == 4


def test_a_folder_that_is_not_empty_is_refused_unless_forced(registry, engine, tmp_path) -> None:
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(SnapshotError, match="not empty"):
        _take(engine, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    _take(engine, folder, force=True)
    assert read_manifest(folder).files["records"].rows == 4


def test_a_changed_file_fails_its_check(registry, engine, tmp_path) -> None:
    _take(engine, tmp_path / "snap")
    pq.write_table(
        pq.read_table(tmp_path / "snap" / "ratings.parquet").slice(0, 1),
        tmp_path / "snap" / "ratings.parquet",
    )
    with pytest.raises(SnapshotError, match="ratings.parquet"):
        read_manifest(tmp_path / "snap")


def test_the_command(registry, store_url, tmp_path) -> None:
    env = {"CREDENCE_DATABASE_URL": store_url}
    result = CliRunner().invoke(app, ["snapshot", "--out", str(tmp_path / "snap")], env=env)
    assert result.exit_code == 0, result.output
    assert "records.parquet: 4 rows" in result.output
    assert "1 records not yet noticed" in result.output
    again = CliRunner().invoke(app, ["snapshot", "--out", str(tmp_path / "snap")], env=env)
    assert again.exit_code == 2 and "not empty" in again.output
