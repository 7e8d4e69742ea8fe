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
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from followthemoney import ValueEntity, model
from sqlalchemy import select

from credence.exports.files import ExportFormat
from credence.exports.flat import BOM, COLUMNS
from credence.exports.ftm import TARGETS_COLUMNS
from credence.exports.service import ExportService
from credence.identity import build_uscc
from credence.measures.catalog import load_measures
from credence.store.models import LogEntry

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
    from credence.exports.files import EXTENSIONS

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
    from fastapi.testclient import TestClient

    from credence.server import create_app

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
