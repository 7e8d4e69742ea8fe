"""CREDENCE_BENCH_POSTGRES_URL has one meaning in every benchmark: the PostgreSQL database the benchmark
creates (dropping one an earlier run left), fills and drops when it ends. `none` skips PostgreSQL.

Each benchmark has a default of its own (a database named after it on 127.0.0.1, or none where PostgreSQL
is an extra leg); `test` and `postgres` are refused, so that a benchmark never empties the test suite's or
the server's own database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from credence.store.db import make_engine

VARIABLE = "CREDENCE_BENCH_POSTGRES_URL"
SERVER = "postgresql://postgres@127.0.0.1:5432/"


def url(default: str | None) -> str | None:
    """The database this run measures PostgreSQL in (a name on SERVER, or a URL, as default), or None."""
    if default is not None and "://" not in default:
        default = SERVER + default
    value = os.environ.get(VARIABLE, default)
    return None if value in (None, "", "none") else value


def name_of(database_url: str) -> str:
    name = make_url(database_url).database
    if not name or name in ("test", "postgres"):
        raise SystemExit(f"{VARIABLE}: refusing to create and drop the database {name!r}")
    return name


@contextmanager
def fresh(database_url: str, keep: bool = False) -> Iterator[str]:
    """Create the database (dropping one left before; with `keep`, reuse it as it is), yield its URL,
    and drop it at the end unless `keep`."""
    name = name_of(database_url)
    admin = make_engine(
        make_url(database_url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).scalar()
            if exists and not keep:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not exists or not keep:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield database_url
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def size_mib(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return round(size / 2**20)
    finally:
        engine.dispose()
