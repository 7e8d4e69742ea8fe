"""The list, check and commitment commands as a clerk uses them: what they print, exit codes, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli.main import app

from helpers import USCC_A, USCC_B, row, write_csv

LICENCE = row(1, category="administrative_licence", severity=None, amount=None, currency=None)


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), env={"CREDENCE_DATABASE_URL": store_url})

    path = write_csv(tmp_path / "licences.csv", [LICENCE])
    assert invoke("ingest", str(path), "--department", "SAMR").exit_code == 0
    return invoke


def test_enter_publish_check_and_cure_from_the_command_line(cli, tmp_path: Path) -> None:
    entered = cli(
        "lists",
        "enter",
        USCC_A,
        "--criterion",
        "unreachable",
        "--department",
        "SAMR",
        "--facts",
        "Mail returned.",
        "--decision",
        "AB-1",
        "--actor",
        "SAMR clerk",
    )
    assert (
        entered.exit_code == 0 and "list entry 1 (abnormal_operation, unreachable): listed" in entered.output
    )
    assert (
        "no entry of the abnormal_operation list is in force"
        in cli("lists", "current", "abnormal_operation").output
    )
    assert cli("records", "notice", "SAMR", "LIST-1", "--actor", "clerk", "--channel", "post").exit_code == 0
    current = cli("lists", "current", "abnormal_operation", "--format", "csv").output.splitlines()
    assert current[1].startswith(f"1,abnormal_operation,{USCC_A},")
    checked = json.loads(cli("check", USCC_A, "--domain", "public_procurement", "--json").stdout)
    assert checked["result"] == "restricted"
    bidders = tmp_path / "bidders.csv"
    bidders.write_text(f"subject_id\n{USCC_A}\n{USCC_B}\n", "utf-8")
    out = cli(
        "check", "--file", str(bidders), "--domain", "public_procurement", "--out", str(tmp_path / "r.csv")
    )
    assert out.exit_code == 0 and "2 bidders checked" in out.output
    assert ",restricted,procurement_declaration," in (tmp_path / "r.csv").read_text("utf-8")
    cured = cli("lists", "cure", "1", "--department", "SAMR", "--actor", "clerk", "--evidence", "Reached.")
    assert (
        "cured" in cured.output
        and "grade now A" in cured.output
        and "(was B: the grade changed)" in cured.output
    )
    again = cli("lists", "cure", "1", "--department", "SAMR", "--actor", "clerk", "--evidence", "Again.")
    assert again.exit_code == 2 and "is 'cured' and cannot be cured" in again.output
    shown = cli("lists", "show", "1").output
    assert "be cured" in shown and "created" in shown
    assert cli("lists", "show", "9").exit_code == 1


def test_bad_arguments_are_named(cli) -> None:
    assert (
        "is not list or drop"
        in cli(
            "lists",
            "decide",
            "1",
            "--outcome",
            "maybe",
            "--department",
            "SAMR",
            "--actor",
            "a",
            "--reason",
            "r",
        ).output
    )
    unknown = cli("check", USCC_A, "--domain", "procurement")
    assert unknown.exit_code == 2 and "domain 'procurement' is not one of" in unknown.output
    assert (
        "give one of: an organisation's code, --file, or --name"
        in cli("check", "--domain", "subsidies").output
    )
    proposed = cli(
        "lists",
        "propose",
        USCC_A,
        "--criterion",
        "party_building",
        "--department",
        "SAMR",
        "--facts",
        "f",
        "--decision",
        "d",
        "--actor",
        "a",
    )
    assert proposed.exit_code == 2 and "'party_building' is not a criterion" in proposed.output


def test_commitments_from_the_command_line(cli) -> None:
    made = cli("commitments", "make", USCC_A, "--template", "licence_conditions", "--department", "SAMR")
    assert made.exit_code == 0 and made.output.startswith("commitment 1 made to SAMR: We meet the conditions")
    marked = cli(
        "commitments",
        "mark",
        "1",
        "--broken",
        "--department",
        "SAMR",
        "--actor",
        "inspector",
        "--reason",
        "Conditions not met on inspection.",
    )
    assert "commitment 1 broken; record of breach SAMR/BREACH-1 awaits notice" in marked.output
    listed = cli("commitments", "list", "--organisation", USCC_A).output
    assert "licence_conditions" in listed and "broken" in listed
    assert "give exactly one" in cli("commitments", "list").output


def test_the_inbox_shows_local_dates(cli, engine, catalog, settings, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from credence.clock import FixedClock
    from credence.records.service import IngestService

    # 20:00 UTC on 25 November is already 26 November in Asia/Shanghai, the registry's time zone.
    late = IngestService(engine, catalog, FixedClock(datetime(2026, 11, 25, 20, 0, tzinfo=UTC)), settings)
    late.ingest_file(write_csv(tmp_path / "late.csv", [row(7, subject_id=USCC_B)]), "SAMR")
    inbox = cli("notices", "inbox", USCC_B).output
    assert "2026-11-26" in inbox and "2026-11-25" not in inbox
