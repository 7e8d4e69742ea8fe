"""A measure that gives effect here to a decision published abroad (mdb_cross_debarment: a development
bank's debarment of more than a year, under the 2010 Agreement for Mutual Enforcement of Debarment
Decisions) is exported as a Sanction of its own while it is in force, by the rule the checks apply
(`measures.decisions`), and only for published records of listed subjects."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson
from followthemoney import model

from credence.checks.service import CheckService
from credence.exports.files import ExportFormat, latest_name
from credence.exports.service import ExportService
from credence.measures.catalog import load_measures

from helpers import USCC_A, USCC_B, row, write_csv

MEASURE = "mdb_cross_debarment"


def debarment(n: str, decided_on: str, until: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "category": "development_bank_debarment",
        "severity": None,
        "amount": None,
        "currency": None,
        "decided_on": decided_on,
        "effective_until": until,
        "legal_basis": "World Bank Sanctions Procedures, Section 9.01",
        "summary": "Grounds: Fraudulent Practice.",
    }
    return row(n, **(fields | overrides))


def test_a_cross_debarment_in_force_is_its_own_sanction_and_nothing_else_is(
    service, process, engine, catalog, clock, settings, tmp_path: Path
) -> None:
    rows = [
        debarment("wb-1", "2026-01-10", "2028-12-31"),  # more than a year, running: the measure
        debarment("wb-2", "2026-03-01", "2026-12-31"),  # less than a year: none
        debarment("wb-3", "2024-06-01", "2025-10-31"),  # more than a year, ended: published, no measure
        debarment("wb-4", "2026-01-10", "2028-12-31", subject_id=USCC_B, subject_name="B"),  # no notice
    ]
    service.ingest_file(write_csv(tmp_path / "wb.csv", rows), "WB")
    for ref in ("wb-1", "wb-2", "wb-3"):
        process.deliver_record_notice("WB", ref, actor="clerk", channel="post")
    measures = load_measures(catalog)
    folder = tmp_path / "exports"
    exporter = ExportService(
        engine, catalog, measures, clock, settings.model_copy(update={"exports_dir": folder})
    )
    exporter.export(formats=(ExportFormat.ftm, ExportFormat.targets))

    entities = [
        orjson.loads(line) for line in (folder / latest_name(ExportFormat.ftm)).read_bytes().splitlines()
    ]
    for data in entities:
        model[data["schema"]].validate(data)
    found = [
        e for e in entities if e["schema"] == "Sanction" and e["properties"].get("programId") == [MEASURE]
    ]
    assert len(found) == 1, found
    props = found[0]["properties"]
    assert props["entity"] == [f"credence-uscc-{USCC_A}"]
    assert props["startDate"] == ["2026-01-10"] and props["endDate"] == ["2028-12-31"]
    assert props["provisions"][0].endswith("(mdb_financed_procurement)")
    assert props["summary"][0].startswith("Agreement for Mutual Enforcement of Debarment Decisions")
    assert props["authorityId"] == ["wb-1"] and "WB/wb-1 of 2026-01-10" in props["reason"][0]
    # The decisions themselves are still Sanctions of their own (all three published ones).
    records = {e["properties"]["authorityId"][0] for e in entities if e["id"].startswith("credence-record-")}
    assert records == {"wb-1", "wb-2", "wb-3"}
    # The export and a check agree: the same measure, the same period.
    checks = CheckService(engine, catalog, measures, process.lists.lists, clock, settings, process.rating)
    applied = [
        a for a in checks.check(USCC_A, "mdb_financed_procurement").applied if a.measure.code == MEASURE
    ]
    assert [(a.since.isoformat(), a.until.isoformat()) for a in applied] == [("2026-01-10", "2028-12-31")]
    # targets.simple.csv names it among the subject's sanctions.
    text = (folder / latest_name(ExportFormat.targets)).read_text("utf-8")
    target = next(r for r in csv.DictReader(io.StringIO(text)) if r["id"] == f"credence-uscc-{USCC_A}")
    assert " - 2026-01-10 - 2028-12-31" in target["sanctions"]
    assert USCC_B not in text
