"""Charts drawn by vl-convert in a process of their own.

vl-convert holds Python's global interpreter lock for the whole of a drawing (a tenth of a second to a
second: it lays out every label), so in the server's process every other thread, each request included,
waited for it: while the home and statistics pages' charts were drawn ahead (at start and whenever the
figures moved), a request that needed the lock ten times waited seconds (found in use: the access
benchmark's requests timed out). Drawn here, in one child process started on first use, a drawing only
keeps its caller waiting. This module imports nothing but vl-convert, so the child starts quickly.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, cast

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_fonts_registered = False  # in the child


def draw(spec: str, locale: str, font_dirs: tuple[str, ...]) -> str:
    """A Vega-Lite specification (JSON text) as SVG, drawn in the child process; a child that died is
    replaced once."""
    for attempt in (1, 2):
        pool = _renderer()
        try:
            return pool.submit(render, spec, locale, font_dirs).result()
        except BrokenProcessPool:
            _replace(pool)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def render(spec: str, locale: str, font_dirs: tuple[str, ...]) -> str:
    """The drawing itself (in the child): the fonts registered once, the numbers and dates in `locale`."""
    import json

    import vl_convert as vlc

    global _fonts_registered
    if not _fonts_registered:
        for directory in font_dirs:
            if Path(directory).is_dir():
                vlc.register_font_directory(directory)
        _fonts_registered = True
    return str(
        vlc.vegalite_to_svg(
            json.loads(spec), format_locale=cast(Any, locale), time_format_locale=cast(Any, locale)
        )
    )


def _renderer() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: the server's process has threads (requests, schedules) a fork would copy.
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def _replace(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False)
