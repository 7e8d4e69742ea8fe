"""The log proves the store, not only itself (issue 13, section 5).

`credence log verify` replays every record's events and checks each stored record (its current version,
content, state and publication) against what its log entries commit to, naming every record that differs
and every record that has no entry. An entry's public flag, ref and organisation are committed (leaf
version 2), so flipping an entry's `public` or moving it to another ref or organisation fails. The API
serves every record with the log entry that commits to its content, its salt and an inclusion proof, and
`credence log verify --remote` checks served records against the log from outside.

Each edit below is made to the database directly, as someone with write access to it could.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, insert, select, update

from credence.clock import FixedClock
from credence.identity import build_uscc
from credence.log import checkpoint, checkpoints, merkle
from credence.log.keys import LogSigner, signer_for
from credence.log.remote import verify_remote
from credence.log.verify import Verification, verify
from credence.server import create_app
from credence.settings import Settings
from credence.store.models import LogEntry, Organisation, Record
from serving import serving

from helpers import LEI_A, USCC_A, USCC_B, row, served_content_hash, write_csv

ORIGIN = "credence.test/log"
ACTOR = "SAMR credit office"
PENALTY = row(
    1, severity="serious", decided_on="2026-06-01", amount="427000", summary="Sold food past its use-by date."
)
WITHDRAWN = row(2, decided_on="2026-05-01")
WAITING = row(3, subject_id=USCC_B, subject_name="Shenzhen Example Electronics Co. Ltd.")
REPAIRED = row(4, severity="serious", decided_on="2025-06-01")
LICENCE = row(5, category="administrative_licence", severity=None, amount=None, currency=None)


def sid(given: dict[str, Any]) -> str:
    return str(given["source_record_id"])


@pytest.fixture
def demo(settings: Settings) -> Settings:
    return settings.model_copy(update={"demo_mode": True, "log_origin": ORIGIN})


@pytest.fixture
def signer(demo: Settings) -> LogSigner:
    return signer_for(demo)


@pytest.fixture
def registry(process: Any, engine: Engine, tmp_path: Path, signer: LogSigner) -> Engine:
    """Five SAMR records through the services: three published (one later withdrawn, one repaired), a
    licence published, and one awaiting its notice; then a checkpoint."""
    rows = [PENALTY, WITHDRAWN, WAITING, REPAIRED, LICENCE]
    process.ingest.ingest_file(write_csv(tmp_path / "samr.csv", rows), "SAMR")
    for given in (PENALTY, WITHDRAWN, REPAIRED, LICENCE):
        process.deliver_record_notice("SAMR", sid(given), actor="clerk", channel="registered mail")
    process.withdraw("SAMR", sid(WITHDRAWN), actor=ACTOR, reason="issued in error")
    repair = process.apply_repair(
        "SAMR",
        sid(REPAIRED),
        evidence="fine paid",
        commitment="We will comply.",
        applied_by=f"organisation:{USCC_A}",
    )
    process.decide_repair(repair.id, department="SAMR", approve=True, actor=ACTOR, reason="paid")
    sign(engine, signer)
    return engine


def sign(engine: Engine, signer: LogSigner) -> None:
    with engine.begin() as conn:
        checkpoints.make_checkpoint(conn, signer, datetime.now(UTC), force=True)


def check(engine: Engine, signer: LogSigner) -> Verification:
    with engine.connect() as conn:
        return verify(conn, signer.verifier_key(), ORIGIN)


def record_of(engine: Engine, given: dict[str, Any]) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(Record).where(Record.source_record_id == sid(given))).one()


def label(engine: Engine, given: dict[str, Any]) -> str:
    return f"record {record_of(engine, given).id} (SAMR/{sid(given)})"


def edit(engine: Engine, given: dict[str, Any], **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(Record).where(Record.source_record_id == sid(given)).values(**values))


def entries_about(engine: Engine, given: dict[str, Any]) -> list[Any]:
    ref = f"record:{record_of(engine, given).id}"
    with engine.connect() as conn:
        return list(conn.execute(select(LogEntry).where(LogEntry.ref == ref).order_by(LogEntry.idx)))


def last_entry(engine: Engine, given: dict[str, Any], kind: str) -> int:
    return int([e.idx for e in entries_about(engine, given) if e.kind == kind][-1])


def delete_row(engine: Engine, given: dict[str, Any]) -> None:
    """Delete a record's row as someone with write access could: with foreign keys not enforced."""
    record_id = record_of(engine, given).id
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")
        conn.execute(delete(Record).where(Record.id == record_id))
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        else:
            conn.exec_driver_sql("SET session_replication_role = DEFAULT")


# --- From the store: the records against the log -------------------------------------------------------


def test_a_store_made_through_the_services_matches_its_log(registry: Engine, signer: LogSigner) -> None:
    found = check(registry, signer)
    assert found.ok, (found.problem, found.record_problems)
    assert found.records == 5 and found.record_problems == []


@pytest.mark.parametrize(
    "values",
    [
        {"amount": "1"},
        {"summary": "Nothing happened."},
        {"severity": "minor"},
        {"subject_name": "Someone Else Ltd"},
    ],
    ids=["amount", "summary", "severity", "subject name"],
)
def test_a_changed_record_is_named(registry: Engine, signer: LogSigner, values: dict[str, Any]) -> None:
    edit(registry, PENALTY, **values)
    found = check(registry, signer)
    assert not found.ok and found.problem is None  # the log itself is intact
    published = last_entry(registry, PENALTY, "record.published")
    assert found.record_problems == [
        f"{label(registry, PENALTY)}: its content is not what entry {published} logged for version 1"
    ]


def test_a_record_moved_to_another_organisation_is_named(registry: Engine, signer: LogSigner) -> None:
    with registry.connect() as conn:
        other = conn.execute(select(Organisation.id).where(Organisation.key == f"uscc:{USCC_B}")).scalar_one()
    edit(registry, PENALTY, organisation_id=other)
    published = last_entry(registry, PENALTY, "record.published")
    assert check(registry, signer).record_problems == [
        f"{label(registry, PENALTY)}: its content is not what entry {published} logged for version 1"
    ]


def test_a_changed_version_is_named(registry: Engine, signer: LogSigner) -> None:
    edit(registry, PENALTY, current_version=2)
    published = last_entry(registry, PENALTY, "record.published")
    assert check(registry, signer).record_problems == [
        f"{label(registry, PENALTY)}: it is at version 2, but entry {published} logged version 1 last"
    ]


def test_a_changed_state_is_named(registry: Engine, signer: LogSigner) -> None:
    edit(registry, WITHDRAWN, state="active")
    edit(registry, PENALTY, state="withdrawn")
    edit(registry, REPAIRED, state="active")
    withdrawn = last_entry(registry, WITHDRAWN, "record.withdrawn")
    published = last_entry(registry, PENALTY, "record.published")
    repaired = last_entry(registry, REPAIRED, "record.repaired")
    assert check(registry, signer).record_problems == [
        f"{label(registry, PENALTY)}: its state is withdrawn, but entry {published} left it active",
        f"{label(registry, WITHDRAWN)}: its state is active, but entry {withdrawn} left it withdrawn",
        f"{label(registry, REPAIRED)}: its state is active, but entry {repaired} left it repaired",
    ]


def test_a_changed_publication_is_named(registry: Engine, signer: LogSigner) -> None:
    edit(registry, WAITING, noticed_at=datetime(2026, 11, 25, tzinfo=UTC))  # published without its notice
    edit(registry, PENALTY, noticed_at=None)
    submitted = last_entry(registry, WAITING, "record.submitted")
    published = last_entry(registry, PENALTY, "record.published")
    assert check(registry, signer).record_problems == [
        f"{label(registry, PENALTY)}: it is not published, but entry {published} published it",
        f"{label(registry, WAITING)}: it is published, but no entry published it since entry {submitted}",
    ]


def test_a_deleted_record_is_named(registry: Engine, signer: LogSigner) -> None:
    name = label(registry, WITHDRAWN)
    submitted = last_entry(registry, WITHDRAWN, "record.submitted")
    delete_row(registry, WITHDRAWN)
    assert check(registry, signer).record_problems == [
        f"{name}: entry {submitted} logged it, but the store has no such record"
    ]


def test_a_record_without_an_entry_is_named(registry: Engine, signer: LogSigner) -> None:
    with registry.begin() as conn:
        original = conn.execute(select(Record).where(Record.source_record_id == sid(PENALTY))).one()
        values = {c: getattr(original, c) for c in Record.__table__.columns.keys() if c != "id"}
        values["source_record_id"] = "XZCF-2026-9999"
        added = conn.execute(insert(Record).values(**values).returning(Record.id)).scalar_one()
    assert check(registry, signer).record_problems == [
        f"record {added} (SAMR/XZCF-2026-9999): no log entry submitted it"
    ]


def test_every_record_that_differs_is_named(registry: Engine, signer: LogSigner) -> None:
    edit(registry, PENALTY, amount="1")
    edit(registry, LICENCE, summary="Another licence.")
    edit(registry, WITHDRAWN, state="active")
    found = check(registry, signer)
    assert [p.split(":")[0] for p in found.record_problems] == [
        label(registry, PENALTY),
        label(registry, WITHDRAWN),
        label(registry, LICENCE),
    ]


# --- From the store: what an entry is about and whether it is public are committed ---------------------


def test_a_flipped_public_flag_is_named(registry: Engine, signer: LogSigner) -> None:
    submitted = last_entry(registry, WAITING, "record.submitted")  # not public: nothing is before notice
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == submitted).values(public=True))
    assert check(registry, signer).problem == (
        f"entry {submitted}: it is marked public, but its leaf commits to it not being public"
    )
    published = last_entry(registry, PENALTY, "record.published")
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == submitted).values(public=False))
        conn.execute(update(LogEntry).where(LogEntry.idx == published).values(public=False))
    assert check(registry, signer).problem == (
        f"entry {published}: it is marked not public, but its leaf commits to it being public"
    )


def test_a_changed_ref_or_organisation_is_named(registry: Engine, signer: LogSigner) -> None:
    published = last_entry(registry, PENALTY, "record.published")
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == published).values(ref="record:999"))
    assert check(registry, signer).problem == (
        f"entry {published}: its ref, organisation or content do not match its commitment "
        "(SHA-256 of salt, ref, organisation and content)"
    )
    with registry.connect() as conn:
        other = conn.execute(select(Organisation.id).where(Organisation.key == f"uscc:{USCC_B}")).scalar_one()
        ref = f"record:{record_of(registry, PENALTY).id}"
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == published).values(ref=ref, organisation_id=other))
    assert check(registry, signer).problem == (
        f"entry {published}: its ref, organisation or content do not match its commitment "
        "(SHA-256 of salt, ref, organisation and content)"
    )


# --- The API serves each record with what proves it ----------------------------------------------------


def assert_proved(served: dict[str, Any], note: str, key: str) -> None:
    """What an outside verifier checks: the content hash, the commitment, the leaf and its inclusion."""
    proved = served["log"]
    entry = proved["entry"]
    logged = json.loads(entry["content"])
    assert (logged["department"], logged["source_record_id"], logged["version"]) == (
        served["department"],
        served["source_record_id"],
        served["version"],
    )
    assert logged["content_hash"] == served_content_hash(served)
    assert entry["leaf_version"] == 2
    about = f"{entry['ref']}\n{entry['organisation'] or ''}\n".encode()
    commitment = hashlib.sha256(bytes.fromhex(entry["salt"]) + about + entry["content"].encode()).digest()
    assert commitment.hex() == entry["commitment"]
    data = (
        f"credence-log-entry/v2\n{entry['index']}\n{entry['kind']}\n{entry['at']}\n"
        f"{1 if entry['public'] else 0}\n{commitment.hex()}\n"
    )
    leaf = hashlib.sha256(b"\x00" + data.encode()).digest()
    assert leaf.hex() == entry["leaf_hash"]
    signed = checkpoint.open_note(note, key, origin=ORIGIN)
    assert proved["size"] == signed.size
    proof = [bytes.fromhex(h) for h in proved["proof"]]
    assert merkle.verify_inclusion(leaf, entry["index"], signed.size, proof, signed.root)


@pytest.fixture
def client(registry: Engine, demo: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(demo, clock), client=("127.0.0.1", 50000)) as c:
        yield c


def test_a_served_record_carries_its_entry_salt_and_inclusion_proof(
    client: TestClient, registry: Engine, signer: LogSigner
) -> None:
    served = client.get(f"/api/v1/records/SAMR/{sid(PENALTY)}").json()
    assert served["amount"] == "427000" and served["subject"] == f"uscc:{USCC_A}"
    assert served["log"]["entry"]["index"] == last_entry(registry, PENALTY, "record.published")
    assert served["log"]["entry"]["public"] is True
    note = client.get("/api/v1/log/checkpoint").text
    assert_proved(served, note, signer.verifier_key())
    page = client.get(f"/api/v1/organisations/uscc:{USCC_A}/records").json()
    assert {r["source_record_id"] for r in page["items"]} == {sid(PENALTY), sid(LICENCE)}
    for item in page["items"]:
        assert_proved(item, note, signer.verifier_key())
    edit(registry, PENALTY, amount="1")
    changed = client.get(f"/api/v1/records/SAMR/{sid(PENALTY)}").json()
    assert changed["amount"] == "1"
    assert json.loads(changed["log"]["entry"]["content"])["content_hash"] != served_content_hash(changed)


def test_the_feed_lists_the_public_entries_about_a_record(
    client: TestClient, registry: Engine, signer: LogSigner
) -> None:
    ref = f"record:{record_of(registry, WITHDRAWN).id}"
    signed = checkpoint.open_note(
        client.get("/api/v1/log/checkpoint").text, signer.verifier_key(), origin=ORIGIN
    )
    listed = client.get("/api/v1/changes", params={"ref": ref}).json()
    # Its submission was not public (nothing is before notice); its publication and withdrawal are.
    assert [(e["kind"], e["ref"], e["public"]) for e in listed["items"]] == [
        ("record.published", ref, True),
        ("record.withdrawn", ref, True),
    ]
    assert listed["next"] == listed["items"][-1]["index"]
    for entry in listed["items"]:
        proof = client.get(
            "/api/v1/log/proofs/inclusion", params={"index": entry["index"], "size": signed.size}
        )
        hashes = [bytes.fromhex(h) for h in proof.json()["proof"]]
        leaf = bytes.fromhex(entry["leaf_hash"])
        assert merkle.verify_inclusion(leaf, entry["index"], signed.size, hashes, signed.root)
    after = client.get("/api/v1/changes", params={"ref": ref, "after": listed["items"][0]["index"]}).json()
    assert [e["kind"] for e in after["items"]] == ["record.withdrawn"]
    waiting = f"record:{record_of(registry, WAITING).id}"
    assert client.get("/api/v1/changes", params={"ref": waiting}).json()["items"] == []


# --- From outside -----------------------------------------------------------------------------------


@pytest.fixture
def remote(registry: Engine, demo: Settings, clock: FixedClock) -> Iterator[str]:
    with serving(create_app(demo, clock)) as url:
        yield url


def check_remote(url: str, signer: LogSigner, **kwargs: Any) -> Any:
    kwargs.setdefault("sample", 1000)
    kwargs.setdefault("records", 100)
    return verify_remote(url, signer.verifier_key(), None, **kwargs)


def test_served_records_verify_from_outside(remote: str, signer: LogSigner) -> None:
    found = check_remote(remote, signer)
    assert found.ok, found.problem
    # Four records were ever published; two are served (the penalty and the licence).
    assert (found.records, found.served) == (4, 2)
    named = check_remote(remote, signer, records=0, named=[f"SAMR/{sid(PENALTY)}"])
    assert named.ok and (named.records, named.served) == (1, 1)


@pytest.mark.parametrize(
    "values",
    [{"amount": "1"}, {"summary": "Nothing happened."}, {"severity": "general"}],
    ids=["amount", "summary", "severity"],
)
def test_a_changed_record_is_named_from_outside(
    remote: str, registry: Engine, signer: LogSigner, values: dict[str, Any]
) -> None:
    edit(registry, PENALTY, **values)
    published = last_entry(registry, PENALTY, "record.published")
    expected = (
        f"record SAMR/{sid(PENALTY)}: the record served is not what entry {published} logged for version 1"
    )
    assert check_remote(remote, signer).problem == expected
    assert check_remote(remote, signer, records=0, named=[f"SAMR/{sid(PENALTY)}"]).problem == expected


def test_a_changed_state_is_named_from_outside(remote: str, registry: Engine, signer: LogSigner) -> None:
    edit(registry, WITHDRAWN, state="active")  # served again
    withdrawn = last_entry(registry, WITHDRAWN, "record.withdrawn")
    assert check_remote(remote, signer).problem == (
        f"record SAMR/{sid(WITHDRAWN)}: served, but entry {withdrawn} withdrew it"
    )
    edit(registry, WITHDRAWN, state="withdrawn")
    edit(registry, REPAIRED, state="active")
    repaired = last_entry(registry, REPAIRED, "record.repaired")
    assert check_remote(remote, signer).problem == (
        f"record SAMR/{sid(REPAIRED)}: served, but entry {repaired} repaired it"
    )
    edit(registry, REPAIRED, state="repaired")
    edit(registry, PENALTY, state="withdrawn")  # no longer served
    published = last_entry(registry, PENALTY, "record.published")
    assert check_remote(remote, signer).problem == (
        f"record SAMR/{sid(PENALTY)}: not served, though entry {published} published it and no entry since "
        "withdrew, ended, repaired or expired it"
    )


def test_a_deleted_record_is_named_from_outside(remote: str, registry: Engine, signer: LogSigner) -> None:
    ref = f"record:{record_of(registry, PENALTY).id}"
    published = last_entry(registry, PENALTY, "record.published")
    delete_row(registry, PENALTY)
    expected = (
        f"record SAMR/{sid(PENALTY)}: not served, though entry {published} published it and no entry since "
        "withdrew, ended, repaired or expired it"
    )
    assert check_remote(remote, signer).problem == expected
    assert check_remote(remote, signer, records=0, named=[ref]).problem == expected


def test_a_flipped_public_flag_is_named_from_outside(
    remote: str, registry: Engine, signer: LogSigner
) -> None:
    submitted = last_entry(registry, WAITING, "record.submitted")
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == submitted).values(public=True))
    assert check_remote(remote, signer, records=0).problem == (
        f"entry {submitted}: it is shown as public, but its leaf commits to it not being public"
    )
    published = last_entry(registry, PENALTY, "record.published")
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == submitted).values(public=False))
        conn.execute(update(LogEntry).where(LogEntry.idx == published).values(public=False))
    assert check_remote(remote, signer, records=0).problem == (
        f"entry {published}: it is shown as not public, but its leaf commits to it being public"
    )


def test_a_changed_ref_or_organisation_is_named_from_outside(
    remote: str, registry: Engine, signer: LogSigner
) -> None:
    published = last_entry(registry, PENALTY, "record.published")
    expected = (
        f"entry {published}: its ref, organisation or content do not match its commitment "
        "(SHA-256 of salt, ref, organisation and content)"
    )
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == published).values(ref="record:999"))
    assert check_remote(remote, signer, records=0).problem == expected
    with registry.connect() as conn:
        other = conn.execute(select(Organisation.id).where(Organisation.key == f"uscc:{USCC_B}")).scalar_one()
        ref = f"record:{record_of(registry, PENALTY).id}"
    with registry.begin() as conn:
        conn.execute(update(LogEntry).where(LogEntry.idx == published).values(ref=ref, organisation_id=other))
    assert check_remote(remote, signer, records=0).problem == expected


def test_an_lei_record_submitted_with_another_country_than_its_organisation_s_matches(
    process: Any, engine: Engine, tmp_path: Path, signer: LogSigner, demo: Settings, clock: FixedClock
) -> None:
    """The store keeps an organisation's country as first seen; an LEI's later rows may give another, or
    none. The content hash covers the row's: the record still matches its log, and is served with the
    country its hash covers."""
    rows = [
        row(11, subject_id=LEI_A, subject_name="Example Holdings Ltd", subject_country="GB"),
        row(12, subject_id=LEI_A, subject_name="Example Holdings Ltd", subject_country="IE"),
        row(13, subject_id=LEI_A, subject_name="Example Holdings Ltd", subject_country=None),
    ]
    process.ingest.ingest_file(write_csv(tmp_path / "lei.csv", rows), "SAMR")
    for given in rows:
        process.deliver_record_notice("SAMR", sid(given), actor="clerk", channel="registered mail")
    sign(engine, signer)
    found = check(engine, signer)
    assert found.ok and found.records == 3, found.record_problems
    with TestClient(create_app(demo, clock), client=("127.0.0.1", 50000)) as client:
        note = client.get("/api/v1/log/checkpoint").text
        served = [client.get(f"/api/v1/records/SAMR/{sid(given)}").json() for given in rows]
    assert [s["subject_country"] for s in served] == ["GB", "IE", None]
    for record in served:
        assert_proved(record, note, signer.verifier_key())
    edit(engine, rows[1], summary="Changed.")
    problems = check(engine, signer).record_problems
    assert len(problems) == 1 and problems[0].startswith(f"{label(engine, rows[1])}: its content is not")


def test_a_sole_proprietor_s_organisation_no_longer_marked_never_public_is_named(
    process: Any, engine: Engine, tmp_path: Path, signer: LogSigner
) -> None:
    """A sole proprietor's records are never public; its organisation's never_public follows from its
    code (prefix 92), so a store that unmarks it, which would serve the records, does not match."""
    sole = build_uscc("92", "110100", "MA01X2Y3")
    given = row(21, subject_id=sole, subject_name="张三烧烤店")
    process.ingest.ingest_file(write_csv(tmp_path / "sole.csv", [given]), "SAMR")
    process.deliver_record_notice("SAMR", sid(given), actor="clerk", channel="registered mail")
    sign(engine, signer)
    assert check(engine, signer).ok
    with engine.begin() as conn:
        unmark = update(Organisation).where(Organisation.key == f"uscc:{sole}").values(never_public=False)
        conn.execute(unmark)
    assert check(engine, signer).record_problems == [
        f"{label(engine, given)}: it is a sole proprietor's (uscc:{sole}), whose records are never public, "
        "but its organisation is not marked never public"
    ]
