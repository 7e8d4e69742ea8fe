"""Rows in, checked blocks out: in this process, or for a large file in a second process.

Ingestion has two halves of similar cost: reading and checking rows (Python) and writing them (mostly
inside SQLite or PostgreSQL). For a large file a second process reads and checks blocks while this one
writes the previous ones, so both cores work (docs/benchmarks.md). Both ways yield the same blocks:
the child runs the same RowSource and BlockChecker.
"""

from __future__ import annotations

import marshal
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from credence.catalog import Catalog
from credence.records.block import BlockChecker, ValidBlock
from credence.records.readers import RawBlock, RowSource
from credence.records.validation import Rejection, RowValidator, Subject


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
    lists: bool = False  # the list procedure storing an entry's record

    def checker(self) -> BlockChecker:
        return BlockChecker(
            RowValidator(self.catalog, self.department, self.today, self.max_field_chars, lists=self.lists)
        )


def check_in_blocks(
    blocks: Iterable[RawBlock], checker: BlockChecker, position: Any = None
) -> Generator[CheckedBlock, None, None]:
    """Check each block; `position()` gives the bytes of the source read so far."""
    for raw in blocks:
        valid, rejected = checker.check_block(raw)
        yield CheckedBlock(valid, rejected, len(raw), position() if position else 0)


class ChildFailed(RuntimeError):
    pass


def check_in_child(source: RowSource, spec: CheckerSpec, size: int) -> Generator[CheckedBlock, None, None]:
    """Blocks of a checked source, read and checked by this module's main() in a second process.
    Closing the iterator (or an exception in the consumer) stops the child.

    A plain child interpreter over a pipe rather than multiprocessing: spawning through multiprocessing
    re-imports the caller's main module, which a library must not require of its callers.
    """
    child = subprocess.Popen(
        # Not `-m`: the classes of what the child pickles must be this module's, not __main__'s.
        [sys.executable, "-c", "from credence.records.pipeline import main; main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    pickle.dump((source, spec, size), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)  # once, small
    child.stdin.close()
    # A thread receives and unpickles while this one writes (reading a pipe releases the GIL).
    received: queue.Queue[Any] = queue.Queue(maxsize=_AHEAD)
    stop = threading.Event()
    receiver = threading.Thread(target=_receive, args=(child.stdout, received, stop), daemon=True)
    receiver.start()
    try:
        while True:
            item = received.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise ChildFailed(f"receiving checked rows failed: {item}") from item
            yield item
        if child.wait() != 0:
            error = child.stderr.read().decode(errors="replace").strip() if child.stderr else ""
            raise ChildFailed(error.splitlines()[-1] if error else f"exit code {child.returncode}")
    finally:
        stop.set()
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()


_END = object()
# Blocks the child may be ahead: enough to keep it busy while this process runs the whole-file checks
# at the start, within the 500 MB the ingest may use (a block of 2,000 rows is about 1 MiB decoded).
_AHEAD = 8


def _receive(stream: Any, received: queue.Queue[Any], stop: threading.Event) -> None:
    """Unpickle blocks from the child until its output ends; then _END (or the error, then _END)."""

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                received.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    try:
        while not stop.is_set():
            header = stream.read(8)
            if len(header) < 8:
                break
            put(_decoded(marshal.loads(stream.read(int.from_bytes(header, "little")))))
    except Exception as exc:  # handed to the consuming thread, which raises it
        put(exc)
    put(_END)


# Blocks cross the pipe as marshal data: plain lists and tuples of text and numbers. Pickling the same
# block (dataclasses, thousands of strings) cost ten times more on each side, as much as checking it.
# Both ends run the same interpreter, which is all marshal asks.


def _encoded(block: CheckedBlock) -> tuple[Any, ...]:
    valid = block.valid
    return (
        [getattr(valid, name) for name in ValidBlock.COLUMNS],
        [_subject_tuple(s) for s in valid.subjects.values()],
        [(r.line, r.field, r.reason, r.message, r.source_record_id, r.ground) for r in block.rejected],
        block.rows,
        block.position,
    )


def _decoded(data: tuple[Any, ...]) -> CheckedBlock:
    columns, subjects, rejected, rows, position = data
    valid = ValidBlock(**dict(zip(ValidBlock.COLUMNS, columns, strict=True)))
    valid.subjects = {s[0]: Subject(*s) for s in subjects}
    return CheckedBlock(valid, [Rejection(*r) for r in rejected], rows, position)


def _subject_tuple(s: Subject) -> tuple[Any, ...]:
    return (s.key, s.scheme, s.code, s.name, s.alt_name, s.kind, s.country, s.division, s.never_public)


def main() -> None:
    """The checking process: a pickled (source, spec, size) on stdin, CheckedBlocks on stdout."""
    # The parent decides what an interruption means; a closed pipe (the parent gone) ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    source, spec, size = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    try:
        for block in check_in_blocks(source.blocks(size), spec.checker(), lambda: source.position):
            data = marshal.dumps(_encoded(block))
            out.write(len(data).to_bytes(8, "little"))
            out.write(data)
            out.flush()
    except BrokenPipeError:
        os._exit(1)
