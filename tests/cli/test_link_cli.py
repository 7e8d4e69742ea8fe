"""`credence link` as a clerk uses it: an ingest links its subjects, the queue lists what waits, a
judgement joins or splits two files, `link show` says who is in a file and why; bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli.main import app

from helpers import USCC_A, listing, row, write_csv


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(
            app, list(args), env={"CREDENCE_DATABASE_URL": store_url, "CREDENCE_LINK_REVIEW_THRESHOLD": "0.3"}
        )

    return invoke


def test_an_ingest_links_its_subjects_and_a_clerk_joins_and_splits(cli, tmp_path: Path) -> None:
    samr = write_csv(tmp_path / "samr.csv", [row(1, subject_name="Beijing Example Food Co., Ltd.")])
    assert cli("ingest", str(samr), "--department", "SAMR").exit_code == 0
    wb = write_csv(tmp_path / "wb.csv", [listing("D-1", "Beijing Example Food Company Limited", "CN")])
    ingested = cli("ingest", str(wb), "--department", "WB")
    assert ingested.exit_code == 0, ingested.output
    queue = json.loads(cli("link", "queue", "--format", "json").stdout)
    (waiting,) = [w for w in queue if f"uscc:{USCC_A}" in (w["left"], w["right"])]  # linked at ingest
    other = waiting["left"] if waiting["right"] == f"uscc:{USCC_A}" else waiting["right"]
    assert other.startswith("unresolved:") and float(waiting["probability"]) >= 0.3
    shown = json.loads(cli("link", "show", USCC_A, "--json").stdout)
    assert [s["key"] for s in shown["subjects"]] == [f"uscc:{USCC_A}"]  # the model alone never joins it
    joined = cli(
        "link",
        "judge",
        USCC_A,
        other,
        "--judgement",
        "same",
        "--department",
        "SAMR",
        "--actor",
        "SAMR clerk Li",
        "--reason",
        "same USCC in the notice",
    )
    assert joined.exit_code == 0 and "judged same; 1 subjects changed file" in joined.output, joined.output
    shown = json.loads(cli("link", "show", other, "--json").stdout)
    assert shown["head"] == f"uscc:{USCC_A}" and len(shown["subjects"]) == 2
    assert [j["basis"] for j in shown["judgements"]] == ["model", "clerk"]
    assert json.loads(cli("link", "queue", "--format", "json").stdout) == []
    # the organisation's inbox says what its link notice is about, not "list entry None"
    inbox = cli("notices", "inbox", USCC_A)
    assert inbox.exit_code == 0, inbox.output
    (line,) = [line for line in inbox.output.splitlines() if " link " in line]
    assert "None" not in line and "SAMR / listings linked to the file" in line, inbox.output
    (notice,) = [
        n
        for n in json.loads(cli("notices", "inbox", USCC_A, "--format", "json").stdout)
        if n["kind"] == "link"
    ]
    assert notice["list_entry"] is None and notice["about"] == "listings linked to the file"
    split = cli(
        "link",
        "judge",
        USCC_A,
        other,
        "--judgement",
        "not_same",
        "--department",
        "SAMR",
        "--actor",
        "Li",
        "--reason",
        "another firm",
    )
    assert split.exit_code == 0 and "judged not_same" in split.output
    assert len(json.loads(cli("link", "show", USCC_A, "--json").stdout)["subjects"]) == 1
    again = json.loads(cli("link", "--json").stdout)  # a whole run leaves the clerks' word as it is
    assert again["joined"] == 0 and again["subjects_whose_file_changed"] == 0


def test_bad_input_is_named(cli, tmp_path: Path) -> None:
    samr = write_csv(tmp_path / "samr.csv", [row(1)])
    assert cli("ingest", str(samr), "--department", "SAMR").exit_code == 0
    missing = cli("link", "show", "unresolved:nope")
    assert missing.exit_code == 2 and "no such subject: give its key" in missing.output
    bad = cli(
        "link",
        "judge",
        USCC_A,
        USCC_A,
        "--judgement",
        "same",
        "--department",
        "SAMR",
        "--actor",
        "a",
        "--reason",
        "r",
    )
    assert bad.exit_code == 2 and "cannot be linked to itself" in bad.output


def test_calibrate_writes_a_model_and_the_registry_resolves_with_it(cli, store_url, tmp_path: Path) -> None:
    """`link calibrate` writes the model calibrated on the registry; CREDENCE_LINK_MODEL_PATH makes ingest
    and `link` use a model other than the shipped one."""
    from credence.subjects.model import Model

    assert cli("link", "calibrate", "--out", str(tmp_path / "m.json")).exit_code == 1  # no subjects yet
    wb = write_csv(
        tmp_path / "wb.csv",
        [
            listing("D-1", "Example Roads Limited", "KE"),
            listing("D-2", "Kilimanjaro Bridges Ltd", "KE"),
            listing("D-3", "Andes Ingenieria S.A.", "CO"),
        ],
    )
    assert cli("ingest", str(wb), "--department", "WB").exit_code == 0
    made = cli("link", "calibrate", "--out", str(tmp_path / "calibrated.json"), "--json")
    assert made.exit_code == 0, made.output
    figures = json.loads(made.stdout)
    assert figures["subjects"] == 3 and 0 < figures["prior"] < 1
    calibrated = Model.load(tmp_path / "calibrated.json")
    assert calibrated.settings["probability_two_random_records_match"] == figures["prior"]

    # the same firm listed again, its legal form written another way: the shipped model is sure enough
    # only for the review queue; a model whose prior is one pair in two joins them by itself
    eager = dict(Model.load().settings, probability_two_random_records_match=0.5)
    (tmp_path / "eager.json").write_text(json.dumps(eager), encoding="utf-8")
    again = write_csv(tmp_path / "idb.csv", [listing("I-1", "EXAMPLE ROADS LTD.", "KE")])
    env = {"CREDENCE_LINK_MODEL_PATH": str(tmp_path / "eager.json")}
    ingested = CliRunner().invoke(
        app,
        ["ingest", str(again), "--department", "IDB"],
        env={"CREDENCE_DATABASE_URL": store_url, "CREDENCE_LINK_REVIEW_THRESHOLD": "0.3", **env},
    )
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(cli("link", "queue", "--format", "json").stdout) == []  # joined by the eager model
    report = json.loads(cli("link", "--json").stdout)  # the shipped model again: back to the queue
    assert report["queued"] == 1 and report["subjects_whose_file_changed"] == 1
    (waiting,) = json.loads(cli("link", "queue", "--format", "json").stdout)
    assert 0.3 <= float(waiting["probability"]) < 0.9999


TYPED = ("11010519491231002X", "110105 19491231 002X", "+86 138 0013 8000")  # a person's number, a mobile


@pytest.mark.parametrize("typed", TYPED)
def test_what_was_typed_is_never_repeated(cli, tmp_path: Path, typed: str) -> None:
    """Found in use: `credence link show` and `credence report issue` repeated whatever was typed where a
    subject belongs, a resident identity number or a telephone among them. They say what is expected."""
    samr = write_csv(tmp_path / "samr.csv", [row(1)])
    assert cli("ingest", str(samr), "--department", "SAMR").exit_code == 0
    shown = cli("link", "show", typed)
    issued = cli("report", "issue", typed, "--out", str(tmp_path / "r.pdf"))
    for answer in (shown, issued):
        assert answer.exit_code == 2, answer.output
        flat = answer.output.replace(" ", "").replace("-", "").replace("+", "")
        assert typed.replace(" ", "").replace("+", "") not in flat, answer.output
        assert "19491231" not in flat and "13800138000" not in flat
    assert "give its key (uscc:…, lei:…, unresolved:…), USCC or LEI" in shown.output
    assert not (tmp_path / "r.pdf").exists()
