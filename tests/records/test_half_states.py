"""Half-states an ingest must not leave (issue 13, section 4): records without notices after a crash,
a Ctrl-C that lands inside a statement or a commit, organisations stored but never rated."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, func, select, update

from credence.process import notices
from credence.rating import load_policy
from credence.rating import repository as rating_repo
from credence.rating.service import RatingService
from credence.records import repository as repo

from helpers import USCC_A, USCC_B, USCC_C, collect, counts, row, write_ndjson


def without_notice(engine: Engine) -> int:
    """Active records awaiting notice that have no pending notice: unpublished until `tick`."""
    pending = (
        select(notices.notices.c.id)
        .where(notices.notices.c.record_id == repo.records.c.id, notices.notices.c.delivered_at.is_(None))
        .exists()
    )
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    repo.records.c.noticed_at.is_(None), repo.records.c.state == "active", ~pending
                )
            ).scalar_one()
        )


def statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(repo.batches.c.status).order_by(repo.batches.c.id)).scalars())


def test_a_rerun_gives_notices_to_records_a_crash_left_without_one(service, engine, tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "f.ndjson", [row(i) for i in range(1, 121)])
    collect(service, path)
    with engine.begin() as conn:  # what a run killed before its notices were made left behind
        conn.execute(delete(notices.notices))
        conn.execute(update(repo.batches).values(status="running", finished_at=None))
    assert without_notice(engine) == 120
    result, _ = collect(service, path)
    assert (result.new, result.unchanged) == (0, 120)
    assert without_notice(engine) == 0
    assert counts(engine)["records"] == 120
    assert statuses(engine) == ["interrupted", "complete"]  # the killed run's batch is ended too
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(notices.notices)).scalar_one() == 120
    collect(service, path)  # and a record with a pending notice gets no second one
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(notices.notices)).scalar_one() == 120


def test_each_chunk_commits_with_its_notices(service, engine, tmp_path: Path) -> None:
    # settings fixture: 50 rows per chunk. Whatever ends the run, a committed chunk has its notices.
    path = write_ndjson(tmp_path / "f.ndjson", [row(i) for i in range(1, 231)])
    seen: list[int] = []

    def check(rows_read: int, _position: int) -> None:
        seen.append(rows_read)
        assert counts(engine)["records"] == rows_read
        assert without_notice(engine) == 0, "a committed chunk's records wait for notices"

    collect(service, path, on_progress=check)
    assert seen == [50, 100, 150, 200, 230]


@contextmanager
def sigint_at(engine: Engine, at_commit: bool, chunk: int) -> Iterator[None]:
    """Send this process SIGINT (as Ctrl-C does) inside SQLAlchemy's handling of the statement that adds
    the nth chunk's counts to its batch, or of that chunk's commit: where the driver is busy."""
    seen = {"counts": 0, "fired": False}

    def fire() -> None:
        seen["fired"] = True
        os.kill(os.getpid(), signal.SIGINT)

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sql = statement.lstrip().upper()
        if sql.startswith("UPDATE INGEST_BATCHES") and "STATUS" not in sql:
            seen["counts"] += 1
            if seen["counts"] == chunk and not at_commit:
                fire()

    def commit(_conn: Any) -> None:
        if seen["counts"] == chunk and at_commit and not seen["fired"]:
            fire()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)


@pytest.mark.parametrize("at_commit", [False, True], ids=["in a statement", "in a commit"])
def test_ctrl_c_inside_a_statement_or_a_commit_interrupts_cleanly(
    service, engine, tmp_path: Path, at_commit: bool
) -> None:
    """Ctrl-C waits for the chunk in flight to commit, then ends the run as interrupted."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    committed = 150
    path = write_ndjson(tmp_path / "f.ndjson", [row(i) for i in range(1, 231)])
    started = time.monotonic()
    with sigint_at(engine, at_commit, 3), pytest.raises(KeyboardInterrupt):
        collect(service, path)
    assert time.monotonic() - started < 10, "the interrupt waited on a lock"
    assert statuses(engine) == ["interrupted"]
    assert counts(engine)["records"] == committed
    assert without_notice(engine) == 0
    result, _ = collect(service, path)
    assert (result.new, result.unchanged) == (230 - committed, committed)
    assert statuses(engine) == ["interrupted", "complete"]


def rating_service(service: Any) -> RatingService:
    return RatingService(
        service.engine, service.catalog, load_policy(service.catalog), service.clock, service.settings
    )


def unrated(engine: Engine) -> set[int]:
    """Organisations with records but no rating."""
    with engine.connect() as conn:
        with_records = set(conn.execute(select(repo.records.c.organisation_id).distinct()).scalars())
        rated = set(conn.execute(select(rating_repo.ratings.c.organisation_id)).scalars())
    return with_records - rated


def test_a_rerun_rates_the_organisations_an_interrupted_run_stored(service, engine, tmp_path: Path) -> None:
    rows = [row(i, subject_id=(USCC_A, USCC_B, USCC_C)[(i - 1) // 50]) for i in range(1, 151)]
    path = write_ndjson(tmp_path / "f.ndjson", rows)

    def interrupt(rows_read: int, _position: int) -> None:
        if rows_read == 100:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C: the CLI exits 130 and rates nothing
        collect(service, path, on_progress=interrupt)
    assert len(unrated(engine)) == 2
    result, _ = collect(service, path)
    assert (result.new, result.unchanged) == (50, 100)
    rating_service(service).after_ingest(result)
    assert unrated(engine) == set()
    assert result.rated == 3


def test_rating_after_an_ingest_covers_what_an_unrated_run_changed(service, engine, tmp_path: Path) -> None:
    first = write_ndjson(tmp_path / "a.ndjson", [row(i, subject_id=USCC_A) for i in range(1, 11)])
    second = write_ndjson(tmp_path / "b.ndjson", [row(i, subject_id=USCC_B) for i in range(11, 21)])
    collect(service, first)  # `credence ingest --no-rate`, or a run killed before it rated
    result, _ = collect(service, second)
    rating = rating_service(service)
    rating.after_ingest(result)
    assert unrated(engine) == set()
    assert result.rated == 2
    again, _ = collect(service, second)  # nothing changed since: nothing to rate
    rating.after_ingest(again)
    assert again.rated == 0
