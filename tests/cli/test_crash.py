"""Real crashes: `credence ingest` killed with SIGKILL or interrupted with SIGINT (Ctrl-C) mid-file leaves
only whole rows, each with its notice; a rerun finishes, rates what the stopped runs stored and ends
their batches; ingests running at once all succeed."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from credence.log.keys import keygen
from credence.process import notices
from credence.rating import repository as rating_repo
from credence.records import repository as repo
from credence.store.db import make_engine

from helpers import USCC_A, USCC_B, row, write_ndjson

CREDENCE = [sys.executable, "-c", "from credence.cli.main import app; app()"]
BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def test_sigkill_mid_file_then_rerun(store_url: str, tmp_path: Path) -> None:
    n = 30_000
    path = write_ndjson(
        tmp_path / "big.ndjson", [row(i, subject_id=USCC_A if i % 2 else USCC_B) for i in range(n)]
    )
    env = {
        **os.environ,
        "CREDENCE_DATABASE_URL": store_url,
        "CREDENCE_INGEST_CHUNK_ROWS": "500",
        # Read and check in a second process, as large files are: it must not outlive a killed parent.
        "CREDENCE_INGEST_PARALLEL_BYTES": "0",
    }
    credence = [sys.executable, "-c", "from credence.cli.main import app; app()"]
    engine = make_engine(store_url)

    def stored() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(repo.records)).scalar_one())

    proc = subprocess.Popen(
        [*credence, "ingest", str(path), "-d", "SAMR", "--json"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while stored() < 2000 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = stored()
    assert 0 < killed_at < n, f"the ingest was not caught mid-file ({killed_at} rows stored)"
    assert children, "the ingest did not start its checking process"
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children), "a child of the killed ingest is still running"
    with engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(repo.versions)).scalar_one()
        hashes = conn.execute(
            select(func.count(func.distinct(repo.records.c.content_hash))).where(
                repo.records.c.content_hash.is_not(None), repo.records.c.decided_on.is_not(None)
            )
        ).scalar_one()
    assert versions == 0 and hashes == killed_at, "every stored record is whole"
    assert killed_at % 500 == 0, "only whole chunks are committed"
    assert without_notice(engine) == 0, "every committed record has its notice"

    rerun = subprocess.run(
        [*credence, "ingest", str(path), "-d", "SAMR", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f'"unchanged": {killed_at}' in rerun.stdout and f'"new": {n - killed_at}' in rerun.stdout
    assert stored() == n
    assert without_notice(engine) == 0
    with engine.connect() as conn:
        statuses = conn.execute(select(repo.batches.c.status).order_by(repo.batches.c.id)).scalars()
        assert list(statuses) == ["interrupted", "complete"], "the rerun ended the killed run's batch"
    engine.dispose()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def without_notice(engine: Engine) -> int:
    """Active records awaiting notice without a pending notice: unpublished, unrated, out of the outbox."""
    pending = (
        select(notices.notices.c.id)
        .where(notices.notices.c.record_id == repo.records.c.id, notices.notices.c.delivered_at.is_(None))
        .exists()
    )
    with engine.connect() as conn:
        query = select(func.count()).where(
            repo.records.c.noticed_at.is_(None), repo.records.c.state == "active", ~pending
        )
        return int(conn.execute(query).scalar_one())


def assert_no_half_state(engine: Engine, env: dict[str, str], cwd: Path, records: int) -> None:
    """Every row stored once, with its notice; every organisation rated since its records last changed;
    no batch left running; and the log verifies."""
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(repo.records)).scalar_one()
        keys = conn.execute(
            select(func.count()).select_from(
                select(repo.records.c.department, repo.records.c.source_record_id).distinct().subquery()
            )
        ).scalar_one()
        running = conn.execute(select(func.count()).where(repo.batches.c.status == "running")).scalar_one()
        changed = (
            select(repo.records.c.organisation_id, func.max(repo.records.c.received_at).label("last"))
            .group_by(repo.records.c.organisation_id)
            .subquery()
        )
        ratings = rating_repo.ratings
        stale = conn.execute(
            select(func.count())
            .select_from(changed)
            .outerjoin(ratings, ratings.c.organisation_id == changed.c.organisation_id)
            .where(ratings.c.rated_at.is_(None) | (ratings.c.rated_at < changed.c.last))
        ).scalar_one()
    assert (stored, keys) == (records, records), "every row is stored once"
    assert without_notice(engine) == 0, "every record has its notice"
    assert stale == 0, f"{stale} organisations were not rated since their records changed"
    assert running == 0, "no batch is left running"
    key = cwd / "log.pem"
    if not key.exists():
        keygen(key)
    verified = subprocess.run(
        [*CREDENCE, "log", "verify"],
        env={**env, "CREDENCE_LOG_KEY_PATH": str(key)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def bench_rows(n: int, organisations: int, seed: int) -> Iterator[dict[str, Any]]:
    """The benchmarks' synthetic rows: valid codes, one of `organisations` (the same ones for every seed)
    per row, in an order that depends on the seed."""
    spec = importlib.util.spec_from_file_location("bench_generate", BENCHMARKS / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate.rows(n, organisations, seed)  # type: ignore[no-any-return]


def _env(store_url: str, **settings: str) -> dict[str, str]:
    return {**os.environ, "CREDENCE_DATABASE_URL": store_url, "CREDENCE_INGEST_CHUNK_ROWS": "500", **settings}


def _stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(repo.records)).scalar_one())


def _started(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(repo.batches)).scalar_one())


@pytest.mark.slow
def test_killed_and_interrupted_runs_then_a_rerun_leave_no_half_state(store_url: str, tmp_path: Path) -> None:
    n = 12_000
    path = write_ndjson(tmp_path / "big.ndjson", bench_rows(n, 1_200, 11))
    env = _env(store_url, CREDENCE_INGEST_PARALLEL_BYTES="0")
    engine = make_engine(store_url)
    command = [*CREDENCE, "ingest", str(path), "-d", "SAMR", "--json"]

    def run_until(ready: Any, how: signal.Signals) -> subprocess.CompletedProcess[str]:
        proc = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 120
        while not ready() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the ingest ended before it could be stopped"
        sent = time.monotonic()
        proc.send_signal(how)
        out, err = proc.communicate(timeout=60)
        assert time.monotonic() - sent < 15, "the ingest did not stop promptly"
        return subprocess.CompletedProcess(command, proc.returncode, out, err)

    batches = 0
    # Ctrl-C early: as soon as the run has started its batch, before or while its first chunk is written.
    early = run_until(lambda: _started(engine) > batches, signal.SIGINT)
    # Killed in the middle, then Ctrl-C later in the middle of the next run.
    killed = run_until(lambda: _stored(engine) >= n // 3, signal.SIGKILL)
    middle = run_until(lambda: _stored(engine) >= 2 * n // 3, signal.SIGINT)
    for stopped in (early, middle):
        assert stopped.returncode == 130, stopped.stderr
        assert "Traceback" not in stopped.stderr, stopped.stderr
        assert json.loads(stopped.stdout)["status"] == "interrupted"
    assert killed.returncode == -signal.SIGKILL
    with engine.connect() as conn:
        assert list(conn.execute(select(repo.batches.c.status).order_by(repo.batches.c.id)).scalars()) == [
            "interrupted",
            "interrupted",  # the killed run's, ended by the next run
            "interrupted",
        ]
    assert without_notice(engine) == 0

    rerun = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["new"] + summary["unchanged"] == n
    assert_no_half_state(engine, env, tmp_path, n)
    engine.dispose()


@pytest.mark.slow
def test_ingests_running_at_once_all_succeed(store_url: str, tmp_path: Path) -> None:
    """Three departments' files naming the same organisations in different orders, and one of them twice."""
    n = 5_000
    files = {
        department: write_ndjson(tmp_path / f"{department}.ndjson", bench_rows(n, 1_000, seed))
        for department, seed in (("SAMR", 11), ("MEE", 12), ("MOHRSS", 13))
    }
    env = _env(store_url)
    runs = [*files.items(), ("SAMR", files["SAMR"])]
    procs = [
        subprocess.Popen(
            [*CREDENCE, "ingest", str(path), "-d", department, "--json"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for department, path in runs
    ]
    outcomes = [proc.communicate(timeout=600) for proc in procs]
    for proc, (_, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err[-3000:]
    summaries = [json.loads(out) for out, _ in outcomes]
    assert all(s["new"] + s["unchanged"] == n and s["rejected"] == 0 for s in summaries)
    assert summaries[0]["new"] + summaries[3]["new"] == n, "the file sent twice is stored once"
    engine = make_engine(store_url)
    assert_no_half_state(engine, env, tmp_path, 3 * n)
    engine.dispose()
