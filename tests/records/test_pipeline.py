"""Large files are read and checked in a second process: same store, same rejections, clean stops."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from credence.records import repository as repo
from credence.records.pipeline import CheckerSpec, ChildFailed, check_in_child
from credence.records.readers import RowSource
from credence.records.service import IngestService
from credence.store.models import Base

from conftest import NOW
from helpers import USCC_B, collect, counts, row, write_csv, write_ndjson


def stored(engine) -> list[tuple]:
    columns = [repo.records.c[name] for name in ("source_record_id", "line", "content_hash", "amount")]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*columns).order_by(repo.records.c.source_record_id))]


def rows_with_faults() -> list[dict]:
    rows = [row(i, subject_id=USCC_B if i % 3 else None) for i in range(1, 301)]
    rows[10]["currency"] = "XYZ"
    rows[120]["decided_on"] = "2030-01-01"
    rows[250] = row(5, amount="1")  # a duplicate id with other content
    return rows


@pytest.mark.parametrize("writer", [write_ndjson, write_csv])
def test_second_process_stores_the_same_as_one(engine, catalog, clock, settings, tmp_path, writer) -> None:
    suffix = ".ndjson" if writer is write_ndjson else ".csv"
    path = writer(tmp_path / f"rows{suffix}", rows_with_faults())
    one = IngestService(
        engine, catalog, clock, settings.model_copy(update={"ingest_parallel_bytes": 1 << 40})
    )
    result_one, rejections_one = collect(one, path)
    stored_one = stored(engine)
    with engine.begin() as conn:  # the same file again, into an empty store, through a second process
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    two = IngestService(engine, catalog, clock, settings.model_copy(update={"ingest_parallel_bytes": 0}))
    result_two, rejections_two = collect(two, path)
    assert (result_two.new, result_two.rejected) == (result_one.new, result_one.rejected)
    # 100 rows lack the subject_id their category needs; three more are faulty.
    assert (result_one.rejected, result_one.new) == (103, 197)
    assert rejections_two == rejections_one
    assert stored(engine) == stored_one


def test_interrupting_stops_the_second_process(engine, catalog, clock, settings, tmp_path) -> None:
    path = write_ndjson(tmp_path / "rows.ndjson", [row(i) for i in range(1, 2001)])
    service = IngestService(engine, catalog, clock, settings.model_copy(update={"ingest_parallel_bytes": 0}))
    before = _python_children()

    def interrupt(rows_read: int, _position: int) -> None:
        if rows_read >= 100:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        service.ingest_file(path, "SAMR", on_progress=interrupt)
    assert counts(engine)["records"] == 100  # two chunks of 50, committed
    with engine.connect() as conn:
        assert conn.execute(select(repo.batches.c.status)).scalar_one() == "interrupted"
    assert _python_children() == before


def test_a_failing_second_process_is_reported(catalog, tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "rows.ndjson", [row(1)])
    source = RowSource(path)
    source.check()
    path.unlink()  # gone before the child reads it
    with pytest.raises(ChildFailed, match="No such file"):
        list(check_in_child(source, CheckerSpec(catalog, "SAMR", NOW.date(), 20_000), 50))


def _python_children() -> set[int]:
    import os

    pid = os.getpid()
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()
