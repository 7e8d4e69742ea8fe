"""The registry's data out (credence.exports): every public list entry, public record and current grade in
FollowTheMoney, targets.simple.csv, NDJSON, Parquet and CSV, as dated files with checksums and a latest
link, each logged. The hard lines: no never-public subject, no record before its notice, no shared or
private record, nothing spread to another subject, no subject without an identifier before a record of its
own is published. Each test fails if its line is crossed."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from followthemoney import ValueEntity, model
from sqlalchemy import select
from typer.testing import CliRunner

from credence.catalog import parse_catalog
from credence.cli.main import app as cli_app
from credence.exports.files import EXTENSIONS, ExportFormat
from credence.exports.flat import BOM, COLUMNS
from credence.exports.ftm import TARGETS_COLUMNS
from credence.exports.service import ExportService
from credence.identity import build_uscc
from credence.measures.catalog import load_measures
from credence.server import create_app
from credence.store.models import LogEntry, Organisation
from credence.subjects.service import LinkService

from helpers import USCC_A, USCC_B, USCC_C, listing, process_for, row, write_csv

SOLE = build_uscc("92", "530100", "WR9G5XEA")
SOLE_NAME = "昆明佳和建材经营部（5240）"
AWAITING = "XZCF-AWAIT-1"
BANK_NAME = "Nairobi Example Roads Construction Limited"
DAY = "2026-11-25"  # the test clock's day (conftest.NOW, in the registry's time zone)


@pytest.fixture
def registry(populated, service, engine, tmp_path) -> Any:
    """A (public penalty, shared arrears SI-1, an abnormal-operation entry) and B (a licence, an honour),
    rated; a sole proprietor with a public penalty and a noticed entry; then, awaiting notice, a penalty on
    C and a development bank's listing of a firm without an identifier."""
    process = process_for(service)
    sole = row("STA-SOLE-1", subject_id=SOLE, subject_name=SOLE_NAME, severity="serious")
    service.ingest_file(write_csv(tmp_path / "sole.csv", [sole]), "SAMR")
    process.deliver_record_notice("SAMR", "STA-SOLE-1", actor="clerk", channel="post")
    for subject, ref in ((USCC_A, "SAMR-AB-1"), (SOLE, "SAMR-AB-2")):
        entry = process.lists.enter(
            "SAMR", subject, "unreachable", facts="Mail returned twice.", decision_ref=ref, actor="SAMR clerk"
        )
        process.deliver_record_notice("SAMR", f"LIST-{entry.id}", actor="clerk", channel="post")
    process.rating.rate()
    waiting = row(AWAITING, subject_id=USCC_C, subject_name="杭州某某食品有限公司")
    service.ingest_file(write_csv(tmp_path / "later.csv", [waiting]), "SAMR")
    service.ingest_file(write_csv(tmp_path / "wb.csv", [listing("WB-9", BANK_NAME, "KE")]), "WB")
    return process


@pytest.fixture
def exporter(engine, catalog, clock, settings, tmp_path) -> ExportService:
    configured = settings.model_copy(update={"exports_dir": tmp_path / "exports"})
    return ExportService(engine, catalog, load_measures(catalog), clock, configured)


def written(exporter: ExportService) -> dict[ExportFormat, bytes]:
    exporter.export()
    folder = exporter.folder
    return {f: (folder / f"credence-latest.{ext}").read_bytes() for f, ext in _extensions().items()}


def _extensions() -> dict[ExportFormat, str]:
    return dict(EXTENSIONS)


def as_text(files: dict[ExportFormat, bytes]) -> str:
    """Every file as text, the Parquet file through its rows."""
    parquet = pq.read_table(io.BytesIO(files[ExportFormat.parquet])).to_pylist()
    texts = [v.decode("utf-8") for f, v in files.items() if f is not ExportFormat.parquet]
    return "\n".join([*texts, json.dumps(parquet, ensure_ascii=False, default=str)])


def ftm_entities(files: dict[ExportFormat, bytes]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in files[ExportFormat.ftm].splitlines()]


def flat_rows(files: dict[ExportFormat, bytes]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in files[ExportFormat.ndjson].splitlines()]


def test_every_entity_is_valid_followthemoney(registry, exporter) -> None:
    entities = ftm_entities(written(exporter))
    assert entities
    ids = {e["id"] for e in entities}
    for data in entities:
        schema = model[data["schema"]]
        assert schema.name in {"Company", "Organization", "PublicBody", "Sanction"}
        schema.validate(data)  # raises InvalidData on a missing required property or an invalid value
        # Re-read as untrusted input, every value cleaned again: nothing changes (what `ftm validate` does).
        again = ValueEntity.from_dict(json.loads(json.dumps(data)), cleaned=False)
        assert again.properties == data["properties"], data
        assert data["datasets"] == ["credence"] and data["first_seen"] and data["last_seen"]
        if schema.name == "Sanction":
            assert set(data["properties"]["entity"]) <= ids
    by_id = {e["id"]: e for e in entities}
    a = by_id[f"credence-uscc-{USCC_A}"]
    assert a["schema"] == "Company" and a["properties"]["uscCode"] == [USCC_A]
    programs = {
        tuple(e["properties"]["program"])
        for e in entities
        if e["schema"] == "Sanction" and e["properties"]["entity"] == [a["id"]]
    }
    assert ("Administrative penalty",) in programs or len(programs) >= 2, programs


def test_no_never_public_subject_anywhere(registry, exporter) -> None:
    text = as_text(written(exporter))
    for secret in (SOLE, SOLE_NAME, "昆明佳和", "STA-SOLE-1", "SAMR-AB-2"):
        assert secret not in text


def test_nothing_before_its_notice_and_no_unidentified_subject_before_its_own_record(
    registry, exporter
) -> None:
    text = as_text(written(exporter))
    for secret in (USCC_C, AWAITING, "杭州某某食品", BANK_NAME, "WB-9"):
        assert secret not in text
    registry.deliver_record_notice("SAMR", AWAITING, actor="clerk", channel="post")
    registry.deliver_record_notice("WB", "WB-9", actor="WB clerk", channel="e-mail")
    text = as_text(written(exporter))  # the same day: the dated files are written again
    for published in (USCC_C, AWAITING, BANK_NAME, "WB-9"):
        assert published in text


def test_no_shared_or_private_record(registry, exporter, engine, catalog) -> None:
    files = written(exporter)
    assert "SI-1" not in as_text(files)
    categories = {r["category"] for r in flat_rows(files) if r["type"] == "record"}
    assert categories and all(catalog.categories[c].publicity.value == "public" for c in categories)


def test_nothing_spreads_to_another_subject(registry, exporter) -> None:
    files = written(exporter)
    rows = flat_rows(files)
    owners = {r["reference"]: r["identifier"] for r in rows if r["type"] == "record"}
    assert owners["XZCF-2026-0001"] == USCC_A and owners["XZCF-2026-0002"] == USCC_B
    entries = [r for r in rows if r["type"] == "list_entry"]
    assert {(r["category"], r["identifier"]) for r in entries} == {
        ("abnormal_operation", USCC_A),
        ("honour", USCC_B),
    }
    entities = ftm_entities(files)
    b = f"credence-uscc-{USCC_B}"
    # B's licence and honour are not sanctions, and A's penalty and listing stay A's.
    assert not [e for e in entities if e["schema"] == "Sanction" and b in e["properties"]["entity"]]
    assert not [e for e in entities if e["schema"] in {"Person", "LegalEntity"}]
    targets = list(csv.DictReader(io.StringIO(files[ExportFormat.targets].decode())))
    assert [t["id"] for t in targets] == [f"credence-uscc-{USCC_A}"]


def test_flat_formats_agree_and_csv_has_a_byte_order_mark(registry, exporter) -> None:
    files = written(exporter)
    rows = flat_rows(files)
    parquet = pq.read_table(io.BytesIO(files[ExportFormat.parquet])).to_pylist()
    assert len(parquet) == len(rows) and [p["key"] for p in parquet] == [r["key"] for r in rows]
    text = files[ExportFormat.csv].decode("utf-8")
    assert text.startswith(BOM)
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert tuple(lines[0]) == COLUMNS and len(lines) == len(rows) + 1
    assert "北京某某食品有限公司" in text
    grades = {r["identifier"]: r["grade"] for r in rows if r["type"] == "organisation"}
    assert grades[USCC_A] and grades[USCC_B]
    # Every cell quoted, as OpenSanctions writes it (csv.unix_dialect).
    header = files[ExportFormat.targets].decode().splitlines()[0]
    assert header == ",".join(f'"{c}"' for c in TARGETS_COLUMNS)


def test_dated_files_with_checksums_latest_links_and_log_events(registry, exporter, engine) -> None:
    done = exporter.export()
    folder = exporter.folder
    assert {w.file.name for w in done} == {
        f"credence-{DAY}.ftm.json",
        f"credence-{DAY}.targets.simple.csv",
        f"credence-{DAY}.ndjson",
        f"credence-{DAY}.parquet",
        f"credence-{DAY}.csv",
    }
    for w in done:
        path = folder / w.file.name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == w.file.sha256
        assert (folder / f"{w.file.name}.sha256").read_text() == f"{w.file.sha256}  {w.file.name}\n"
        latest = folder / f"credence-latest.{w.file.name.split('.', 1)[1]}"
        assert latest.is_symlink() and latest.resolve() == path.resolve()
    assert [f.name for f in exporter.files()] == sorted((w.file.name for w in done), reverse=True)
    with engine.connect() as conn:
        logged = [
            json.loads(e.content)
            for e in conn.execute(select(LogEntry).where(LogEntry.kind == "export.published"))
        ]
    assert {(c["file"], c["sha256"]) for c in logged} == {(w.file.name, w.file.sha256) for w in done}


def test_an_empty_registry_exports_empty_files(exporter) -> None:
    files = written(exporter)
    assert files[ExportFormat.ftm] == b"" and files[ExportFormat.ndjson] == b""
    assert files[ExportFormat.csv].decode("utf-8") == BOM + ",".join(COLUMNS) + "\n"
    assert pq.read_table(io.BytesIO(files[ExportFormat.parquet])).num_rows == 0
    assert Path(exporter.folder).is_dir()


def test_the_api_lists_the_dated_files_and_serves_the_latest(registry, exporter, clock) -> None:
    with TestClient(create_app(exporter.settings, clock), client=("127.0.0.1", 50000)) as client:
        assert client.get("/api/v1/exports").json()["total"] == 0
        assert client.get("/api/v1/exports/latest/ftm").status_code == 404
        done = {w.file.format: w.file for w in exporter.export()}
        listed = client.get("/api/v1/exports").json()
        assert listed["total"] == 5
        assert {(i["file"], i["sha256"]) for i in listed["items"]} == {
            (f.name, f.sha256) for f in done.values()
        }
        csv_file = client.get("/api/v1/exports/latest/csv")
        assert csv_file.status_code == 200 and csv_file.content.startswith(BOM.encode())
        assert csv_file.headers["x-checksum-sha256"] == done[ExportFormat.csv].sha256
        assert done[ExportFormat.csv].name in csv_file.headers["content-disposition"]
        by_name = client.get(f"/api/v1/exports/files/{done[ExportFormat.parquet].name}")
        assert hashlib.sha256(by_name.content).hexdigest() == done[ExportFormat.parquet].sha256
        assert client.get("/api/v1/exports/files/credence-2001-01-01.csv").status_code == 404
        assert client.get("/api/v1/exports/files/passwd").status_code == 422


def test_no_subject_a_clerk_joined_into_a_sole_proprietors_file(
    registry, exporter, service, engine, clock, tmp_path
) -> None:
    """A published listing is exported; once a clerk joins it into a sole proprietor's file, it is not:
    the file stays never public, through any of its subjects."""
    name = "Kunming Example Building Materials Trading"
    service.ingest_file(write_csv(tmp_path / "wb2.csv", [listing("WB-77", name, "CN")]), "WB")
    registry.deliver_record_notice("WB", "WB-77", actor="WB clerk", channel="e-mail")
    assert name in as_text(written(exporter))
    with engine.connect() as conn:
        found = dict(conn.execute(select(Organisation.key, Organisation.id)).all())
        listed_key = conn.execute(select(Organisation.key).where(Organisation.name == name)).scalar_one()
    LinkService(engine, clock, auto=0.99, review=0.5).judge(
        found[f"uscc:{SOLE}"], found[listed_key], "same", "SAMR", "SAMR clerk Li", "the same shop"
    )
    text = as_text(written(exporter))
    for secret in (name, "WB-77", listed_key.split(":")[1], SOLE):
        assert secret not in text


def test_an_entry_is_exported_only_while_its_list_is_public(
    registry, engine, clock, settings, tmp_path
) -> None:
    """Under a catalog that shares honours with public bodies only, B's honour, in force and noticed, is
    not exported (records.publicity.entry_public, as the list pages ask it)."""
    text = resources.files("credence.catalog").joinpath("default_catalog.yaml").read_text("utf-8")
    marker = "    list: honour  # entries through the list procedure (credence lists), never submitted\n"
    assert marker + "    publicity: public\n" in text
    shared = parse_catalog(
        text.replace(marker + "    publicity: public\n", marker + "    publicity: shared\n")
    )
    configured = settings.model_copy(update={"exports_dir": tmp_path / "shared-honours"})
    files = written(ExportService(engine, shared, load_measures(shared), clock, configured))
    rows = flat_rows(files)
    assert {r["category"] for r in rows if r["type"] == "list_entry"} == {"abnormal_operation"}
    assert not [r for r in rows if r["category"] == "honour"]


def test_credence_export_writes_the_files_it_names(registry, store_url, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    env = {"CREDENCE_DATABASE_URL": store_url}
    done = CliRunner().invoke(cli_app, ["export", "--out", str(out), "--format", "targets"], env=env)
    assert done.exit_code == 0, done.output
    (line,) = done.output.splitlines()
    name = line.split(":")[0]
    assert Path(name).parent == out and Path(name).name.endswith(".targets.simple.csv")
    checksum = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    assert f"sha256 {checksum}" in line
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            Path(name).name,
            f"{Path(name).name}.sha256",
            "credence-latest.targets.simple.csv",
            "credence-latest.targets.simple.csv.sha256",
        ]
    )
    # Without --out, the folder CREDENCE_EXPORTS_DIR names (default ./exports).
    env["CREDENCE_EXPORTS_DIR"] = str(tmp_path / "configured")
    assert CliRunner().invoke(cli_app, ["export", "--format", "csv"], env=env).exit_code == 0
    assert (tmp_path / "configured" / "credence-latest.csv").is_file()
