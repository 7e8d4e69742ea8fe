"""The server's schedule: `tick` every few minutes in a background thread, so deadlines run on their own.

One periodic job with no persistence of its own (tick is idempotent and reads what is due from the store)
needs no scheduler package: a thread that waits on an Event between runs, and stops when asked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("credence.tick")


class TickSchedule:
    def __init__(self, tick: Callable[[], object], interval_seconds: float, name: str = "tick") -> None:
        self.tick = tick
        self.interval = interval_seconds
        self.name = name
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"credence-{name}", daemon=True)

    def start(self) -> TickSchedule:
        self._thread.start()
        return self

    def stop(self, wait: bool = True) -> None:
        """Stop after the run at hand; `wait` for it (a job that must not be cut off, as a tick)."""
        self._stop.set()
        if wait:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.tick()
                log.info("%s: %s", self.name, result)
            except Exception:  # a failed run is logged and retried at the next interval
                log.exception("%s failed", self.name)
            self.runs += 1
            self._stop.wait(self.interval)
