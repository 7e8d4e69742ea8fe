"""Migration 0002 moves each record's current version into its row and keeps every earlier version."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, text

from credence.store import migrate

T = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def version(record_id: int, v: int, summary: str, batch: int, line: int) -> dict[str, object]:
    return {
        "record_id": record_id,
        "version": v,
        "organisation_id": 1,
        "category": "administrative_penalty",
        "subject_name": "北京某某食品有限公司",
        "subject_alt_name": None,
        "severity": "general",
        "decided_on": date(2026, 3, 1),
        "legal_basis": "Food Safety Law, Art. 124",
        "status": "final",
        "amount": "50000",
        "currency": "CNY",
        "summary": summary,
        "effective_until": None,
        "until_kind": None,
        "content_hash": f"h{record_id}{v}",
        "batch_id": batch,
        "file_name": f"file{batch}.csv",
        "line": line,
        "received_at": T,
    }


def test_upgrade_moves_current_versions_and_downgrade_restores_them(empty_store: Engine) -> None:
    engine = empty_store
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        for batch in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO ingest_batches (id, department, file_name, format, status, started_at, "
                    "new, updated, unchanged, rejected) "
                    "VALUES (:id, 'SAMR', :f, 'csv', 'complete', :t, 0, 0, 0, 0)"
                ),
                {"id": batch, "f": f"file{batch}.csv", "t": T},
            )
        conn.execute(
            text(
                "INSERT INTO organisations (id, key, scheme, code, name, never_public, created_at) "
                "VALUES (1, 'uscc:91110000600037341L', 'uscc', '91110000600037341L', 'x', false, :t)"
            ),
            {"t": T},
        )
        for rid, current in ((1, 2), (2, 1)):
            conn.execute(
                text(
                    "INSERT INTO records (id, department, source_record_id, organisation_id, category, "
                    "state, current_version, content_hash, last_batch_id, last_line, created_at, updated_at) "
                    "VALUES (:id, 'SAMR', :sid, 1, 'administrative_penalty', 'active', :v, :h, 2, 3, :t, :t)"
                ),
                {"id": rid, "sid": f"XZCF-{rid}", "v": current, "h": f"h{rid}{current}", "t": T},
            )
        cols = ", ".join(version(1, 1, "", 1, 1))
        values = ", ".join(f":{c}" for c in version(1, 1, "", 1, 1))
        insert = text(f"INSERT INTO record_versions ({cols}) VALUES ({values})")  # noqa: S608
        conn.execute(insert, version(1, 1, "first", 1, 2))
        conn.execute(insert, version(1, 2, "corrected", 2, 3))
        conn.execute(insert, version(2, 1, "only", 1, 5))

    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, summary, batch_id, line FROM records ORDER BY id")).all()
        kept = conn.execute(text("SELECT record_id, version, summary FROM record_versions")).all()
    assert [tuple(r) for r in rows] == [(1, "corrected", 2, 3), (2, "only", 1, 5)]
    assert [tuple(r) for r in kept] == [(1, 1, "first")]

    migrate.downgrade(engine, "0001")
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT record_id, version, summary, file_name FROM record_versions ORDER BY 1, 2")
        ).all()
    assert [tuple(r) for r in back] == [
        (1, 1, "first", "file1.csv"),
        (1, 2, "corrected", "file2.csv"),
        (2, 1, "only", "file1.csv"),
    ]
