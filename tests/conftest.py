"""Fixtures shared by the suite: a clean store on the backend under test, a fixed clock, the catalog.

The backend is SQLite unless CREDENCE_TEST_BACKEND=postgres (make test sets it for the second leg, when
CREDENCE_TEST_POSTGRES_URL is set). On PostgreSQL each test run gets its own schema, dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from credence.catalog import Catalog, load_catalog
from credence.clock import FixedClock
from credence.dueprocess.service import DueProcess
from credence.records.service import IngestService
from credence.settings import Settings
from credence.store import migrate
from credence.store.db import make_engine, normalise_url
from credence.store.models import Base

from helpers import process_for

pytest_plugins = ["api_support"]  # fixtures of the API tests

BACKEND = os.environ.get("CREDENCE_TEST_BACKEND", "sqlite")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def shared_data(*parts: str) -> Path:
    """A file from ../shared/data, or skip the test saying which file is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data {path} is absent: this test needs ../shared/data beside the repository")
    return path


@contextmanager
def postgres_schema(base: str, prefix: str) -> Iterator[str]:
    """A URL on a new, empty PostgreSQL schema of the database at `base`, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_url(base)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def pytest_report_header(config: pytest.Config) -> str:
    return f"credence store backend: {BACKEND}"


@pytest.fixture(scope="session")
def _store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated store made once per run: a SQLite file to copy, or a PostgreSQL schema to truncate."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()
        yield str(path)
    elif BACKEND == "postgres":
        base = os.environ.get("CREDENCE_TEST_POSTGRES_URL")
        if not base:
            pytest.exit("CREDENCE_TEST_BACKEND=postgres needs CREDENCE_TEST_POSTGRES_URL", returncode=2)
        with postgres_schema(base, "credence_test") as url:
            engine = make_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            yield url
    else:
        pytest.exit(f"unknown CREDENCE_TEST_BACKEND {BACKEND!r}", returncode=2)


@pytest.fixture
def store_url(_store_template: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated store for this test."""
    if BACKEND == "sqlite":
        path = tmp_path / "credence.db"
        shutil.copy(_store_template, path)
        yield f"sqlite:///{path}"
        return
    engine = make_engine(_store_template)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield _store_template


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark for the whole run (it takes seconds to start), bound to 127.0.0.1, quiet."""
    from credence.rating.spark import session

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    spark = session("local[2]", "credence-tests")
    spark.conf.set("spark.sql.shuffle.partitions", "1")  # a few rows: one task per stage
    yield spark
    spark.stop()


@pytest.fixture
def settings(store_url: str) -> Settings:
    return Settings(database_url=store_url, ingest_chunk_rows=50)


@pytest.fixture
def service(engine: Engine, catalog: Catalog, clock: FixedClock, settings: Settings) -> IngestService:
    return IngestService(engine, catalog, clock, settings)


@pytest.fixture
def process(service: IngestService) -> DueProcess:
    return process_for(service)


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Engine]:
    """An empty database (a SQLite file, or a PostgreSQL schema of its own), for migrating by hand."""
    if BACKEND == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    with postgres_schema(os.environ["CREDENCE_TEST_POSTGRES_URL"], "credence_mig") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def lookup_store() -> Any:
    """benchmarks/lookup_store.py, which builds a large synthetic store set-based and EXPLAINs what a read
    runs: the plan tests use it at 200,000 records, the lookup benchmark at 10M."""
    import sys

    sys.path.insert(0, str(BENCHMARKS))
    try:
        import lookup_store
    finally:
        sys.path.remove(str(BENCHMARKS))
    return lookup_store
