"""Migration 0017 adds when a rating's facts were read (ratings.facts_read_at): the ratings stored before
count as read when they were stored; downgrade removes it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, inspect, text

from credence.store import migrate


def test_upgrade_gives_stored_ratings_their_rated_at_and_downgrade_removes_it(empty_store: Engine) -> None:
    engine = empty_store
    migrate.upgrade(engine, "0016")
    at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    stored = at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, key, scheme, name, never_public, created_at) "
                "VALUES (1, 'uscc:X', 'uscc', 'X', false, :at)"
            ),
            {"at": stored},
        )
        conn.execute(
            text(
                "INSERT INTO ratings (organisation_id, as_of, score, grade, reasons, policy_version, "
                "policy_sha256, rated_at) VALUES (1, '2026-12-01', 800, 'B', '[]', 'p', 'h', :at)"
            ),
            {"at": stored},
        )
    migrate.upgrade(engine, "0017")
    with engine.connect() as conn:
        same = conn.execute(text("SELECT facts_read_at = rated_at FROM ratings")).scalar_one()
    assert same
    column = next(c for c in inspect(engine).get_columns("ratings") if c["name"] == "facts_read_at")
    assert not column["nullable"]
    if engine.dialect.name == "postgresql":  # half of each page left for a re-rating's new versions
        with engine.connect() as conn:
            options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'ratings'")).scalar()
        assert options == ["fillfactor=50"]
    migrate.downgrade(engine, "0016")
    assert "facts_read_at" not in {c["name"] for c in inspect(engine).get_columns("ratings")}
