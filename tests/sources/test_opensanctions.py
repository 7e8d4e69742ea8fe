"""OpenSanctions' formats as sources (issue 15): `targets.simple.csv` and FollowTheMoney entities, read
with a dataset YAML that names the department, the category and how the sanctions read.

The files are built here from the formats' documentation: OpenSanctions' exporter writes the fifteen
columns, joins several values of a cell with `;` (quoted as a CSV row), writes countries in lower case and
each sanction as `program - reason - status - start - end`, leaving out what it lacks; the FtM file has
one JSON entity a line, every property a list of strings, and a `Sanction` per sanction naming its entity.
The department is the World Bank's, whose category and procedures the shipped catalog holds: the lists
are its debarments as OpenSanctions republishes them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from credence.cli.main import app
from credence.identity import lei_check_digits
from credence.records import repository as repo
from credence.sources import DatasetError, read_source
from credence.sources.mapping import parse_dataset
from credence.sources.opensanctions import TARGETS_COLUMNS, split_cell
from credence.sources.service import ingest_dataset

from helpers import USCC_A, USCC_B, counts

LEI = "5299000SOUTHWIND00" + lei_check_digits("5299000SOUTHWIND00")

CROSS_RULE = (
    r"(?:cross[- ]?debarment\s*:\s*)+(?P<originator>[a-z]+)\s*-\s*(?P<decided_on>\d{4}-\d{2}-\d{2})"
    r"\s*-\s*(?P<effective_until>\d{4}-\d{2}-\d{2}|ongoing)"
)
OWN_RULE = (
    r"(?P<program>debarment)\s*-\s*(?P<grounds>[^-]+?)\s*-\s*(?P<decided_on>\d{4}-\d{2}-\d{2})"
    r"(?:\s*-\s*(?P<effective_until>\d{4}-\d{2}-\d{2}))?"
)
COMMON = """\
title: World Bank debarments, as OpenSanctions republishes them
publisher:
  name: OpenSanctions
  url: https://www.opensanctions.org/datasets/worldbank_debarred/
department: WB
category: development_bank_debarment
legal_basis: World Bank Sanctions Procedures, Section 9.01 (sanctions)
originators:
  own: [WBG]
  names:
    ADB: Asian Development Bank
    IDB: Inter-American Development Bank Group
date_formats: ["%Y-%m-%d"]
sentinels:
  Ongoing: open-ended
natural_person:
  require_organisation_form: true
  name_prefixes: [Mr., MR., Ms., Dr.]
expected_rows:
  min: 1
  max: 100
"""
TARGETS_MAPPING = (
    (
        "name: wb_targets\n"
        + COMMON
        + """\
record_id:
  prefix: wbos
file:
  format: opensanctions_targets
decision_rules:
  # A cross-debarment, as a bank types it.
  - column: sanctions
    prefix: 'cross[- ]?debarment'
    pattern: 'CROSS_RULE'
  # OpenSanctions' own form: program - reason - start - end (the end may be missing).
  - column: sanctions
    prefix: 'debarment\\b'
    pattern: 'OWN_RULE'
"""
    )
    .replace("CROSS_RULE", CROSS_RULE)
    .replace("OWN_RULE", OWN_RULE)
)
FTM_MAPPING = (
    "name: wb_ftm\n"
    + COMMON
    + """\
record_id:
  prefix: wbftm
file:
  format: ftm
"""
)


def targets_row(**values: str) -> dict[str, str]:
    return {column: values.get(column, "") for column in TARGETS_COLUMNS}


# Line numbers are the file's: the header is line 1.
TARGETS: list[dict[str, str]] = [
    # 2: a company, every field filled; phones and e-mail are read past, never carried.
    targets_row(
        id="wb-harbour",
        schema="Company",
        name="Harbour Dredging Ltd.",
        aliases="Harbour Dredging Limited;港湾疏浚有限公司",
        countries="ke",
        addresses="1 Quay Road, Mombasa",
        identifiers="C.123456",
        sanctions="Debarment - Fraudulent Practice - 2024-03-04 - 2027-03-03",
        phones="+254 700 000 001",
        emails="info@harbour.example",
        dataset="World Bank Debarred Providers",
        first_seen="2024-03-05T10:00:00",
        last_seen="2026-11-20T10:00:00",
        last_change="2024-03-05T10:00:00",
    ),
    # 3: a Chinese firm with its USCC among other identifiers, a name in two scripts, two countries.
    targets_row(
        id="wb-ganzhou",
        schema="Company",
        name="Ganzhou Example Construction Co. Ltd. (赣州示例建筑工程有限公司)",
        countries="cn;hk",
        identifiers=f"REG-88;{USCC_A}",
        sanctions="CROSS-DEBARMENT: ADB - 2023-05-02 - 2026-05-01",
    ),
    # 4: an organisation known by its LEI, with two sanctions: two records.
    targets_row(
        id="wb-delta",
        schema="Organization",
        name="Delta Roads Consortium",
        countries="ge",
        identifiers=LEI,
        sanctions="CROSS-DEBARMENT: IDB - 2024-01-15 - Ongoing;Debarment - Collusive Practice - 2022-07-01",
    ),
    # 5: a public body.
    targets_row(
        id="wb-upland",
        schema="PublicBody",
        name="Upland Water Authority",
        countries="de",
        sanctions="Debarment - Corrupt Practice - 2021-03-04 - 2024-03-03",
    ),
    # 6: a person: refused, and nothing of theirs is repeated.
    targets_row(
        id="wb-person",
        schema="Person",
        name="Example Person",
        birth_date="1970-01-01",
        countries="ke",
        identifiers="11010519491231002X",
        sanctions="Debarment - Fraudulent Practice - 2024-03-04 - 2027-03-03",
        phones="+254 700 000 002",
        emails="person@example.org",
    ),
    # 7: a LegalEntity that is a person by its title.
    targets_row(
        id="wb-le-title",
        schema="LegalEntity",
        name="Mr. Example Officer",
        countries="ke",
        sanctions="Debarment - Fraudulent Practice - 2024-03-04 - 2027-03-03;"
        "CROSS-DEBARMENT: ADB - 2023-05-02 - 2026-05-01",
    ),
    # 8: a LegalEntity with a bare name: no sign of an organisation, taken for a person.
    targets_row(
        id="wb-le-bare",
        schema="LegalEntity",
        name="Jane Example",
        countries="gb",
        sanctions="Debarment - Fraudulent Practice - 2024-03-04 - 2027-03-03",
    ),
    # 9: a LegalEntity that is a firm.
    targets_row(
        id="wb-le-firm",
        schema="LegalEntity",
        name="Seaside Consulting GmbH",
        countries="at",
        sanctions="Debarment - Fraudulent Practice - 2023-09-01 - 2025-08-31",
    ),
    # 10: no name.
    targets_row(
        id="wb-noname",
        schema="Company",
        countries="fr",
        sanctions="Debarment - Fraudulent Practice - 2023-09-01 - 2025-08-31",
    ),
    # 11: named beside a sanctioned firm, sanctioned itself by nothing.
    targets_row(id="wb-owner", schema="Company", name="Owner Holdings Ltd.", countries="cy"),
    # 12: a vessel is no organisation.
    targets_row(
        id="wb-vessel",
        schema="Vessel",
        name="MV Example",
        sanctions="Debarment - Fraudulent Practice - 2023-09-01 - 2025-08-31",
    ),
    # 13: a sanction that starts like a rule and cannot be read.
    targets_row(
        id="wb-garbled",
        schema="Company",
        name="Garbled Trading LLC",
        countries="us",
        sanctions="CROSS-DEBARMENT: ADB (see notice)",
    ),
    # 14: a sanction no rule reads: no decision date.
    targets_row(
        id="wb-undated",
        schema="Company",
        name="Undated Supplies Ltd.",
        countries="us",
        sanctions="Suspension",
    ),
    # 15: a "company" with a birth date: a person mislabelled.
    targets_row(
        id="wb-born",
        schema="Company",
        name="Example Trading Ltd.",
        birth_date="1980-05-06",
        sanctions="Debarment - Fraudulent Practice - 2023-09-01 - 2025-08-31",
    ),
    # 16 to 39: two dozen firms more, each with one sanction.
    *(
        targets_row(
            id=f"wb-firm-{n}",
            schema="Company",
            name=f"Example Works {n} Ltd.",
            countries="br" if n % 2 else "pe",
            sanctions=f"Debarment - Fraudulent Practice - 2022-0{1 + n % 9}-1{n % 10} - 2026-01-01",
        )
        for n in range(24)
    ),
]
ACCEPTED_LINES = {2, 3, 4, 5, 9, *range(16, 40)}


def write_targets(
    folder: Path, rows: list[dict[str, str]] = TARGETS, name: str = "targets.simple.csv"
) -> Path:
    """As OpenSanctions writes it: every cell quoted (csv.unix_dialect)."""
    out = io.StringIO()
    writer = csv.writer(out, dialect=csv.unix_dialect)
    writer.writerow(TARGETS_COLUMNS)
    for row in rows:
        writer.writerow([row[column] for column in TARGETS_COLUMNS])
    path = folder / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def write_mapping(folder: Path, text: str) -> Path:
    name = text.split("\n", 1)[0].removeprefix("name: ")
    path = folder / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def ingest(service: Any, path: Path, mapping: Path) -> tuple[Any, list[Any]]:
    rejections: list[Any] = []
    result = ingest_dataset(service, path, str(mapping), on_reject=rejections.append)
    return result, rejections


def records(engine: Any) -> dict[str, list[Any]]:
    by_name: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(repo.records, repo.organisations.c.scheme, repo.organisations.c.code)
            .join(repo.organisations, repo.records.c.organisation_id == repo.organisations.c.id)
            .where(repo.records.c.department == "WB")
        ).all()
    for row in rows:
        by_name.setdefault(row.subject_name, []).append(row)
    return by_name


# --- targets.simple.csv -------------------------------------------------------------------------------


def test_a_targets_file_is_read_as_the_yaml_says(service, engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, TARGETS_MAPPING)
    result, rejections = ingest(service, write_targets(tmp_path), mapping)
    assert result.status == "complete" and result.department == "WB"
    assert result.data_rows == len(TARGETS) == 38
    assert result.new == len(ACCEPTED_LINES) + 1  # Delta Roads has two sanctions: two records
    rejected = {(r.line, r.field, r.reason) for r in rejections}
    assert rejected == {
        (6, "schema", "natural_person"),
        (7, "subject_type", "natural_person"),
        (8, "subject_type", "natural_person"),
        (10, "subject_name", "missing"),
        (11, "sanctions", "no_sanction"),
        (12, "schema", "not_an_organisation"),
        (13, "sanctions", "unreadable_decision"),
        (14, "decided_on", "missing"),
        (15, "birth_date", "natural_person"),
    }
    assert len(rejections) == 9  # the person with two sanctions is refused once
    assert result.rejected == 9
    # No message repeats a name, a birth date, a telephone, an e-mail or an identifier.
    said = json.dumps([r.to_json() for r in rejections], ensure_ascii=False)
    for secret in (
        "Example Person",
        "1970-01-01",
        "700 000",
        "@example",
        "11010519491231002X",
        "Officer",
        "Jane",
        "wb-person",
        "Owner Holdings",
        "MV Example",
        "see notice",
    ):
        assert secret not in said, secret

    stored = records(engine)
    assert (
        "Example Person" not in stored
        and "Mr. Example Officer" not in stored
        and "Jane Example" not in stored
    )
    (harbour,) = stored["Harbour Dredging Ltd."]
    assert (str(harbour.decided_on), str(harbour.effective_until)) == ("2024-03-04", "2027-03-03")
    assert harbour.summary == "Grounds: Fraudulent Practice. Sanction type: Debarment."
    assert harbour.legal_basis == "World Bank Sanctions Procedures, Section 9.01 (sanctions)"
    assert harbour.category == "development_bank_debarment" and harbour.status == "final"
    with engine.connect() as conn:
        org = conn.execute(
            select(repo.organisations).where(repo.organisations.c.id == harbour.organisation_id)
        ).one()
    assert (org.country, org.alt_name) == (
        "KE",
        "港湾疏浚有限公司",
    )  # lower-case country read; the Chinese alias kept
    (ganzhou,) = stored["Ganzhou Example Construction Co. Ltd. (赣州示例建筑工程有限公司)"]
    assert (ganzhou.scheme, ganzhou.code) == ("uscc", USCC_A)  # the USCC among the identifiers
    assert "first sanctioned by Asian Development Bank" in ganzhou.summary
    delta = stored["Delta Roads Consortium"]
    assert {(r.scheme, r.code) for r in delta} == {("lei", LEI)}
    assert sorted(str(r.decided_on) for r in delta) == ["2022-07-01", "2024-01-15"]
    assert {r.until_kind for r in delta} >= {"open_ended"}
    assert stored["Upland Water Authority"][0].effective_until is not None
    assert "Seaside Consulting GmbH" in stored
    # Nothing of a refused row was written: no subject of theirs either.
    with engine.connect() as conn:
        names = set(conn.execute(select(repo.organisations.c.name)).scalars())
    assert not names & {
        "Example Person",
        "Mr. Example Officer",
        "Jane Example",
        "Owner Holdings Ltd.",
        "MV Example",
    }

    again, _ = ingest(service, write_targets(tmp_path), mapping)
    assert (again.new, again.updated, again.unchanged) == (0, 0, result.new)  # ids are stable


def test_multi_valued_cells_split_as_the_exporter_joins_them() -> None:
    assert split_cell('"Foo; Bar Ltd";Baz') == ["Foo; Bar Ltd", "Baz"]
    assert split_cell("") == [] and split_cell(" ; ") == []
    assert split_cell("cn;hk") == ["cn", "hk"]


def test_a_targets_file_without_a_column_is_refused_whole(service, engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, TARGETS_MAPPING)
    path = write_targets(tmp_path)
    lines = path.read_text("utf-8").splitlines()
    lines[0] = lines[0].replace('"name",', "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = counts(engine)
    result, rejections = ingest(service, path, mapping)
    assert result.status == "rejected" and result.batch_id is None
    (only,) = rejections
    assert (only.line, only.reason) == (1, "missing_column") and "column 'name'" in only.message
    assert counts(engine) == before


def test_a_broken_targets_line_refuses_the_file_naming_it(service, engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, TARGETS_MAPPING)
    path = write_targets(tmp_path)
    path.write_bytes(path.read_bytes() + b'"wb-bad","Company","Bad \xff Ltd"\n')
    before = counts(engine)
    result, rejections = ingest(service, path, mapping)
    assert result.status == "rejected"
    (only,) = rejections
    assert (only.line, only.reason) == (len(TARGETS) + 2, "encoding")
    assert counts(engine) == before


# --- FollowTheMoney entities --------------------------------------------------------------------------


def entity(id_: str, schema: str, **properties: list[str]) -> dict[str, Any]:
    return {
        "id": id_,
        "schema": schema,
        "properties": properties,
        "datasets": ["worldbank_debarred"],
        "referents": [],
        "first_seen": "2024-03-05T10:00:00",
        "last_seen": "2026-11-20T10:00:00",
        "target": schema != "Sanction",
    }


def sanction(id_: str, target: str, **properties: list[str]) -> dict[str, Any]:
    return entity(id_, "Sanction", entity=[target], **properties)


FTM: list[dict[str, Any]] = [
    # 1: a Sanction before its entity.
    sanction(
        "s-harbour",
        "os-harbour",
        program=["World Bank debarment"],
        authority=["World Bank Group"],
        reason=["Fraudulent Practice"],
        startDate=["2024-03-04"],
        endDate=["2027-03-03"],
    ),
    # 2: the company, with identifiers and data that is read past.
    entity(
        "os-harbour",
        "Company",
        name=["Harbour Dredging Ltd."],
        alias=["港湾疏浚有限公司"],
        country=["ke"],
        address=["1 Quay Road, Mombasa"],
        registrationNumber=["C.123456"],
        phone=["+254700000001"],
        email=["info@harbour.example"],
    ),
    # 3: a Chinese firm: its uscCode carried as given.
    entity(
        "os-ganzhou",
        "Company",
        name=["Ganzhou Example Construction Co. Ltd."],
        country=["cn"],
        uscCode=[USCC_B],
    ),
    # 4: its sanction: no startDate, so the listing date stands in; a cross-debarment by the ADB.
    sanction(
        "s-ganzhou", "os-ganzhou", authority=["ADB"], listingDate=["2023-05-02"], endDate=["2026-05-01"]
    ),
    # 5: a LEI given as leiCode, two sanctions (6, 7).
    entity("os-delta", "Organization", name=["Delta Roads Consortium"], leiCode=[LEI], jurisdiction=["ge"]),
    sanction("s-delta-1", "os-delta", startDate=["2022-07-01"], reason=["Collusive Practice"]),
    sanction("s-delta-2", "os-delta", startDate=["2024-01-15"], authority=["IDB"]),
    # 8: a person, with their sanction (9).
    entity("os-person", "Person", name=["Example Person"], birthDate=["1970-01-01"], phone=["+254700000002"]),
    sanction("s-person", "os-person", startDate=["2024-03-04"]),
    # 10, 11: a LegalEntity that is a person, and (12, 13) one that is a firm.
    entity("os-le-person", "LegalEntity", name=["Dr. Example Adviser"], country=["gb"]),
    sanction("s-le-person", "os-le-person", startDate=["2024-03-04"]),
    entity("os-le-firm", "LegalEntity", name=["Seaside Consulting GmbH"], country=["at"]),
    sanction("s-le-firm", "os-le-firm", startDate=["2023-09-01"], endDate=["2025-08-31"]),
    # 14: context, read past: an address and an ownership.
    entity("os-address", "Address", full=["1 Quay Road, Mombasa"], country=["ke"]),
    entity("os-owner", "Company", name=["Owner Holdings Ltd."], country=["cy"]),  # 15: no sanction
    entity("os-own", "Ownership", owner=["os-owner"], asset=["os-harbour"]),  # 16
    # 17: a sanction whose entity is not in the file.
    sanction("s-orphan", "os-missing", startDate=["2024-03-04"]),
    # 18, 19: a legal entity with a nationality and a passport: a person mislabelled.
    entity(
        "os-le-passport", "LegalEntity", name=["Example Holdings"], nationality=["ke"], passportNumber=["X1"]
    ),
    sanction("s-le-passport", "os-le-passport", startDate=["2024-03-04"]),
    # 20, 21: a company without a name.
    entity("os-noname", "Company", country=["fr"]),
    sanction("s-noname", "os-noname", startDate=["2023-09-01"]),
]


def write_ftm(folder: Path, items: list[dict[str, Any]] = FTM, extra: bytes = b"") -> Path:
    path = folder / "entities.ftm.json"
    path.write_bytes(b"".join(json.dumps(i, ensure_ascii=False).encode() + b"\n" for i in items) + extra)
    return path


def test_an_ftm_file_is_read_entity_by_entity(service, engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, FTM_MAPPING)
    result, rejections = ingest(service, write_ftm(tmp_path), mapping)
    assert result.status == "complete"
    assert {(r.line, r.field, r.reason) for r in rejections} == {
        (8, "schema", "natural_person"),
        (10, "subject_type", "natural_person"),
        (15, "sanctions", "no_sanction"),
        (17, "entity", "missing_entity"),
        (18, "properties", "natural_person"),
        (20, "subject_name", "missing"),
    }
    said = json.dumps([r.to_json() for r in rejections], ensure_ascii=False)
    for secret in ("Example Person", "1970", "254700", "Adviser", "os-person", "Owner Holdings"):
        assert secret not in said, secret
    assert result.new == 5
    stored = records(engine)
    (harbour,) = stored["Harbour Dredging Ltd."]
    assert (str(harbour.decided_on), str(harbour.effective_until)) == ("2024-03-04", "2027-03-03")
    assert harbour.summary == (
        # An authority the YAML does not name among its originators decided; no cross-debarment is made up.
        "Grounds: Fraudulent Practice. Decided by: World Bank Group. Sanction type: World Bank debarment."
    )
    (ganzhou,) = stored["Ganzhou Example Construction Co. Ltd."]
    assert (ganzhou.scheme, ganzhou.code, str(ganzhou.decided_on)) == ("uscc", USCC_B, "2023-05-02")
    assert "'startDate' is not published; the decision date given is 'listingDate'" in ganzhou.summary
    assert "first sanctioned by Asian Development Bank" in ganzhou.summary
    delta = stored["Delta Roads Consortium"]
    assert len(delta) == 2 and {(r.scheme, r.code) for r in delta} == {("lei", LEI)}
    assert "Seaside Consulting GmbH" in stored
    assert not set(stored) & {"Example Person", "Dr. Example Adviser", "Owner Holdings Ltd."}


@pytest.mark.parametrize(
    ("extra", "reason", "said"),
    [
        (
            b'{"id": "os-x", "schema": "Company", "properties": {"name": ["X Ltd"]\n',
            "invalid_json",
            "not valid JSON",
        ),
        (b'["os-x", "Company"]\n', "not_an_object", "got list"),
        (
            b'{"id": "os-x", "schema": "Firm", "properties": {}}\n',
            "malformed",
            "schema: not a FollowTheMoney",
        ),
        (
            b'{"id": "os-x", "schema": "Company", "properties": {"name": "X Ltd"}}\n',
            "malformed",
            "properties.name: must be a list of strings",
        ),
    ],
)
def test_a_broken_ftm_line_refuses_the_file_naming_its_line(
    service, engine, tmp_path: Path, extra: bytes, reason: str, said: str
) -> None:
    mapping = write_mapping(tmp_path, FTM_MAPPING)
    path = write_ftm(tmp_path, extra=extra)
    before = counts(engine)
    result, rejections = ingest(service, path, mapping)
    assert result.status == "rejected" and result.batch_id is None
    (only,) = rejections
    assert (only.line, only.reason) == (len(FTM) + 1, reason)
    assert said in only.message and "X Ltd" not in only.message
    assert counts(engine) == before


def test_the_cli_reads_a_targets_file_by_the_yaml_path(
    store_url, engine, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mapping = write_mapping(tmp_path, TARGETS_MAPPING)
    result = CliRunner().invoke(
        app,
        ["ingest", str(write_targets(tmp_path)), "--source", str(mapping), "--json"],
        env={"CREDENCE_DATABASE_URL": store_url},
    )
    assert result.exit_code == 1, result.output  # some rows are refused
    summary = json.loads(result.stdout)
    counted = (summary["source"], summary["data_rows"], summary["new"], summary["rejected"])
    assert counted == ("wb_targets", len(TARGETS), len(ACCEPTED_LINES) + 1, 9)
    by_name = CliRunner().invoke(
        app,
        ["ingest", str(write_targets(tmp_path)), "--source", "wb_targets"],
        env={"CREDENCE_DATABASE_URL": store_url, "CREDENCE_SOURCES_DIR": str(tmp_path)},
    )
    assert by_name.exit_code == 1 and "0 new, 0 updated, 30 unchanged" in by_name.output, by_name.output
    broken = write_ftm(tmp_path, extra=b"{oops\n")
    before = counts(engine)
    stopped = CliRunner().invoke(
        app,
        ["ingest", str(broken), "--source", str(write_mapping(tmp_path, FTM_MAPPING))],
        env={"CREDENCE_DATABASE_URL": store_url},
    )
    assert stopped.exit_code == 1 and f"line {len(FTM) + 1}" in " ".join(stopped.output.split())
    assert counts(engine) == before


def test_read_source_yields_the_rows_of_sanctioned_entities(tmp_path: Path) -> None:
    dataset = parse_dataset(FTM_MAPPING, "wb_ftm.yml")
    rows = list(read_source(write_ftm(tmp_path), dataset, check_count=False))
    names = [row["subject_name"] for _, row in rows]
    assert names.count("Delta Roads Consortium") == 2 and "Owner Holdings Ltd." not in names


# --- the YAML -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            TARGETS_MAPPING + "columns:\n  name: subject_name\n",
            "columns: the columns of opensanctions_targets are fixed",
        ),
        (TARGETS_MAPPING.replace("  prefix: wbos\n", "  prefix: wbos\n  key: [id]\n"), "record_id.key"),
        (
            FTM_MAPPING
            + "decision_rules:\n  - {column: sanctions, prefix: x, pattern: '(?P<decided_on>.*)'}\n",
            "decision_rules: an FtM Sanction's dates are properties",
        ),
        (
            TARGETS_MAPPING.replace("    prefix: 'cross", "    prefix: 'cross").replace(
                "column: sanctions", "column: aliases", 1
            ),
            "decision_rules read the column sanctions only",
        ),
        (
            FTM_MAPPING.replace("  format: ftm\n", "  format: ftm\n  header_rows: [1]\n"),
            "the layout of ftm is fixed",
        ),
        (
            "name: wb_targets\n"
            + COMMON
            + "record_id:\n  prefix: wbos\nfile:\n  format: opensanctions_targets\n",
            "give a rule whose pattern reads decided_on",
        ),
    ],
)
def test_a_mapping_of_an_opensanctions_format_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DatasetError) as raised:
        parse_dataset(text, "wb_targets.yml")
    assert message in str(raised.value), str(raised.value)


def test_a_csv_mapping_still_needs_its_header_rows_and_columns() -> None:
    text = (
        "name: plain\n" + COMMON + "record_id:\n  prefix: plain\n  key: [Firm]\nfile:\n  format: csv\n"
        "columns:\n  Firm: subject_name\n  From: decided_on\n"
    )
    with pytest.raises(DatasetError, match="header_rows is required for csv"):
        parse_dataset(text, "plain.yml")
