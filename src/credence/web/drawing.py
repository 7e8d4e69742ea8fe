"""Charts drawn by vl-convert in a process of its own.

vl-convert holds Python's global interpreter lock for the whole of a drawing (a tenth of a second to a
second: it lays out every label), so in the server's process every other thread, each request included,
waited for it: while the home and statistics pages' charts were drawn ahead (at start and whenever the
figures moved), a request that needed the lock ten times waited seconds (found in use: the access
benchmark's requests timed out). Drawn by a child process, a drawing keeps only its caller waiting, and
that caller waits on a pipe, without the lock.

The child is `python -m credence.web.drawing`, started on first use: it reads one request a line (JSON:
the specification's text, the locale, the font directories) and answers one a line (the SVG, or the error).
Written by hand rather than with multiprocessing: a spawned worker re-runs the parent's main module (the
CLI, or any script that draws), and a forked one would copy the server's threads.
"""

from __future__ import annotations

import atexit
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, cast


class DrawingError(RuntimeError):
    """vl-convert refused a specification (its message), or its process stopped."""


class _Renderer:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()  # one drawing at a time: one request line, one answer line

    def draw(self, spec: str, locale: str, font_dirs: tuple[str, ...]) -> str:
        request = json.dumps({"spec": spec, "locale": locale, "fonts": list(font_dirs)}) + "\n"
        with self.lock:
            for attempt in (1, 2):  # a child that stopped is started again once
                process = self._running()
                try:
                    cast(IO[bytes], process.stdin).write(request.encode())
                    cast(IO[bytes], process.stdin).flush()
                    line = cast(IO[bytes], process.stdout).readline()
                except BrokenPipeError:
                    line = b""
                if line:
                    answer = json.loads(line)
                    if "error" in answer:
                        raise DrawingError(answer["error"])
                    return str(answer["svg"])
                self.stop()
                if attempt == 2:
                    raise DrawingError("the chart renderer stopped")
        raise AssertionError("unreachable")

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "credence.web.drawing"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        return self.process

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            cast(IO[bytes], process.stdin).close()  # the child ends at the end of its input
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


_renderer = _Renderer()
atexit.register(_renderer.stop)


def draw(spec: str, locale: str, font_dirs: tuple[str, ...]) -> str:
    """A Vega-Lite specification (JSON text) as SVG, numbers and dates in `locale`, drawn by the child."""
    return _renderer.draw(spec, locale, font_dirs)


def serve(requests: IO[str], answers: IO[str]) -> None:
    """The child: each request line answered by one line, until the input ends."""
    import vl_convert as vlc

    registered: set[str] = set()
    for line in requests:
        request: dict[str, Any] = json.loads(line)
        for directory in request["fonts"]:
            if directory not in registered and Path(directory).is_dir():
                vlc.register_font_directory(directory)
            registered.add(directory)
        locale = cast(Any, request["locale"])
        try:
            svg = vlc.vegalite_to_svg(
                json.loads(request["spec"]), format_locale=locale, time_format_locale=locale
            )
            answer = {"svg": str(svg)}
        except Exception as exc:  # the parent raises it as a DrawingError
            answer = {"error": str(exc)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which closes our input
    serve(sys.stdin, sys.stdout)
