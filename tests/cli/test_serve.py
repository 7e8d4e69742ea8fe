"""`credence serve` as an operator starts it: a port already taken is said in one line, before anything
is announced."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli.main import app

QUIET = {"CREDENCE_TICK_INTERVAL_SECONDS": "0", "CREDENCE_CHECKPOINT_INTERVAL_SECONDS": "0"}


def test_a_busy_port_is_one_line_and_nothing_is_announced(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = CliRunner().invoke(
            app, ["serve", "--demo", "--port", str(port)], env={"CREDENCE_DATABASE_URL": store_url, **QUIET}
        )
    assert result.exit_code == 1, result.output
    assert "serving Credence" not in result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use: stop the other server or pass --port"
    ]
