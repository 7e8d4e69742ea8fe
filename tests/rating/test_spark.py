"""`credence rate --engine spark`: a snapshot rated on local Spark and loaded back gives the ratings the
store's own engine gives; a job's results made under another policy are refused; a cluster is never handed
a snapshot in a local temporary folder."""

from __future__ import annotations

import json
import signal
from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from credence.cli.main import app
from credence.rating.spark import RESULT, RESULTS
from credence.store.models import RatingChange, RatingRow

from helpers import USCC_B, notice_all, process_for, row, write_csv


@pytest.fixture
def registry(service, engine, tmp_path):
    rows = [
        row(1, severity="serious"),
        row(2, decided_on="2025-01-10"),
        row(3, subject_id=USCC_B, subject_name="深圳某某电子有限公司", decided_on="2024-02-01"),
    ]
    service.ingest_file(write_csv(tmp_path / "samr.csv", rows), "SAMR")
    notice_all(engine, service)
    service.ingest_file(write_csv(tmp_path / "later.csv", [row(4, severity="serious")]), "SAMR")
    return service


def _ratings(engine) -> dict[int, tuple[int, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(RatingRow.organisation_id, RatingRow.score, RatingRow.grade, RatingRow.reasons)
        )
        return {r.organisation_id: (r.score, r.grade, r.reasons) for r in rows}


def test_spark_rates_a_snapshot_as_the_store_does(registry, spark, engine, store_url, tmp_path) -> None:
    env = {"CREDENCE_DATABASE_URL": store_url}
    result = CliRunner().invoke(app, ["rate", "--engine", "spark", "--as-of", "2026-11-25"], env=env)
    assert result.exit_code == 0, result.output
    assert "rated 2 organisations" in result.output
    on_spark = _ratings(engine)
    process_for(registry).rating.rate(as_of=date(2026, 11, 25))
    assert _ratings(engine) == on_spark
    reasons = [r["record_id"] for r in json.loads(on_spark[1][2])]
    assert reasons and 4 not in reasons  # the record awaiting notice (the fourth) never counts
    with engine.connect() as conn:
        causes = list(conn.execute(select(RatingChange.cause)).scalars())
    assert any("on Spark" in c and "log size" in c for c in causes)


def test_a_snapshot_given_and_its_results_loaded(registry, spark, engine, store_url, tmp_path) -> None:
    env = {"CREDENCE_DATABASE_URL": store_url}
    snap = tmp_path / "snap"
    assert CliRunner().invoke(app, ["snapshot", "--out", str(snap)], env=env).exit_code == 0
    args = ["rate", "--engine", "spark", "--snapshot", str(snap), "--as-of", "2026-11-25"]
    assert CliRunner().invoke(app, args, env=env).exit_code == 0
    made = json.loads((snap / RESULTS / RESULT).read_text())
    made["policy_sha256"] = "0" * 64
    (snap / RESULTS / RESULT).write_text(json.dumps(made))
    refused = CliRunner().invoke(app, ["rate", "--results", str(snap / RESULTS)], env=env)
    assert refused.exit_code == 2 and "another policy" in refused.output


def test_a_cluster_needs_a_snapshot_on_shared_storage(registry, store_url) -> None:
    env = {"CREDENCE_DATABASE_URL": store_url}
    args = ["rate", "--engine", "spark", "--master", "spark://cluster:7077"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2 and "shared storage" in result.output


def test_a_spark_session_leaves_ctrl_c_as_it_found_it(spark) -> None:
    """pyspark's context installs a SIGINT handler of its own; the ingest's Ctrl-C handling (hold it while
    a chunk commits, then end the run as interrupted) needs Python's own, so the session puts it back."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
