"""Sources are configuration (issue 15): an operator adds a published list with a dataset YAML, a
department and a catalog category, and no code; the row-count band asks before it refuses; decisions
packed in free text are read by the YAML's rules.

Everything here is built by the test: a made-up bank's list in the EBRD layout, its mapping, a catalog
that knows the bank.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from credence.cli.main import app
from credence.records import repository as repo
from credence.sources import DatasetError, RowMapper, UnreadableDecision, load_dataset, read_source
from credence.sources.mapping import find_dataset, parse_dataset

from helpers import counts

# --- the fourth list, as an operator writes it --------------------------------------------------------

# The whole cell: one or more prefixes, the bank, the decision's first and last day.
PATTERN = (
    r"(?:cross[- ]?debarment\s*:\s*)+(?P<originator>[a-z]+)\s*-\s*(?P<decided_on>\d{4}-\d{2}-\d{2})"
    r"\s*-\s*(?P<effective_until>\d{4}-\d{2}-\d{2}|ongoing)"
)
MAPPING = """\
# Northwind Development Bank: debarred firms (a made-up bank, in the EBRD's layout). Cross-debarments
# leave the date columns empty and pack the decision into Sanction.
name: northwind
title: Northwind Development Bank Debarred Firms
publisher:
  name: Northwind Development Bank
  url: https://www.northwind.example/debarred
department: NWDB
category: development_bank_debarment
legal_basis: Northwind Sanctions Procedures, Section 7
record_id:
  prefix: nwdb
  key: [Firm Name, Nationality, Ineligible From, " Ineligible Until", Prohibited Practice, Sanction]
file:
  format: csv
  header_rows: [1]
columns:
  Firm Name: subject_name
  Address: subject_address
  Nationality: subject_country
  Ineligible From: decided_on
  " Ineligible Until": effective_until
  Originating Institution: originating_institution
  Prohibited Practice: grounds
  Sanction: ignore
decision_rules:
  - column: Sanction
    prefix: 'cross[- ]?debarment'
    pattern: 'PATTERN'
originators:
  own: [NWDB]
  names:
    WBG: World Bank Group
    ADB: Asian Development Bank
date_formats: ["%Y-%m-%d"]
sentinels:
  Ongoing: open-ended
natural_person:
  require_organisation_form: true
  name_prefixes: [Mr., Ms., Dr.]
expected_rows:
  min: 3
  max: 10
""".replace("PATTERN", PATTERN)

HEADER = (
    "Firm Name,Address,Nationality,Ineligible From, Ineligible Until,Originating Institution,"
    "Prohibited Practice,Sanction"
)
ROWS = [
    # Its own decision, dates in their columns.
    "Harbour Dredging Ltd.,1 Quay Road,Kenya,2024-03-04,2027-03-03,NWDB,Fraudulent Practice,",
    # Cross-debarments, as the publisher types them.
    "Ganzhou Example Construction Co. Ltd.,,China,,,,Collusive Practice,"
    "CROSS-DEBARMENT: WBG - 2023-05-02 - 2026-05-01",
    "Lakeside Engineering S.A.,,Peru,,,,Fraudulent Practice,CROSS DEBARMENT: ADB - 2024-01-15 - Ongoing",
    "Delta Roads LLC,,Georgia,,,,Corrupt Practice,"
    "CROSS-DEBARMENT: CROSS-DEBARMENT: WBG - 2022-07-01 - 2025-06-30",
    "Upland Consulting GmbH,,Germany,,,,Fraudulent Practice,CROSS-DEBARMENT : WBG-2023-05-02 - 2026-05-01",
    # A person: refused, as on every path.
    "Mr. Example Person,,Kenya,2024-03-04,2027-03-03,NWDB,Fraudulent Practice,",
]


def write_list(folder: Path, rows: list[str] = ROWS, name: str = "northwind.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def write_mapping(folder: Path, text: str = MAPPING, name: str = "northwind.yml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_catalog(folder: Path, *, department: bool = True, category: bool = True) -> Path:
    """The shipped catalog, copied, with the bank added as an operator would: a department, allowed to
    submit development_bank_debarment, whose procedures are among the laws the category may rest on."""
    text = resources.files("credence.catalog").joinpath("default_catalog.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    if department:
        data["departments"].append(
            {"code": "NWDB", "name": "Northwind Development Bank (Sanctions)", "domain": "development_bank"}
        )
    (debarment,) = [c for c in data["categories"] if c["code"] == "development_bank_debarment"]
    if department:
        debarment["departments"].append("NWDB")
    debarment["bases"].append(
        {"law": "Northwind Sanctions Procedures", "law_zh": "北风开发银行制裁程序", "articles": "all"}
    )
    if not category:
        data["categories"].remove(debarment)
        for measures in data.get("measures", []) or []:
            measures.pop("development_bank_debarment", None)
    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        environment = {
            "CREDENCE_DATABASE_URL": store_url,
            "CREDENCE_CATALOG_PATH": str(tmp_path / "catalog.yaml"),
        }
        return runner.invoke(app, list(args), env={**environment, **(env or {})})

    return invoke


def stored(engine) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                repo.records.c.subject_name,
                repo.records.c.decided_on,
                repo.records.c.until_kind,
                repo.records.c.summary,
            ).where(repo.records.c.department == "NWDB")
        ).all()
    return {r.subject_name: r for r in rows}


def test_an_operator_adds_a_fourth_list_without_code(cli, engine, tmp_path: Path) -> None:
    write_catalog(tmp_path)
    mapping = write_mapping(tmp_path / "sources")
    data = write_list(tmp_path)
    result = cli("ingest", str(data), "--source", str(mapping), "--json")
    assert result.exit_code == 1, result.output  # the person is refused
    summary = json.loads(result.stdout)
    assert (summary["department"], summary["new"], summary["rejected"]) == ("NWDB", 5, 1)
    assert (summary["source"], summary["data_rows"], summary["row_count_accepted"]) == ("northwind", 6, False)
    assert summary["expected_rows"] == {"min": 3, "max": 10}
    (reject,) = [json.loads(x) for x in Path(summary["rejects_file"]).read_text("utf-8").splitlines()]
    assert (reject["line"], reject["reason"]) == (7, "natural_person")
    records = stored(engine)
    assert set(records) == {
        "Harbour Dredging Ltd.",
        "Ganzhou Example Construction Co. Ltd.",
        "Lakeside Engineering S.A.",
        "Delta Roads LLC",
        "Upland Consulting GmbH",
    }
    ganzhou = records["Ganzhou Example Construction Co. Ltd."]
    assert str(ganzhou.decided_on) == "2023-05-02"
    assert "first sanctioned by World Bank Group" in ganzhou.summary
    assert "first sanctioned by" not in records["Harbour Dredging Ltd."].summary  # its own decision
    assert records["Lakeside Engineering S.A."].until_kind == "open_ended"
    assert "Asian Development Bank" in records["Lakeside Engineering S.A."].summary
    # The typos read the same: a doubled prefix, a space before the colon, no space before the date.
    assert str(records["Delta Roads LLC"].decided_on) == "2022-07-01"
    assert str(records["Upland Consulting GmbH"].decided_on) == "2023-05-02"

    # The same list by name, from the operator's sources folder; a rerun stores nothing twice.
    again = cli(
        "ingest", str(data), "--source", "northwind", env={"CREDENCE_SOURCES_DIR": str(tmp_path / "sources")}
    )
    assert again.exit_code == 1 and "0 new, 0 updated, 5 unchanged" in again.output, again.output


def test_a_list_whose_department_is_not_in_the_catalog_is_refused_naming_it(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path, department=False)
    mapping = write_mapping(tmp_path / "sources")
    data = write_list(tmp_path)
    before = counts(engine)
    result = cli("ingest", str(data), "--source", str(mapping))
    assert result.exit_code == 2
    assert "northwind.yml: department:" in result.output and "declares no such department" in result.output
    assert "NWDB" not in result.output  # what the file says is not repeated, what the catalog holds is
    assert "EBRD, EU, IDB" in result.output
    assert counts(engine) == before and not (tmp_path / "northwind.csv.rejects.ndjson").exists()


def test_a_list_whose_category_is_not_in_the_catalog_is_refused_naming_it(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path)
    text = MAPPING.replace("category: development_bank_debarment", "category: regional_bank_debarment")
    mapping = write_mapping(tmp_path / "sources", text)
    before = counts(engine)
    result = cli("ingest", str(write_list(tmp_path)), "--source", str(mapping))
    assert result.exit_code == 2
    assert "northwind.yml: category:" in result.output and "has no such category" in result.output
    assert counts(engine) == before


def test_a_department_the_category_does_not_admit_is_refused(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path)
    text = MAPPING.replace("category: development_bank_debarment", "category: administrative_penalty")
    mapping = write_mapping(tmp_path / "sources", text)
    result = cli("ingest", str(write_list(tmp_path)), "--source", str(mapping))
    assert result.exit_code == 2
    assert "department: NWDB is not among the departments that may submit administrative_penalty" in (
        result.output.replace("\n", " ")
    )


def test_a_legal_basis_outside_the_category_is_refused_before_any_row(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path)
    text = MAPPING.replace("Northwind Sanctions Procedures, Section 7", "Northwind Staff Rules, Rule 3")
    mapping = write_mapping(tmp_path / "sources", text)
    result = cli("ingest", str(write_list(tmp_path)), "--source", str(mapping))
    assert result.exit_code == 2 and "northwind.yml: legal_basis:" in result.output
    assert "Staff Rules" not in result.output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  min: 3\n", "  min: -3\n", "expected_rows.min: Input should be greater than or equal to 0"),
        ("decision_rules:", "decision_ruls:", "decision_ruls: Extra inputs are not permitted"),
        ("(?P<originator>", "(?P<bank>", "decision_rules[0]: Value error, pattern names groups ['bank']"),
        ("    prefix: 'cross[- ]?debarment'", "    prefix: 'cross[- ?debarment'", "decision_rules[0].prefix"),
        (
            "  - column: Sanction",
            "  - column: Sanctions",
            "decision_rules name columns that are not in columns",
        ),
        ("name: northwind", "name: southwind", "northwind.yml: name: must be the file's name"),
    ],
)
def test_a_bad_mapping_names_the_file_and_the_key(
    cli, engine, tmp_path, old: str, new: str, message: str
) -> None:
    write_catalog(tmp_path)
    assert old in MAPPING
    mapping = write_mapping(tmp_path / "sources", MAPPING.replace(old, new))
    before = counts(engine)
    result = cli("ingest", str(write_list(tmp_path)), "--source", str(mapping))
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert str(mapping) in output and message.removeprefix("decision_rules[0]: Value error, ") in output, (
        output
    )
    assert counts(engine) == before


def test_an_unknown_source_name_is_not_repeated(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path)
    result = cli("ingest", str(write_list(tmp_path)), "--source", "11010519491231002X")
    assert result.exit_code == 2 and "no dataset mapping by that name" in result.output
    assert "11010519491231002X" not in result.output


# --- the row-count band ------------------------------------------------------------------------------


def test_a_count_outside_the_band_stops_and_says_how_to_proceed(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path)
    mapping = write_mapping(
        tmp_path / "sources", MAPPING.replace("  min: 3\n", "  min: 20\n").replace("max: 10", "max: 30")
    )
    data = write_list(tmp_path)
    before = counts(engine)
    stopped = cli("ingest", str(data), "--source", str(mapping))
    assert stopped.exit_code == 1
    said = " ".join(stopped.output.split())
    assert (
        "stopped: northwind.csv: northwind: 6 data rows, outside the 20 to 30 that northwind.yml expects"
        in said
    )
    assert "run the same command again with --accept-row-count. Nothing was stored." in said
    assert counts(engine) == before

    accepted = cli("ingest", str(data), "--source", str(mapping), "--accept-row-count")
    assert accepted.exit_code == 1  # the person is refused; the rest is stored
    said = " ".join(accepted.output.split())
    assert "5 accepted (5 new" in said
    assert "row count accepted: 6 data rows, outside the 20 to 30 that northwind.yml expects" in said
    assert len(stored(engine)) == 5

    as_json = cli("ingest", str(data), "--source", str(mapping), "--accept-row-count", "--json")
    summary = json.loads(as_json.stdout)
    assert (summary["data_rows"], summary["row_count_accepted"], summary["unchanged"]) == (6, True, 5)


def test_accept_row_count_goes_with_a_source(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path)
    result = cli("ingest", str(write_list(tmp_path)), "-d", "SAMR", "--accept-row-count")
    assert result.exit_code == 2 and "--accept-row-count goes with --source" in result.output


# --- decisions packed in free text -------------------------------------------------------------------


def northwind() -> Any:
    return parse_dataset(MAPPING, "northwind.yml")


def mapped(sanction: str) -> dict[str, str | None]:
    raw = {
        "Firm Name": "Example Works Ltd.",
        "Nationality": "Kenya",
        "Ineligible From": None,
        " Ineligible Until": None,
        "Prohibited Practice": "Fraudulent Practice",
        "Sanction": sanction,
    }
    return RowMapper(northwind())(raw)


@pytest.mark.parametrize(
    "text",
    [
        "CROSS-DEBARMENT: WBG - 2023-05-02 - 2026-05-01",
        "CROSS DEBARMENT: WBG - 2023-05-02 - 2026-05-01",
        "CROSS-DEBARMENT: CROSS-DEBARMENT: WBG - 2023-05-02 - 2026-05-01",
        "CROSS-DEBARMENT : WBG-2023-05-02 - 2026-05-01",
        "Cross-debarment:  wbg - 2023-05-02 -  2026-05-01",
        "CROSS-DEBARMENT:\nWBG - 2023-05-02 - 2026-05-01",
    ],
)
def test_a_packed_decision_is_read_through_the_publishers_typos(text: str) -> None:
    row = mapped(text)
    assert (row["decided_on"], row["effective_until"]) == ("2023-05-02", "2026-05-01")
    assert row["summary"] is not None and "first sanctioned by World Bank Group." in row["summary"]


def test_columns_come_first_and_rules_fill_what_they_leave_empty() -> None:
    raw = {
        "Firm Name": "Example Works Ltd.",
        "Nationality": "Kenya",
        "Ineligible From": "2024-01-01",
        " Ineligible Until": None,
        "Originating Institution": "ADB",
        "Sanction": "CROSS-DEBARMENT: WBG - 2023-05-02 - Ongoing",
    }
    row = RowMapper(northwind())(raw)
    assert (row["decided_on"], row["effective_until"]) == ("2024-01-01", "open-ended")
    assert row["summary"] is not None and "first sanctioned by Asian Development Bank." in row["summary"]


def test_text_without_the_prefix_is_left_alone() -> None:
    row = mapped("Debarment for 3 years")
    assert row["decided_on"] is None and row["summary"] == "Grounds: Fraudulent Practice."


@pytest.mark.parametrize(
    "text",
    [
        "CROSS-DEBARMENT: WBG - 2023-05 - 2026-05-01",
        "CROSS-DEBARMENT: WBG",
        "CROSS-DEBARMENT: 2023-05-02 - 2026-05-01",
        "CROSS-DEBARMENT: WBG - 2023-05-02 - 2026-05-01; DEBARMENT - 2021-03-04 - 2024-03-03",
    ],
)
def test_text_that_starts_like_a_rule_but_does_not_match_is_unreadable(text: str) -> None:
    with pytest.raises(UnreadableDecision) as caught:
        mapped(text)
    assert caught.value.column == "Sanction"
    assert "decision rule 1 of northwind" in caught.value.message and text not in caught.value.message


def test_an_unreadable_decision_rejects_its_row_with_line_and_column(cli, engine, tmp_path) -> None:
    write_catalog(tmp_path)
    mapping = write_mapping(tmp_path / "sources")
    bad = "Riverside Works Ltd.,,Kenya,,,,Fraudulent Practice,CROSS-DEBARMENT: WBG - 2023-5 - 2026-05-01"
    data = write_list(tmp_path, [*ROWS[:4], bad])
    result = cli("ingest", str(data), "--source", str(mapping), "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert (summary["new"], summary["rejected"]) == (4, 1)
    (reject,) = [json.loads(x) for x in Path(summary["rejects_file"]).read_text("utf-8").splitlines()]
    assert (reject["line"], reject["field"], reject["reason"]) == (6, "Sanction", "unreadable_decision")
    assert reject["source_record_id"].startswith("nwdb-")
    assert "2023-5" not in reject["message"]
    assert "Riverside Works Ltd." not in stored(engine)


def test_read_source_raises_with_the_line(tmp_path) -> None:
    mapping, origin = find_dataset(str(write_mapping(tmp_path)))
    bad = "Riverside Works Ltd.,,Kenya,,,,Fraudulent Practice,CROSS DEBARMENT - WBG"
    from credence.sources import SourceFileError

    with pytest.raises(SourceFileError) as caught:
        list(read_source(write_list(tmp_path, [*ROWS[:3], bad]), mapping))
    assert (caught.value.line, caught.value.reason) == (5, "unreadable_decision")
    assert origin.endswith("northwind.yml")


def test_a_mapping_needs_a_decided_on_from_a_column_or_a_rule() -> None:
    data = yaml.safe_load(MAPPING)
    data["columns"].pop("Ineligible From")
    data["record_id"]["key"].remove("Ineligible From")
    parse_dataset(yaml.safe_dump(data), "ok.yml")  # the rule reads decided_on
    data["decision_rules"] = []
    with pytest.raises(DatasetError, match="ok.yml: .*no column has the role decided_on"):
        parse_dataset(yaml.safe_dump(data), "ok.yml")


def test_world_banks_cross_debarment_grounds_name_the_first_bank() -> None:
    mapper = RowMapper(load_dataset("world_bank"))
    for grounds, bank in [
        ("Cross Debarment: ADB", "Asian Development Bank"),
        ("Cross Debarment:  IDB", "Inter-American Development Bank Group"),
        ("Cross-Debarment: AFDB", "African Development Bank Group"),
        ("Cross-debarment:  IDB", "Inter-American Development Bank Group"),
        ("Cross Debarment: EBRD", "European Bank for Reconstruction and Development"),
    ]:
        raw = {
            "Firm Name": "EXAMPLE CONSTRUCTION LTD.",
            "Country": "Kenya",
            "Ineligibility Period / From Date": "2024-03-01",
            "Ineligibility Period / To Date": "2027-03-01",
            "Grounds": grounds,
        }
        assert (
            mapper(raw)["summary"]
            == f"Grounds: {grounds.replace('  ', ' ')}. Cross-debarment: first sanctioned by {bank}."
        )
    with pytest.raises(UnreadableDecision):
        mapper({**raw, "Grounds": "Cross Debarment: OPEC Fund"})


def test_the_guide_shows_the_mapping_this_test_adds() -> None:
    """docs/sources.md, "Adding a list", shows northwind.yml: the same mapping these tests ingest."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sources.md").read_text("utf-8")
    start = doc.index("```yaml\n# sources/northwind.yml\n") + len("```yaml\n")
    shown = doc[start : doc.index("```", start)]
    assert parse_dataset(shown, "docs/sources.md") == northwind()
    assert all(row in doc for row in ROWS) and HEADER in doc


def test_a_mapping_in_sources_dir_replaces_the_shipped_one(cli, engine, tmp_path) -> None:
    """An operator moves a shipped list's band (or adds a rule) without waiting for a release."""
    from test_source_readers import _ebrd_synthetic

    write_catalog(tmp_path)
    data = _ebrd_synthetic(tmp_path)
    shipped = cli("ingest", str(data), "--source", "ebrd")
    assert shipped.exit_code == 1 and "5 data rows, outside the 1,190 to 1,455" in shipped.output
    text = resources.files("credence.sources").joinpath("datasets/ebrd.yml").read_text("utf-8")
    local = write_mapping(tmp_path / "mine", text.replace("  min: 1190\n", "  min: 5\n"), "ebrd.yml")
    replaced = cli("ingest", str(data), "--source", "ebrd", env={"CREDENCE_SOURCES_DIR": str(local.parent)})
    assert "4 accepted (4 new" in replaced.output, replaced.output  # the fifth is a person
    missing = cli(
        "ingest", str(data), "--source", "asian_bank", env={"CREDENCE_SOURCES_DIR": str(tmp_path / "no")}
    )
    assert missing.exit_code == 2 and "none, it is not a folder" in " ".join(missing.output.split())


def test_a_mapping_that_is_not_yaml_names_the_line(tmp_path) -> None:
    path = write_mapping(tmp_path, MAPPING.replace("  format: csv\n", "  format: [csv\n"))
    with pytest.raises(DatasetError, match=r"northwind.yml: not valid YAML at line \d+"):
        find_dataset(str(path))


def test_a_mapping_without_person_rules_still_records_no_person(cli, engine, tmp_path) -> None:
    """The hard line holds whatever the operator's YAML says: the ingestion service refuses a subject
    without an identifier whose name carries no sign of an organisation, on every path."""
    write_catalog(tmp_path)
    text = MAPPING.replace(
        "natural_person:\n  require_organisation_form: true\n  name_prefixes: [Mr., Ms., Dr.]\n", ""
    )
    assert "natural_person" not in text
    mapping = write_mapping(tmp_path / "sources", text)
    bare = "Example Person,,Kenya,2024-03-04,2027-03-03,NWDB,Fraudulent Practice,"
    result = cli("ingest", str(write_list(tmp_path, [*ROWS, bare])), "--source", str(mapping), "--json")
    summary = json.loads(result.stdout)
    rejects = [json.loads(x) for x in Path(summary["rejects_file"]).read_text("utf-8").splitlines()]
    assert [(r["line"], r["reason"]) for r in rejects] == [(7, "natural_person"), (8, "natural_person")]
    assert not {"Mr. Example Person", "Example Person"} & set(stored(engine))


def test_several_rules_on_one_column_the_first_whose_prefix_matches_decides() -> None:
    """OpenSanctions' sanctions column holds the publisher's own debarments too: `DEBARMENT - start - end`."""
    data = yaml.safe_load(MAPPING)
    data["decision_rules"].append(
        {
            "column": "Sanction",
            "prefix": "debarment",
            "pattern": r"debarment\s*-\s*(?P<decided_on>\d{4}-\d{2}-\d{2})"
            r"\s*-\s*(?P<effective_until>\d{4}-\d{2}-\d{2})",
        }
    )
    mapper = RowMapper(parse_dataset(yaml.safe_dump(data), "northwind.yml"))
    raw = {"Firm Name": "Example Works Ltd.", "Nationality": "Kenya", "Prohibited Practice": "Fraud"}
    own = mapper({**raw, "Sanction": "DEBARMENT - 2021-03-04 - 2024-03-03"})
    assert (own["decided_on"], own["effective_until"], own["summary"]) == (
        "2021-03-04",
        "2024-03-03",
        "Grounds: Fraud.",
    )
    crossed = mapper({**raw, "Sanction": "CROSS-DEBARMENT: WBG - 2023-05-02 - 2026-05-01"})
    assert crossed["decided_on"] == "2023-05-02" and "World Bank Group" in (crossed["summary"] or "")
    with pytest.raises(UnreadableDecision, match="decision rule 2 of northwind"):
        mapper({**raw, "Sanction": "DEBARMENT - 2021-03-04"})
