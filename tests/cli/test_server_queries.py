"""Queries on the server do not outlive their client (issue 13, section 4): a killed client's query is
cancelled, and the server's requests run under a statement timeout that batch commands do not have."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from credence.cli.serve import for_requests
from credence.settings import Settings
from credence.store.db import CLIENT_CHECK_MS, make_engine

from conftest import BACKEND

postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's statement timeout")


@postgres_only
def test_the_servers_statements_time_out_and_batch_commands_do_not(store_url: str) -> None:
    settings = Settings(database_url=store_url, statement_timeout_seconds=0.5)
    served = make_engine(for_requests(settings).database_url)
    batch = make_engine(store_url)
    try:
        with served.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM records")).scalar_one() == 0  # the store's schema
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(3)"))
        with batch.connect() as conn:
            conn.execute(text("SELECT pg_sleep(0.8)"))
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "0"
    finally:
        served.dispose()
        batch.dispose()
    assert (
        for_requests(settings.model_copy(update={"statement_timeout_seconds": 0})).database_url == store_url
    )


def test_no_statement_timeout_on_sqlite(tmp_path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", statement_timeout_seconds=5)
    assert for_requests(settings).database_url == settings.database_url


@postgres_only
@pytest.mark.slow
def test_a_killed_clients_query_is_cancelled(store_url: str) -> None:
    name = f"credence-test-{uuid.uuid4().hex[:8]}"
    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from sqlalchemy import text; from credence.store.db import make_engine\n"
            "with make_engine(sys.argv[1]).connect() as conn:\n"
            f"    conn.execute(text(\"SET application_name = '{name}'\"))\n"
            "    conn.execute(text('SELECT pg_sleep(120)'))\n",
            store_url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watcher = make_engine(store_url)

    def running() -> bool:
        with watcher.connect() as conn:
            query = text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :n AND state = 'active'"
            )
            return bool(conn.execute(query, {"n": name}).scalar_one())

    try:
        deadline = time.monotonic() + 30
        while not running() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert running(), "the client's query did not start"
        os.kill(client.pid, signal.SIGKILL)
        client.wait()
        killed = time.monotonic()
        while running() and time.monotonic() - killed < CLIENT_CHECK_MS / 1000 + 10:
            time.sleep(0.2)
        assert not running(), "the killed client's query runs on"
    finally:
        if client.poll() is None:
            client.kill()
        watcher.dispose()
