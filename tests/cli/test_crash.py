"""A real crash: `credence ingest` killed with SIGKILL mid-file leaves only whole rows; a rerun finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from credence.records import repository as repo
from credence.store.db import make_engine

from helpers import USCC_A, USCC_B, row, write_ndjson


def test_sigkill_mid_file_then_rerun(store_url: str, tmp_path: Path) -> None:
    n = 30_000
    path = write_ndjson(
        tmp_path / "big.ndjson", [row(i, subject_id=USCC_A if i % 2 else USCC_B) for i in range(n)]
    )
    env = {**os.environ, "CREDENCE_DATABASE_URL": store_url, "CREDENCE_INGEST_CHUNK_ROWS": "500"}
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
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = stored()
    assert 0 < killed_at < n, f"the ingest was not caught mid-file ({killed_at} rows stored)"
    with engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(repo.versions)).scalar_one()
        orphans = conn.execute(
            select(func.count())
            .select_from(repo.records)
            .where(
                ~select(repo.versions.c.record_id)
                .where(repo.versions.c.record_id == repo.records.c.id)
                .exists()
            )
        ).scalar_one()
    assert versions == killed_at and orphans == 0
    assert killed_at % 500 == 0, "only whole chunks are committed"

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
    engine.dispose()
