"""The app served to a real browser (Debian's chromium, driven by Playwright): uvicorn on a free port of
127.0.0.1, in a thread (imported by the browser tests under tests/web)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from credence.clock import Clock
from credence.server import create_app
from credence.settings import Settings
from serving import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextmanager
def served(settings: Settings, clock: Clock) -> Iterator[str]:
    """The app's address while the block runs, with the clock the test moves; skips the test when
    chromium is absent, since nothing could browse it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (make install does)")
    with serving(create_app(settings, clock)) as url:
        yield url
