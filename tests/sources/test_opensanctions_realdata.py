"""Measured: the three shipped lists, turned into OpenSanctions' formats (targets.simple.csv and FtM
entities), read through the OpenSanctions readers give the same rows accepted and refused, and the same
subjects, as their own mappings.

The conversion is the test's: each bank row becomes one target, as OpenSanctions' crawlers publish these
banks (a `LegalEntity` where the bank does not say firm or individual; the IDB's `Entity` column gives
`Person` or `Company`), with its name, other name, lower-case country, address, identifier and one
sanction (`DEBARMENT - start - end` in targets, a `Sanction` with startDate and endDate in FtM, where
rows that repeat an entry are one entity). The real files stay in ../shared/data and are never copied.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
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


def bank_rows(name: str) -> Iterator[tuple[int, str, dict[str, str | None]]]:
    """(line, FtM schema, interchange row) of each row of the bank's file, as its own mapping reads it."""
    native = load_dataset(name)
    mapper = RowMapper(native)
    entity_column = native.column_for(Role.ENTITY_TYPE)
    for line, raw in read_raw(shared_data("debarment", FILES[name]), native):
        if entity_column is None:
            schema = "LegalEntity"
        else:
            schema = "Person" if str(raw.get(entity_column) or "").strip() == "Individual" else "Company"
        yield line, schema, mapper(raw)


def write_mapping(name: str, fmt: str, folder: Path) -> Path:
    """The YAML of the bank's list in an OpenSanctions format: the bank's department, category, legal
    basis and natural_person rules."""
    native = load_dataset(name)
    source = f"{name}_{fmt}"
    mapping: dict[str, Any] = {
        "name": source,
        "title": f"{native.title} ({fmt})",
        "publisher": {"name": "OpenSanctions", "url": "https://www.opensanctions.org/datasets/"},
        "department": native.department,
        "category": native.category,
        "legal_basis": native.legal_basis,
        "record_id": {"prefix": f"{native.record_id.prefix}{fmt}"},
        "file": {"format": "opensanctions_targets" if fmt == "targets" else "ftm"},
        "date_formats": ["%Y-%m-%d"],
        "natural_person": native.natural_person.model_dump(),
        "expected_rows": native.expected_rows.model_dump(),
    }
    if fmt == "targets":
        mapping["decision_rules"] = [{"column": "sanctions", "prefix": "debarment", "pattern": TARGETS_RULE}]
        mapping["sentinels"] = {"permanent": "permanent", "open-ended": "open-ended"}
    path = folder / f"{source}.yml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path


def to_targets(name: str, folder: Path) -> tuple[Path, Path, list[int]]:
    """The bank's file as a targets.simple.csv, its YAML, and the bank's line of each target row."""
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, schema, row in bank_rows(name):
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
        }
        rows.append([values.get(column, "") for column in TARGETS_COLUMNS])
        lines.append(line)
    path = folder / f"{name}.targets.simple.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, dialect=csv.unix_dialect)
        writer.writerow(TARGETS_COLUMNS)
        writer.writerows(rows)
    return path, write_mapping(name, "targets", folder), lines


def to_ftm(name: str, folder: Path) -> tuple[Path, Path, dict[str, int]]:
    """The bank's file as FtM entities, as OpenSanctions publishes a list: one entity per distinct entry
    (rows that repeat one, such as a firm listed once per address, are one entity), followed by its
    Sanction; its YAML; and the bank's first line of each entity's id."""
    first_line: dict[str, int] = {}
    with (folder / f"{name}.entities.ftm.json").open("wb") as out:
        for line, schema, row in bank_rows(name):
            entity_id = row["source_record_id"] or ""
            if entity_id in first_line:
                continue
            first_line[entity_id] = line
            properties = {
                "name": [row["subject_name"]],
                "alias": [row["subject_alt_name"]],
                "country": [(row["subject_country"] or "").lower()],
                "address": [row["subject_address"]],
                "registrationNumber": [row["subject_id"]],
            }
            until = row["effective_until"] or ""
            sanction = {"entity": [entity_id], "startDate": [row["decided_on"]], "endDate": [until[:10]]}
            for entity in (
                {"id": entity_id, "schema": schema, "properties": properties},
                {"id": f"{entity_id}-sanction", "schema": "Sanction", "properties": sanction},
            ):
                entity["properties"] = {k: [v for v in vs if v] for k, vs in entity["properties"].items()}
                out.write(json.dumps(entity, ensure_ascii=False).encode() + b"\n")
    return folder / f"{name}.entities.ftm.json", write_mapping(name, "ftm", folder), first_line


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
    assert subjects(engine, native.department, f"{prefix}targets") == subjects(
        engine, native.department, prefix
    )


@pytest.mark.parametrize("name", ["world_bank", "idb", "ebrd"])
def test_a_list_as_ftm_entities_gives_what_its_own_mapping_gives(
    service, engine, tmp_path: Path, name: str
) -> None:
    native = load_dataset(name)
    native_rejections: list[Any] = []
    own = ingest_dataset(
        service, shared_data("debarment", FILES[name]), name, on_reject=native_rejections.append
    )
    with engine.connect() as conn:
        organisations = conn.execute(select(repo.organisations.c.id)).scalars().all()

    path, yml, first_line = to_ftm(name, tmp_path)
    rejections: list[Any] = []
    ftm = ingest_dataset(service, path, str(yml), on_reject=rejections.append)

    assert ftm.status == "complete"
    assert ftm.data_rows == len(first_line)
    # One record per distinct entry: the bank's new records, none of its repeats.
    assert (ftm.new, ftm.unchanged) == (own.new, 0)
    # The same entries refused, each as a person: entity k is on line 2k + 1, its Sanction below it.
    ids = list(first_line)
    assert {ids[(r.line - 1) // 2] for r in rejections} == {r.source_record_id for r in native_rejections}
    assert {r.reason for r in rejections} == {"natural_person"}
    with engine.connect() as conn:
        assert conn.execute(select(repo.organisations.c.id)).scalars().all() == organisations
    prefix = native.record_id.prefix
    assert set(subjects(engine, native.department, f"{prefix}ftm")) == set(
        subjects(engine, native.department, prefix)
    )
