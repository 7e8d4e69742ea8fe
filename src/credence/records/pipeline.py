"""Rows in, checked blocks out: in this process, or for a large file in a second process.

Ingestion has two halves of similar cost: reading and checking rows (Python) and writing them (mostly
inside SQLite or PostgreSQL). For a large file a second process reads and checks blocks while this one
writes the previous ones, so both cores work (docs/benchmarks.md). Both ways yield the same blocks:
the child runs the same RowSource and BlockChecker.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from credence.catalog import Catalog
from credence.records.block import BlockChecker, ValidBlock
from credence.records.readers import RawRow, RowSource
from credence.records.validation import Rejection, RowValidator


@dataclass(frozen=True, slots=True)
class CheckedBlock:
    valid: ValidBlock
    rejected: list[Rejection]
    rows: int  # rows read for this block, accepted or not
    position: int  # bytes of the source read so far (for progress)


@dataclass(frozen=True, slots=True)
class CheckerSpec:
    """What a process needs to build the BlockChecker (picklable)."""

    catalog: Catalog
    department: str
    today: date
    max_field_chars: int

    def checker(self) -> BlockChecker:
        return BlockChecker(RowValidator(self.catalog, self.department, self.today, self.max_field_chars))


def check_in_blocks(
    rows: Iterable[RawRow], checker: BlockChecker, size: int, position: Any = None
) -> Iterator[CheckedBlock]:
    """Group rows into blocks of `size` and check each; `position()` gives the bytes read so far."""
    pending: list[RawRow] = []
    for raw in rows:
        pending.append(raw)
        if len(pending) >= size:
            yield _checked(pending, checker, position)
            pending = []
    if pending:
        yield _checked(pending, checker, position)


def _checked(rows: list[RawRow], checker: BlockChecker, position: Any) -> CheckedBlock:
    valid, rejected = checker.check(rows)
    return CheckedBlock(valid, rejected, len(rows), position() if position else 0)


class ChildFailed(RuntimeError):
    pass


def check_in_child(source: RowSource, spec: CheckerSpec, size: int) -> Iterator[CheckedBlock]:
    """Blocks of a checked source, read and checked in a second process. Closing the iterator (or an
    exception in the consumer) stops the child."""
    context = multiprocessing.get_context("spawn")  # no fork: the parent holds threads and connections
    results: Any = context.Queue(maxsize=4)
    child = context.Process(
        target=_child,
        args=(source, spec, size, results, os.getpid()),
        daemon=True,
        name="credence-check",
    )
    child.start()
    try:
        while True:
            try:
                item = results.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise ChildFailed(f"the checking process stopped (exit code {child.exitcode})") from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise ChildFailed(item)
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        results.close()


def _child(source: RowSource, spec: CheckerSpec, size: int, results: Any, parent: int) -> None:
    # The parent decides what an interruption means; the child only stops when told or orphaned.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def put(item: Any) -> None:
        while True:
            try:
                results.put(item, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent:  # the parent died without stopping us
                    os._exit(1)

    try:
        for block in check_in_blocks(source.rows(), spec.checker(), size, lambda: source.position):
            put(block)
    except Exception as exc:  # reported to the parent, which raises it
        put(f"reading {source.path.name} failed: {type(exc).__name__}: {exc}")
        return
    put(None)
