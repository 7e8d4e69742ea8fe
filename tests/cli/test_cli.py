"""The command line, as a clerk uses it: exit codes, summaries, the rejects file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli.main import app
from credence.store import migrate
from credence.store.db import make_engine

from helpers import USCC_B, row, stored_ids, write_csv


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, list(args), env={"CREDENCE_DATABASE_URL": store_url, **(env or {})})

    return invoke


def test_ingest_all_accepted_exits_0_and_prints_json(cli, engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ok.csv", [row(1), row(2)])
    result = cli("ingest", str(path), "--department", "SAMR", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("accepted", "new", "updated", "unchanged", "rejected")} == {
        "accepted": 2,
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert isinstance(summary["seconds"], float) and summary["rejects_file"] is None
    assert not (tmp_path / "ok.csv.rejects.ndjson").exists()


def test_ingest_with_rejections_exits_1_and_writes_the_rejects_file(cli, engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", [row(1), row(2, decided_on="2026-13-01")])
    result = cli("ingest", str(path), "-d", "SAMR")
    assert result.exit_code == 1
    rejects = tmp_path / "mixed.csv.rejects.ndjson"
    assert str(rejects) in result.output.replace("\n", "")
    (line,) = [json.loads(x) for x in rejects.read_text("utf-8").splitlines()]
    assert (line["line"], line["field"], line["reason"]) == (3, "decided_on", "invalid_date")
    assert "2026-13-01" in line["message"]
    assert stored_ids(engine) == {"XZCF-2026-0001"}


def test_file_rejected_whole_exits_1_and_names_the_line(cli, engine, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    write_csv(path, [row(1, subject_name="Beijing", summary="Caf\u00e9")], encoding="latin-1")
    custom = tmp_path / "out" / "r.ndjson"
    custom.parent.mkdir()
    result = cli("ingest", str(path), "-d", "SAMR", "--rejects", str(custom))
    assert result.exit_code == 1
    assert "rejected whole" in result.output and "line 2" in result.output
    assert json.loads(custom.read_text())["reason"] == "invalid_encoding"
    assert stored_ids(engine) == set()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["ingest", "missing.csv", "-d", "SAMR"], "no such file"),
        (["ingest", "ok.csv", "-d", "NOPE"], "unknown department 'NOPE'"),
        (["ingest", "ok.csv"], "give --department"),
        (["ingest", "ok.txt", "-d", "SAMR"], "cannot tell the format"),
        (["ingest", "ok.csv", "-d", "SAMR", "--format", "xml"], "unknown format 'xml'"),
    ],
)
def test_unusable_arguments_exit_2(cli, engine, tmp_path: Path, args: list[str], words: str) -> None:
    write_csv(tmp_path / "ok.csv", [row(1)])
    write_csv(tmp_path / "ok.txt", [row(1)])
    result = cli(*args)
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert stored_ids(engine) == set()


def test_catalog_check_and_show(cli, tmp_path: Path) -> None:
    from importlib import resources

    default = resources.files("credence.catalog").joinpath("default_catalog.yaml").read_text("utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(default, encoding="utf-8")
    result = cli("catalog", "check", str(good))
    assert result.exit_code == 0 and "is valid" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        default.replace("title: Inspection result", "title: Inspection of party organisation"),
        encoding="utf-8",
    )
    result = cli("catalog", "check", str(bad))
    assert result.exit_code == 1
    assert "category 'inspection_result'" in result.output and "party-organisation status" in result.output
    shown = cli("catalog", "show", "--json")
    assert shown.exit_code == 0
    doc = json.loads(shown.stdout)
    assert "administrative_penalty" in {c["code"] for c in doc["categories"]}
    assert "Administrative penalty" in cli("catalog", "show").output


def test_catalog_path_setting_replaces_the_default(cli, engine, tmp_path: Path) -> None:
    from importlib import resources

    default = resources.files("credence.catalog").joinpath("default_catalog.yaml").read_text("utf-8")
    narrowed = tmp_path / "narrow.yaml"
    narrowed.write_text(
        default.replace(
            "departments: [SAMR, STA, MEE, MOHRSS, MOF]\n    severity_applies: true\n"
            "    publicity: public\n    polarity: adverse",
            "departments: [STA]\n    severity_applies: true\n    publicity: public\n    polarity: adverse",
            1,
        ),
        encoding="utf-8",
    )
    path = write_csv(tmp_path / "p.csv", [row(1)])
    result = cli("ingest", str(path), "-d", "SAMR", "--json", env={"CREDENCE_CATALOG_PATH": str(narrowed)})
    assert result.exit_code == 1
    assert json.loads((tmp_path / "p.csv.rejects.ndjson").read_text())["reason"] == "category_not_allowed"


def test_records_show_withdraw_and_status(cli, engine, tmp_path: Path) -> None:
    cli("ingest", str(write_csv(tmp_path / "p.csv", [row(1), row(2, subject_id=USCC_B)])), "-d", "SAMR")
    shown = cli("records", "show", "SAMR", "XZCF-2026-0001")
    assert shown.exit_code == 0 and "administrative_penalty" in shown.output and "p.csv:2" in shown.output
    withdrawn = cli(
        "records", "withdraw", "SAMR", "XZCF-2026-0001", "--actor", "clerk 3", "--reason", "annulled"
    )
    assert withdrawn.exit_code == 0
    assert "withdrawn by clerk 3: annulled" in cli("records", "show", "SAMR", "XZCF-2026-0001").output
    assert cli("records", "show", "SAMR", "nope").exit_code == 1
    status = cli("status")
    assert status.exit_code == 0
    assert "records: 2" in status.output and "administrative_penalty 2" in status.output


def test_identify_and_schema(cli) -> None:
    ok = cli("identify", "91110000600037341L")
    assert ok.exit_code == 0 and "enterprise" in ok.output
    bad = cli("identify", "91110000600037341X")
    assert bad.exit_code == 1 and "check character is X, expected L" in bad.output
    proprietor = cli("identify", "92340602MA2PBQAH7E")
    assert "never public" in proprietor.output
    schema = json.loads(cli("schema").stdout)
    assert schema["properties"]["subject_id"]["description"]


def test_db_upgrade_on_a_new_database(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'new.db'}"
    (head,) = migrate.head_revisions(make_engine(url))
    result = runner.invoke(app, ["db", "upgrade"], env={"CREDENCE_DATABASE_URL": url})
    assert result.exit_code == 0 and f"revision {head}" in result.output
    assert runner.invoke(app, ["db", "current"], env={"CREDENCE_DATABASE_URL": url}).output.strip() == head


def test_a_bad_setting_is_named_not_a_traceback(store_url) -> None:
    result = CliRunner().invoke(
        app, ["status"], env={"CREDENCE_DATABASE_URL": store_url, "CREDENCE_INGEST_CHUNK_ROWS": "0"}
    )
    assert result.exit_code == 2
    assert "CREDENCE_INGEST_CHUNK_ROWS" in result.output and "greater than or equal to 1" in result.output
