"""Measured: the three shipped lists, turned into OpenSanctions' targets.simple.csv, read through the
targets reader give the same rows accepted and refused, and the same subjects, as their own mappings.

The conversion is the test's: each bank row becomes one target, as OpenSanctions' crawlers publish these
banks (a `LegalEntity` where the bank does not say firm or individual; the IDB's `Entity` column gives
`Person` or `Company`), with its name, other name, lower-case country, address, identifier and one
sanction, `DEBARMENT - start - end`. The real files stay in ../shared/data and are never copied.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from credence.records import repository as repo
from credence.sources import Role, RowMapper, load_dataset, read_raw
from credence.sources.opensanctions import TARGETS_COLUMNS
from credence.sources.service import ingest_dataset

from conftest import shared_data

FILES = {
    "world_bank": "world_bank_listing_of_ineligible_firms_and_individuals.xlsx",
    "idb": "Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx",
    "ebrd": "european_bank_for_reconstruction_and_development_ineligible_firms.csv",
}

pytestmark = pytest.mark.realdata

# One rule reads the sanction the conversion writes; the sentinels are the interchange's words.
TARGETS_RULE = (
    r"debarment\s*-\s*(?P<decided_on>\d{4}-\d{2}-\d{2})"
    r"(?:\s*-\s*(?P<effective_until>\d{4}-\d{2}-\d{2}|permanent|open-ended))?"
)


def to_targets(name: str, folder: Path) -> tuple[Path, Path, list[int]]:
    """The bank's file as a targets.simple.csv, its YAML, and the bank's line of each target row."""
    native = load_dataset(name)
    mapper = RowMapper(native)
    entity_column = native.column_for(Role.ENTITY_TYPE)
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, raw in read_raw(shared_data("debarment", FILES[name]), native):
        row = mapper(raw)
        if entity_column is None:
            schema = "LegalEntity"
        else:
            schema = "Person" if str(raw.get(entity_column) or "").strip() == "Individual" else "Company"
        until = row["effective_until"] or ""
        sanction = " - ".join(v for v in ("DEBARMENT", row["decided_on"] or "", until) if v)
        values = {
            "id": row["source_record_id"] or "",
            "schema": schema,
            "name": row["subject_name"] or "",
            "aliases": row["subject_alt_name"] or "",
            "countries": (row["subject_country"] or "").lower(),
            "addresses": row["subject_address"] or "",
            "identifiers": row["subject_id"] or "",
            "sanctions": sanction,
            "dataset": native.title,
        }
        rows.append([values.get(column, "") for column in TARGETS_COLUMNS])
        lines.append(line)
    path = folder / f"{name}.targets.simple.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, dialect=csv.unix_dialect)
        writer.writerow(TARGETS_COLUMNS)
        writer.writerows(rows)
    mapping: dict[str, Any] = {
        "name": f"{name}_targets",
        "title": f"{native.title} (targets.simple.csv)",
        "publisher": {"name": "OpenSanctions", "url": "https://www.opensanctions.org/datasets/"},
        "department": native.department,
        "category": native.category,
        "legal_basis": native.legal_basis,
        "record_id": {"prefix": f"{native.record_id.prefix}os"},
        "file": {"format": "opensanctions_targets"},
        "decision_rules": [{"column": "sanctions", "prefix": "debarment", "pattern": TARGETS_RULE}],
        "date_formats": ["%Y-%m-%d"],
        "sentinels": {"permanent": "permanent", "open-ended": "open-ended"},
        "natural_person": native.natural_person.model_dump(),
        "expected_rows": native.expected_rows.model_dump(),
    }
    yml = folder / f"{name}_targets.yml"
    yml.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path, yml, lines


def subjects(engine: Any, department: str, prefix: str) -> dict[int, int]:
    """Organisation of each record of the department whose id has the prefix, counted."""
    with engine.connect() as conn:
        ids = conn.execute(
            select(repo.records.c.organisation_id).where(
                repo.records.c.department == department, repo.records.c.source_record_id.like(f"{prefix}-%")
            )
        ).scalars()
        out: dict[int, int] = {}
        for organisation in ids:
            out[organisation] = out.get(organisation, 0) + 1
    return out


@pytest.mark.parametrize("name", ["world_bank", "idb", "ebrd"])
def test_a_list_as_targets_gives_what_its_own_mapping_gives(
    service, engine, tmp_path: Path, name: str
) -> None:
    native = load_dataset(name)
    native_rejections: list[Any] = []
    bank_file = shared_data("debarment", FILES[name])
    own = ingest_dataset(service, bank_file, name, on_reject=native_rejections.append)
    with engine.connect() as conn:
        organisations = conn.execute(select(repo.organisations.c.id)).scalars().all()

    path, yml, lines = to_targets(name, tmp_path)
    rejections: list[Any] = []
    targets = ingest_dataset(service, path, str(yml), on_reject=rejections.append)

    assert targets.status == own.status == "complete"
    assert targets.data_rows == own.data_rows
    assert (targets.new, targets.unchanged, targets.rejected) == (own.new, own.unchanged, own.rejected)
    # The same rows refused, each as a person (the bank's line of each target row).
    assert {lines[r.line - 2] for r in rejections} == {r.line for r in native_rejections}
    assert {r.reason for r in rejections} == {r.reason for r in native_rejections} == {"natural_person"}
    # The same subjects: the targets' records fall on the organisations the bank's made, no new one.
    with engine.connect() as conn:
        assert conn.execute(select(repo.organisations.c.id)).scalars().all() == organisations
    prefix = native.record_id.prefix
    assert subjects(engine, native.department, f"{prefix}os") == subjects(engine, native.department, prefix)
