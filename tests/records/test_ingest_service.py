"""Ingestion: provenance, idempotency, versions, chunked atomicity, formats."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from credence.records import repository as repo
from credence.records.service import UnknownDepartment

from helpers import USCC_A, USCC_B, collect, counts, row, stored_ids, versions_of, write_csv, write_ndjson


def test_accepted_rows_are_stored_with_provenance(service, engine, clock, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "penalties.csv", [row(1), row(2, subject_id=USCC_B, subject_name="深圳某公司")]
    )
    result, rejections = collect(service, path)
    assert rejections == []
    assert (result.new, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 0)
    assert result.status == "complete"
    (version,) = versions_of(engine, "SAMR", "XZCF-2026-0001")
    assert version.file_name == "penalties.csv"
    assert version.line == 2
    assert version.received_at == clock.now()
    assert version.received_at.tzinfo is not None
    assert version.batch_id == result.batch_id
    assert len(version.content_hash) == 64
    assert version.decided_on == date(2026, 3, 1)
    assert version.amount == "50000" and version.currency == "CNY"
    with engine.connect() as conn:
        org = conn.execute(select(repo.organisations).where(repo.organisations.c.code == USCC_B)).one()
        batch = conn.execute(select(repo.batches)).one()
    assert (org.scheme, org.kind, org.country, org.division, org.name) == (
        "uscc",
        "enterprise",
        "CN",
        "440300",
        "深圳某公司",
    )
    assert (batch.status, batch.new, batch.department, batch.format) == ("complete", 2, "SAMR", "csv")
    assert batch.file_sha256 is not None


def test_identical_resubmission_changes_nothing(service, engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [row(1), row(2)])
    collect(service, path)
    before = counts(engine)
    result, rejections = collect(service, path)
    assert (result.new, result.updated, result.unchanged, rejections) == (0, 0, 2, [])
    after = counts(engine)
    assert after["ingest_batches"] == before["ingest_batches"] + 1
    assert {k: v for k, v in after.items() if k != "ingest_batches"} == {
        k: v for k, v in before.items() if k != "ingest_batches"
    }


def test_changed_row_becomes_a_new_version_and_the_old_is_kept(service, engine, tmp_path: Path) -> None:
    collect(service, write_csv(tmp_path / "a.csv", [row(1, amount="50000")]))
    result, _ = collect(
        service, write_csv(tmp_path / "b.csv", [row(1, amount="20000", summary="Corrected.")])
    )
    assert (result.new, result.updated) == (0, 1)
    first, second = versions_of(engine, "SAMR", "XZCF-2026-0001")
    assert (first.version, first.amount, first.file_name) == (1, "50000", "a.csv")
    assert (second.version, second.amount, second.summary, second.file_name) == (
        2,
        "20000",
        "Corrected.",
        "b.csv",
    )
    with engine.connect() as conn:
        record = repo.find_record(conn, "SAMR", "XZCF-2026-0001")
    assert record.current_version == 2 and record.content_hash == second.content_hash


def test_same_id_twice_in_one_file_with_other_content_is_rejected(service, engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [row(1), row(2), row(1, amount="1")])
    result, rejections = collect(service, path)
    assert (result.new, result.rejected) == (2, 1)
    assert [(r.line, r.field, r.reason) for r in rejections] == [(4, "source_record_id", "duplicate_in_file")]
    assert "line 2" in rejections[0].message
    assert len(versions_of(engine, "SAMR", "XZCF-2026-0001")) == 1


def test_reruns_of_a_file_with_a_conflicting_duplicate_are_stable(service, engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [row(1), row(1, amount="1")])
    for _ in range(3):
        result, rejections = collect(service, path)
        assert [(r.line, r.reason) for r in rejections] == [(3, "duplicate_in_file")]
    assert [v.amount for v in versions_of(engine, "SAMR", "XZCF-2026-0001")] == ["50000"]


def test_country_and_currency_codes_are_upper_cased(service, engine, tmp_path: Path) -> None:
    result, rejections = collect(
        service, write_csv(tmp_path / "l.csv", [row(1, currency="cny", subject_country="cn")])
    )
    assert rejections == [] and versions_of(engine, "SAMR", "XZCF-2026-0001")[0].currency == "CNY"


def test_same_id_in_two_departments_are_two_records(service, engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [row(1)])
    collect(service, path, "SAMR")
    collect(service, path, "MEE")
    assert counts(engine)["records"] == 2


def test_chunks_are_atomic_and_a_rerun_finishes_the_job(service, engine, tmp_path: Path) -> None:
    # settings fixture: 50 rows per chunk. Interrupt after the second chunk is committed.
    path = write_ndjson(tmp_path / "many.ndjson", [row(i) for i in range(1, 231)])
    seen = []

    def interrupt(rows_read: int, _position: int) -> None:
        seen.append(rows_read)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        service.ingest_file(path, "SAMR", on_progress=interrupt)
    assert counts(engine)["records"] == 100
    with engine.connect() as conn:
        assert conn.execute(select(repo.batches.c.status)).scalar_one() == "interrupted"
    result, rejections = collect(service, path)
    assert (result.new, result.unchanged, result.rejected, rejections) == (130, 100, 0, [])
    assert stored_ids(engine) == {f"XZCF-2026-{i:04}" for i in range(1, 231)}
    assert counts(engine)["record_versions"] == 0  # no correction, so no earlier versions


def test_a_failing_chunk_leaves_no_half_rows(service, engine, tmp_path: Path, monkeypatch) -> None:
    path = write_ndjson(tmp_path / "many.ndjson", [row(i) for i in range(1, 121)])
    calls = {"n": 0}
    original = repo.add_batch_counts

    def failing(conn, *args, **kwargs):  # the record rows of this chunk are already written
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(conn, *args, **kwargs)

    monkeypatch.setattr(repo, "add_batch_counts", failing)
    with pytest.raises(RuntimeError):
        service.ingest_file(path, "SAMR")
    assert counts(engine)["records"] == 50
    with engine.connect() as conn:
        assert conn.execute(select(repo.batches.c.new)).scalar_one() == 50


def test_ndjson_and_parquet_give_the_same_records_as_csv(service, engine, tmp_path: Path) -> None:
    rows = [row(1), row(2, subject_id=USCC_B, severity="serious", amount=None, currency=None)]
    collect(service, write_csv(tmp_path / "a.csv", rows))
    ndjson, _ = collect(service, write_ndjson(tmp_path / "a.ndjson", rows))
    table = pa.table(
        {
            "source_record_id": [r["source_record_id"] for r in rows],
            "category": [r["category"] for r in rows],
            "subject_id": [r["subject_id"] for r in rows],
            "subject_name": [r["subject_name"] for r in rows],
            "severity": [r["severity"] for r in rows],
            "decided_on": [date(2026, 3, 1), date(2026, 3, 1)],
            "legal_basis": [r["legal_basis"] for r in rows],
            "status": ["final", "final"],
            "amount": [50000, None],
            "currency": ["CNY", None],
            "summary": [r["summary"] for r in rows],
        }
    )
    pq.write_table(table, tmp_path / "a.parquet")
    parquet, rejections = collect(service, tmp_path / "a.parquet")
    assert rejections == []
    assert (ndjson.unchanged, parquet.unchanged) == (2, 2)


def test_ndjson_numbers_and_nulls(service, engine, tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "n.ndjson", [row(1, amount=1500.5), row(2, amount=None, currency=None)])
    result, rejections = collect(service, path)
    assert (result.new, rejections) == (2, [])
    assert versions_of(engine, "SAMR", "XZCF-2026-0001")[0].amount == "1500.5"


def test_sole_proprietors_are_accepted_but_never_public(service, engine, tmp_path: Path) -> None:
    collect(service, write_csv(tmp_path / "p.csv", [row(1, subject_id="92340602MA2PBQAH7E")]))
    with engine.connect() as conn:
        org = conn.execute(select(repo.organisations)).one()
    assert (org.kind, org.never_public) == ("sole_proprietor", True)


def test_lei_subjects(service, engine, tmp_path: Path) -> None:
    collect(
        service,
        write_csv(tmp_path / "p.csv", [row(1, subject_id="5493001KJTIIGC8Y1R12", subject_country="US")]),
    )
    with engine.connect() as conn:
        org = conn.execute(select(repo.organisations)).one()
    assert (org.key, org.scheme, org.kind, org.country) == ("lei:5493001KJTIIGC8Y1R12", "lei", None, "US")


def test_permanent_and_open_ended_until(service, engine, tmp_path: Path) -> None:
    def debarment(n: int, name: str, until: str) -> dict:
        return row(
            n,
            category="development_bank_debarment",
            severity=None,
            subject_id=None,
            subject_country="KE",
            subject_name=name,
            effective_until=until,
            legal_basis="World Bank Sanctions Procedures, Section 9.01",
        )

    rows = [
        debarment(1, "Acme Builders Ltd", "permanent"),
        debarment(2, "Acme Builders Ltd", "open-ended"),
        debarment(3, "ACME  builders ltd", "2027-05-01"),
    ]
    result, rejections = collect(service, write_csv(tmp_path / "d.csv", rows), "WB")
    assert (result.new, rejections) == (3, [])
    kinds = [versions_of(engine, "WB", f"XZCF-2026-{i:04}")[0] for i in (1, 2, 3)]
    assert [(v.until_kind, v.effective_until) for v in kinds] == [
        ("permanent", None),
        ("open_ended", None),
        ("date", date(2027, 5, 1)),
    ]
    # Without an identifier, the same name and country (case and spacing aside) is one unresolved subject.
    with engine.connect() as conn:
        orgs = list(conn.execute(select(repo.organisations)))
    assert len(orgs) == 1 and orgs[0].scheme == "unresolved" and orgs[0].code is None


def test_unknown_department_is_refused_before_anything(service, engine, tmp_path: Path) -> None:
    with pytest.raises(UnknownDepartment, match="unknown department 'XYZ'"):
        service.ingest_file(write_csv(tmp_path / "p.csv", [row(1)]), "XYZ")
    assert counts(engine)["ingest_batches"] == 0


def test_memory_stays_flat_with_file_length(engine, catalog, clock, store_url, tmp_path: Path) -> None:
    import tracemalloc

    from credence.records.service import IngestService
    from credence.settings import Settings

    service = IngestService(engine, catalog, clock, Settings(database_url=store_url, ingest_chunk_rows=200))
    long_summary = "Sold food past its use-by date. " * 40

    def peak(n: int) -> int:
        rows = [
            row(f"{n}-{i}", subject_id=USCC_A if i % 2 else USCC_B, summary=long_summary) for i in range(n)
        ]
        path = write_ndjson(tmp_path / f"{n}.ndjson", rows)
        tracemalloc.start()
        service.ingest_file(path, "SAMR")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    peak(200)  # first use loads lookup tables (countries, currencies); not the file's doing
    small, large = peak(1000), peak(8000)
    # Peaks wobble with garbage-collection timing; a leak of even 170 bytes a row would add 1.2 MB here.
    assert large - small < 1_200_000, f"peak memory grew from {small:,} to {large:,} bytes with 8x the rows"


def test_a_resubmitted_file_updates_every_kind_of_row_in_place(service, engine, tmp_path: Path) -> None:
    """A second file over several chunks (50 rows each): changed rows (some moved to another subject, one
    with an end date), unchanged rows, unchanged rows with new matching data, and new rows. Each record
    ends exactly as its own row says: the set-based updates (a staged COPY and one UPDATE ... FROM on
    PostgreSQL) set each row's own values, not another's."""
    first = [row(n, amount=str(1000 + n)) for n in range(1, 121)]
    one, _ = collect(service, write_csv(tmp_path / "first.csv", first))
    second: list[dict[str, Any]] = []
    for n in range(1, 121):
        if n % 3 == 0:  # changed: its amount, and every sixth its subject and end date
            moved = {"subject_id": USCC_B, "subject_name": "深圳某公司"} if n % 6 == 0 else {}
            until = {"effective_until": "2030-01-01"} if n == 6 else {}
            second.append(row(n, amount=str(9000 + n), summary=f"Corrected {n}.", **moved, **until))
        elif n % 3 == 1:  # unchanged, with the organisation's address given now
            second.append(row(n, amount=str(1000 + n), subject_address=f"北京市某区{n}号"))
        else:
            second.append(row(n, amount=str(1000 + n)))
    second.extend(row(n, amount=str(1000 + n)) for n in range(121, 161))
    result, rejections = collect(service, write_csv(tmp_path / "second.csv", second))
    assert rejections == []
    assert (result.new, result.updated, result.unchanged) == (40, 40, 80)
    with engine.connect() as conn:
        stored = {
            r.source_record_id: r
            for r in conn.execute(select(repo.records, repo.organisations.c.code).join(repo.organisations))
        }
    for line, submitted in enumerate(second, start=2):
        record = stored[submitted["source_record_id"]]
        n = int(submitted["source_record_id"][-4:])
        assert record.amount == submitted["amount"] and record.code == submitted["subject_id"], n
        assert (record.last_batch_id, record.last_line) == (result.batch_id, line), n
        assert record.subject_address == submitted.get("subject_address"), n
        if n <= 120 and n % 3 == 0:
            assert (record.current_version, record.summary, record.line) == (2, f"Corrected {n}.", line)
            assert record.batch_id == result.batch_id
            assert record.effective_until == (date(2030, 1, 1) if n == 6 else None)
        else:
            assert record.current_version == 1
            assert record.batch_id == (one.batch_id if n <= 120 else result.batch_id)
    assert [v.amount for v in versions_of(engine, "SAMR", "XZCF-2026-0003")] == ["1003", "9003"]
