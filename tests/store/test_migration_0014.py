"""Migration 0014 adds a record's matching data (address, organisation code, registration number) to
records and record_versions, empty for the records stored before; downgrade removes it."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from credence.store import migrate

NEW = {"subject_address", "subject_org_code", "subject_registration"}


def columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_upgrade_adds_the_matching_columns_and_downgrade_removes_them(empty_store: Engine) -> None:
    engine = empty_store
    migrate.upgrade(engine, "0013")
    assert not NEW & columns(engine, "records") and not NEW & columns(engine, "record_versions")
    migrate.upgrade(engine, "0014")
    assert NEW <= columns(engine, "records") and NEW <= columns(engine, "record_versions")
    migrate.downgrade(engine, "0013")
    assert not NEW & columns(engine, "records") and not NEW & columns(engine, "record_versions")
