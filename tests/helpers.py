"""Builders for test rows and files in the interchange format."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from credence.records import repository as repo
from credence.records.interchange import FIELDS

# Real codes that validate (DOMAIN.md §2).
USCC_A = "91110000600037341L"
USCC_B = "914403001922038216"
USCC_C = "91330100799655058B"
LEI_A = "5493001KJTIIGC8Y1R12"


def row(n: int | str = 1, **overrides: Any) -> dict[str, Any]:
    """A valid administrative-penalty row for SAMR; override any field."""
    base: dict[str, Any] = {
        "source_record_id": f"XZCF-2026-{n:0>4}" if isinstance(n, int) else n,
        "category": "administrative_penalty",
        "subject_id": USCC_A,
        "subject_name": "北京某某食品有限公司",
        "severity": "general",
        "decided_on": "2026-03-01",
        "legal_basis": "Food Safety Law, Art. 124",
        "status": "final",
        "amount": "50000",
        "currency": "CNY",
        "summary": "Sold food past its use-by date.",
        "effective_until": None,
    }
    base.update(overrides)
    return base


def write_csv(
    path: Path, rows: Iterable[dict[str, Any]], encoding: str = "utf-8", fields: Iterable[str] = FIELDS
) -> Path:
    fields = list(fields)
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fields})
    return path


def write_ndjson(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def stored_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(repo.records.c.source_record_id)).scalars())


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return repo.table_counts(conn)


def versions_of(engine: Engine, department: str, source_record_id: str) -> list[Any]:
    with engine.connect() as conn:
        record = repo.find_record(conn, department, source_record_id)
        assert record is not None, f"{source_record_id} is not stored"
        return repo.record_versions(conn, record.id)


def collect(service: Any, path: Path, department: str = "SAMR", **kwargs: Any) -> tuple[Any, list[Any]]:
    """Ingest a file and return the result and every rejection."""
    rejections: list[Any] = []
    result = service.ingest_file(path, department, on_reject=rejections.append, **kwargs)
    return result, rejections


def process_for(service: Any) -> Any:
    """The due-process service over the same store, catalog, clock and settings as an ingest service."""
    from credence.dueprocess.service import DueProcess
    from credence.rating import load_policy
    from credence.rating.service import RatingService

    rating = RatingService(
        service.engine, service.catalog, load_policy(service.catalog), service.clock, service.settings
    )
    return DueProcess(service.engine, service.catalog, service.clock, service.settings, rating, service)


def checks_for(process: Any, measures: Any = None) -> Any:
    """The check service over a due-process service's store, lists, clock, settings and rating, under the
    shipped measures (or `measures`)."""
    from credence.checks.service import CheckService
    from credence.measures.catalog import load_measures

    catalog = process.catalog
    measures = measures if measures is not None else load_measures(catalog)
    return CheckService(
        process.engine,
        catalog,
        measures,
        process.lists.lists,
        process.clock,
        process.settings,
        process.rating,
    )


def debarment(n: str, *, decided_on: str, until: str | None, **overrides: Any) -> dict[str, Any]:
    """A development bank's debarment of USCC_A, as its list gives it (no severity, no amount)."""
    fields: dict[str, Any] = {
        "category": "development_bank_debarment",
        "severity": None,
        "amount": None,
        "currency": None,
        "decided_on": decided_on,
        "effective_until": until,
        "legal_basis": "World Bank Sanctions Procedures, Section 9.01",
        "summary": "Grounds: Fraudulent Practice.",
    }
    return row(n, **(fields | overrides))


def grant_honour(service: Any, subject: str = USCC_B, criterion: str = "contract_abiding") -> Any:
    """An honour for an organisation the store already holds, through the honours list (honours are never
    submitted as records); its record is noticed like any other."""
    return process_for(service).lists.grant(
        "SAMR", subject, criterion, facts="Kept every contract for three years.", actor="test department"
    )


def notice_all(engine: Engine, service: Any) -> None:
    """Log notice delivery for every stored record (records count and are published only after)."""
    with engine.connect() as conn:
        batch_ids = list(conn.execute(select(repo.batches.c.id)).scalars())
    process_for(service).deliver_batch_notices(
        batch_ids, actor="test department", channel="registered mail", rate=False
    )


def assert_error(response: Any, status: int, code: str, words: str = "") -> None:
    """The API's one error shape, with this status and code, and a message holding `words`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message", "details"}
    assert body["error"]["status"] == status and body["error"]["code"] == code
    assert words in body["error"]["message"], body["error"]["message"]


def listing(source_record_id: str, name: str, country: str, **overrides: Any) -> dict[str, Any]:
    """A development bank's debarment of a firm without an identifier (a subject the linkage model
    compares by name and country)."""
    return row(
        source_record_id,
        category="development_bank_debarment",
        severity=None,
        amount=None,
        currency=None,
        subject_id=None,
        subject_country=country,
        subject_name=name,
        effective_until="2029-01-01",
        legal_basis="World Bank Sanctions Procedures, Section 9.01",
        **overrides,
    )


def served_content_hash(served: dict[str, Any]) -> str:
    """A record's content hash from what the API serves, by hand (docs/log-verification.md)."""
    fields = [
        served["source_record_id"],
        served["category"],
        served["subject"],
        served["subject_country"] or "",
        served["subject_name"],
        served["subject_alt_name"] or "",
        served["severity"] or "",
        served["decided_on"],
        served["legal_basis"],
        served["status"],
        served["amount"] or "",
        served["currency"] or "",
        served["summary"] or "",
        served["effective_until"] or served["until_kind"] or "",
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
