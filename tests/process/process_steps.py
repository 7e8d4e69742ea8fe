"""Shared steps of the due-process tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from credence.lists import repository as lists_repo
from credence.process import notices
from credence.rating import repository as rating_repo
from credence.records import publicity
from credence.records import repository as repo

from helpers import USCC_A, notice_all, write_csv

ORG = f"organisation:{USCC_A}"
SAMR = "SAMR credit office"
TABLES = (
    "records",
    "record_versions",
    "record_events",
    "objections",
    "repairs",
    "notices",
    "ratings",
    "list_entries",
    "list_entry_events",
)


def published(process: Any, *rows: dict[str, Any], tmp_path: Path, department: str = "SAMR") -> None:
    """Ingest rows, deliver their notices and rate: the records are published and count."""
    process.ingest.ingest_file(write_csv(tmp_path / f"{department}.csv", list(rows)), department)
    notice_all(process.engine, process.ingest)
    process.rating.rate()


def organisation_id(process: Any, code: str = USCC_A) -> int:
    with process.engine.connect() as conn:
        return int(rating_repo.find_organisation(conn, code).id)


def grade(process: Any) -> str:
    with process.engine.connect() as conn:
        return str(rating_repo.rating_of(conn, organisation_id(process)).grade)


def visible(process: Any, source_record_id: str, department: str = "SAMR") -> bool:
    with process.engine.connect() as conn:
        found = publicity.public_record(conn, process.catalog, department, source_record_id, process.today())
    return found is not None


def record(process: Any, source_record_id: str, department: str = "SAMR") -> Any:
    with process.engine.connect() as conn:
        return repo.find_record(conn, department, source_record_id)


def events(process: Any, source_record_id: str) -> list[tuple[str, str]]:
    with process.engine.connect() as conn:
        found = repo.find_record(conn, "SAMR", source_record_id)
        return [(e.kind, e.actor) for e in repo.record_events(conn, found.id)]


def snapshot(process: Any) -> dict[str, list[Any]]:
    """Every row of every due-process and record table, to show a refused step changed nothing."""
    from credence.store.models import Base

    with process.engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(t.select())]
            for t in Base.metadata.sorted_tables
            if t.name in TABLES
        }


def deliver_pending(process: Any, entry_id: int) -> None:
    """Log delivery of every undelivered notice about this entry or its record."""
    with process.engine.connect() as conn:
        found = lists_repo.find(conn, entry_id)
        pending = [
            n
            for n in notices.inbox(conn, found.organisation_id)
            if n.delivered_at is None and (n.list_entry_id == entry_id or n.record_id == found.record_id)
        ]
    for notice in pending:
        process.deliver_notice(notice.id, actor="SAMR clerk", channel="in person")
