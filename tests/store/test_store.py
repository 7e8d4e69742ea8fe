"""The store: one migration head, migrations that match the models, WAL on SQLite, aware UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from credence.store import migrate
from credence.store.db import bulk_insert, conflicted, make_engine, normalise_url
from credence.store.models import Base, IngestBatch

from conftest import BACKEND


def test_single_migration_head(engine) -> None:
    assert len(migrate.head_revisions(engine)) == 1


def test_migrations_match_the_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_creates_every_table_and_downgrade_removes_them(store_url, tmp_path) -> None:
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine, "base")
        assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revisions(engine)[0]
    else:
        engine = make_engine(store_url)
        assert migrate.current_revision(engine) == migrate.head_revisions(engine)[0]
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.skipif(BACKEND != "sqlite", reason="WAL is a SQLite journal mode")
def test_sqlite_runs_in_wal_mode(engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def batch(started_at: datetime) -> dict[str, object]:
    return {
        "department": "SAMR",
        "file_name": "x",
        "format": "csv",
        "status": "complete",
        "started_at": started_at,
        "new": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }


def test_times_come_back_timezone_aware_utc(engine) -> None:
    shanghai = timezone(timedelta(hours=8))
    started = datetime(2026, 11, 25, 17, 30, tzinfo=shanghai)
    with engine.begin() as conn:
        conn.execute(insert(IngestBatch.__table__).values(**batch(started)))
        got = conn.execute(select(IngestBatch.__table__.c.started_at)).scalar_one()
    assert got == started and got.tzinfo is not None
    assert got.utcoffset() == timedelta(0)
    assert got == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        conn.execute(insert(IngestBatch.__table__).values(**batch(datetime(2026, 1, 1))))


def test_plain_postgresql_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h:5432/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_a_bulk_insert_that_meets_a_key_taken_meanwhile_is_a_conflict_to_run_again(engine) -> None:
    """On either store (COPY on PostgreSQL), a row whose key another transaction stored is the driver's
    integrity error as SQLAlchemy raises it, which db.conflicted tells apart: the ingest runs its chunk
    again and then sees the row (two ingests of one file at once). The failed transaction stores nothing."""
    batches = IngestBatch.__table__
    row = {"department": "SAMR", "file_name": "a.csv", "format": "csv", "status": "running", "new": 0}
    row |= {"updated": 0, "unchanged": 0, "rejected": 0}
    with engine.begin() as conn:
        conn.execute(insert(batches), {**row, "id": 1, "started_at": datetime(2026, 11, 25, tzinfo=UTC)})
    when = datetime(2026, 11, 25, tzinfo=UTC)
    with pytest.raises(IntegrityError) as raised, engine.begin() as conn:
        bulk_insert(
            conn, batches, ["id", *row, "started_at"], [(2, *row.values(), when), (1, *row.values(), when)]
        )
    assert conflicted(raised.value)
    with engine.connect() as conn:
        assert conn.execute(select(batches.c.id)).scalars().all() == [1]
