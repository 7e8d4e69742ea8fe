"""The app served to a real browser (Debian's chromium, driven by Playwright): uvicorn on a free port of
127.0.0.1, in a thread (imported by the browser tests under tests/web)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from credence.api.app import create_app
from credence.clock import Clock
from credence.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextmanager
def served(settings: Settings, clock: Clock) -> Iterator[str]:
    """The app's address while the block runs, with the clock the test moves; skips the test when
    chromium is absent, since nothing could browse it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (make install does)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(settings, clock), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)
