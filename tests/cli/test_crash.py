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


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
