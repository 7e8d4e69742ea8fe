"""`credence serve` as an operator starts it: a port already taken is said in one line, before anything
is announced; each request is written to the access log, without credentials."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
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


def _quoted(name: str) -> str:
    """A quoted field, whose quotes and backslashes are escaped with a backslash."""
    return rf'"(?P<{name}>(?:[^"\\]|\\.)*)"'


# host ident authuser [time] "request line" status bytes "referer" "user agent": the Combined Log Format
COMBINED = re.compile(
    rf"^(?P<host>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]+)\] {_quoted('request')} "
    rf"(?P<status>\d{{3}}) (?P<size>\d+|-) {_quoted('referer')} {_quoted('agent')}$"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_access_log_has_a_line_per_request_in_the_combined_format_without_credentials(
    store_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "CREDENCE_DATABASE_URL": store_url, **QUIET}
    made = CliRunner().invoke(app, ["token", "create", "--role", "operator", "--name", "ops"], env=env)
    assert made.exit_code == 0, made.output
    token = made.stdout.split()[-1]
    cookie = "session-cookie-value-that-must-not-be-logged"
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from credence.cli.main import app; app()",
            "serve",
            "--demo",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        response = httpx.get(
            f"{base}/api/v1/organisations?q=acme&access_token={token}&page=1",
            headers={
                "Authorization": f"Bearer {token}",
                "Cookie": f"credence_session={cookie}",
                "Referer": f"{base}/search?token={token}",
                "User-Agent": 'clerk-script/1.0 (says "hi")',
            },
        )
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    logged = out + err
    assert token not in logged and token.removeprefix("cred_") not in logged
    assert cookie not in logged
    (line,) = [x for x in out.splitlines() if "/api/v1/organisations" in x]
    match = COMBINED.match(line)
    assert match, line
    assert match["host"] == "127.0.0.1" and match["ident"] == "-" and match["user"] == "-"
    datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z")
    assert match["request"] == "GET /api/v1/organisations?q=acme&access_token=REDACTED&page=1 HTTP/1.1"
    assert int(match["status"]) == response.status_code
    assert int(match["size"]) == len(response.content)
    assert match["referer"] == f"{base}/search?token=REDACTED"
    assert match["agent"] == r"clerk-script/1.0 (says \"hi\")"


def test_no_request_can_forge_a_line_or_carry_a_token_into_the_log() -> None:
    from credence.api.access_log import combined_line

    scope = {
        "type": "http",
        "client": ("203.0.113.9", 50000),
        "method": "GET",
        "raw_path": b'/api/v1/cred_abcDEF-123_x/"quoted"',
        "query_string": b"API_KEY=k1&csrf_token=c2&Password=p3&q=%E6%9D%AD&next=cred_zzz",
        "http_version": "1.1",
    }
    at = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)
    line = combined_line(
        scope, at, 404, 0, b"https://x.test/a?session=s4#cred_f", "agent\n\xe6\x9d\xad".encode("latin-1")
    )
    assert "\n" not in line
    for secret in ("abcDEF", "k1", "c2", "p3", "zzz", "s4", "cred_f"):
        assert secret not in line
    assert line == (
        "203.0.113.9 - - [25/Nov/2026:17:30:00 +0000] "
        '"GET /api/v1/REDACTED/\\"quoted\\"?API_KEY=REDACTED&csrf_token=REDACTED&Password=REDACTED'
        '&q=%E6%9D%AD&next=REDACTED HTTP/1.1" 404 - "https://x.test/a?session=REDACTED#REDACTED" '
        '"agent\\x0a\\xe6\\x9d\\xad"'
    )
