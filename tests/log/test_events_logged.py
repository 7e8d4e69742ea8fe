"""Every decision the registry takes is appended to the transparency log, in the transaction that takes it:
records submitted, corrected, published, withdrawn, reinstated, ended, repaired and expired; objections and
repairs;
list entries and the measures they bring; commitments; grades and the measures they bring; the policy and
catalog in force. Only what anyone may already read is public. A step that fails appends nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from credence.identity import build_uscc
from credence.log import events as log
from credence.log import store
from credence.process import notices
from credence.process.machine import IllegalTransition
from credence.rating import load_policy
from credence.rating import service as rating_service
from credence.records import repository as records_repo
from credence.records.service import RowsRejected
from credence.store.models import LogEntry, RecordEvent

from helpers import USCC_A, USCC_B, counts, notice_all, row, write_csv

ORG = f"organisation:{USCC_A}"
SAMR = "SAMR credit office"
SOLE = build_uscc("92", "110100", "MA01X2Y3")  # a sole proprietor: never public
LICENCE = row(1, category="administrative_licence", severity=None, amount=None, currency=None)
SERIOUS = row(2, severity="serious", decided_on="2026-06-01")
SERIOUS_OLD = row(3, severity="serious", decided_on="2025-06-01")
# Grade measures of the shipped measures catalog.
GRADE_A = ["inspection_fewer_grade_a"]
SERIOUS_LIST = ["procurement_exclusion", "subsidy_exclusion", "awards_exclusion"]


@dataclass(frozen=True)
class Logged:
    index: int
    kind: str
    ref: str
    public: bool
    organisation_id: int | None
    content: dict[str, Any]


def logged(engine: Engine, start: int = 0) -> list[Logged]:
    with engine.connect() as conn:
        rows = conn.execute(select(LogEntry).where(LogEntry.idx >= start).order_by(LogEntry.idx))
        return [
            Logged(r.idx, r.kind, r.ref, r.public, r.organisation_id, json.loads(r.content)) for r in rows
        ]


def size(engine: Engine) -> int:
    with engine.connect() as conn:
        return store.head(conn).size


def assert_consistent(engine: Engine) -> None:
    """The tree rebuilt from the stored subtrees has the root the head keeps."""
    with engine.connect() as conn:
        current = store.head(conn)
        assert store.root_at(conn, current.size) == current.root


def kinds(engine: Engine, start: int = 0) -> list[str]:
    return [e.kind for e in logged(engine, start)]


def stored(engine: Engine, source_record_id: str, department: str = "SAMR") -> Any:
    with engine.connect() as conn:
        return records_repo.find_record(conn, department, source_record_id)


def org_id(engine: Engine, source_record_id: str) -> int:
    return int(stored(engine, source_record_id).organisation_id)


def ingest(process: Any, tmp_path: Path, *rows: dict[str, Any], department: str = "SAMR") -> Any:
    path = write_csv(tmp_path / f"{department}-{len(list(tmp_path.iterdir()))}.csv", list(rows))
    result = process.ingest.ingest_file(path, department)
    assert result.rejected == 0, result
    return result


def deliver(process: Any, source_record_id: str, department: str = "SAMR") -> None:
    process.deliver_record_notice(department, source_record_id, actor="clerk", channel="registered mail")


def published(process: Any, tmp_path: Path, *rows: dict[str, Any]) -> int:
    """Ingest rows and deliver their notices; the log's size afterwards."""
    ingest(process, tmp_path, *rows)
    for r in rows:
        deliver(process, r["source_record_id"])
    return size(process.engine)


def test_each_stored_record_is_logged_once_and_a_rerun_logs_nothing(process, engine, tmp_path) -> None:
    rows = [row(1), row(2, severity="serious"), row(3, subject_id=USCC_B)]
    path = write_csv(tmp_path / "samr.csv", rows)
    result = process.ingest.ingest_file(path, "SAMR")
    entries = logged(engine)
    assert [e.kind for e in entries] == ["record.submitted"] * 3 and size(engine) == 3
    for entry, given in zip(entries, rows, strict=True):
        record = stored(engine, given["source_record_id"])
        assert (entry.ref, entry.organisation_id, entry.public) == (
            f"record:{record.id}",
            record.organisation_id,
            False,  # nothing is published before notice
        )
        assert entry.content == {
            "department": "SAMR",
            "source_record_id": given["source_record_id"],
            "category": "administrative_penalty",
            "version": 1,
            "content_hash": record.content_hash,
            "batch_id": result.batch_id,
        }
    again = process.ingest.ingest_file(path, "SAMR")  # identical: every row unchanged
    assert (again.unchanged, size(engine)) == (3, 3)
    changed = write_csv(tmp_path / "changed.csv", [row(1, summary="Corrected summary."), *rows[1:]])
    third = process.ingest.ingest_file(changed, "SAMR")
    (version,) = logged(engine, 3)
    record = stored(engine, "XZCF-2026-0001")
    assert (third.updated, version.kind, version.ref, version.public) == (
        1,
        "record.submitted",
        f"record:{record.id}",
        False,
    )
    assert (version.content["version"], version.content["content_hash"]) == (2, record.content_hash)
    assert_consistent(engine)


def test_publication_is_public_only_for_what_anyone_may_see(process, engine, tmp_path) -> None:
    ingest(
        process,
        tmp_path,
        SERIOUS,
        row(4, subject_id=SOLE, subject_name="北京某某小吃店"),
        row(5, severity="minor"),  # published for 0 days
    )
    ingest(
        process,
        tmp_path,
        # shared with public bodies only
        row(
            6, category="social_insurance_arrears", severity=None, legal_basis="Social Insurance Law, Art. 86"
        ),
        department="STA",
    )
    start = size(engine)
    deliver(process, "XZCF-2026-0002")
    first = logged(engine, start)
    assert [e.kind for e in first] == [
        "record.published",
        "policy.changed",
        "catalog.changed",
        "rating.changed",
    ]
    published_, policy, catalog, rating = first
    record = stored(engine, "XZCF-2026-0002")
    assert (published_.ref, published_.public) == (f"record:{record.id}", True)
    assert published_.content == {
        "department": "SAMR",
        "source_record_id": "XZCF-2026-0002",
        "version": 1,
        "category": "administrative_penalty",
        "content_hash": record.content_hash,
        "notice_id": published_.content["notice_id"],
        "delivery": "delivered",
    }
    assert (policy.ref, policy.public, policy.content["sha256"]) == (
        "policy:2026.2",
        True,
        process.rating.policy.sha256,
    )
    assert (catalog.public, catalog.content["sha256"]) == (True, process.catalog.sha256)
    # A grade is on the organisation's public profile; its cause may name a shared record, so it is left out.
    assert (rating.ref, rating.public) == (f"organisation:{record.organisation_id}", True)
    assert rating.content == {
        "from": None,
        "to": "B",
        "score": 800,
        "as_of": "2026-11-25",
        "policy_version": "2026.2",
    }

    start = size(engine)
    deliver(process, "XZCF-2026-0004")  # a sole proprietor's: neither its record nor its grade is public
    deliver(process, "XZCF-2026-0005")  # minor: published for 0 days, and weighs nothing
    deliver(process, "XZCF-2026-0006", "STA")  # shared only: its record is not public, the grade is
    assert [(e.kind, e.public, e.content.get("source_record_id")) for e in logged(engine, start)] == [
        ("record.published", False, "XZCF-2026-0004"),
        ("rating.changed", False, None),
        ("record.published", False, "XZCF-2026-0005"),
        ("record.published", False, "XZCF-2026-0006"),
        ("rating.changed", True, None),
        ("measure.applied", True, None),
    ]
    # Each notice was delivered once; each delivery logged once.
    assert kinds(engine).count("record.published") == 4

    # A new version of a published record is seen at once: public.
    start = size(engine)
    ingest(process, tmp_path, {**SERIOUS, "summary": "Amended."})
    (version,) = logged(engine, start)
    assert (version.kind, version.public, version.content["version"]) == ("record.submitted", True, 2)


def test_objection_extension_and_correction(process, engine, tmp_path) -> None:
    start = published(process, tmp_path, SERIOUS)
    record = stored(engine, "XZCF-2026-0002")
    objection = process.object(
        "SAMR", "XZCF-2026-0002", ground="content", statement="Minor fault.", filed_by=ORG
    )
    process.extend_objection(objection.id, new_information="Lab report.", filed_by=ORG)
    process.answer_objection(
        objection.id,
        department="SAMR",
        outcome="corrected",
        actor="SAMR reviewer",
        reason="severity misclassified",
        corrections={"severity": "minor"},
    )
    entries = logged(engine, start)
    assert [e.kind for e in entries] == [
        "objection.filed",
        "objection.extended",
        "objection.answered",
        "record.corrected",
        "rating.changed",
        "measure.applied",
    ]
    filed, extended, answered, corrected, rating, measures = entries
    assert (filed.ref, filed.public, filed.organisation_id) == (
        f"objection:{objection.id}",
        True,
        record.organisation_id,
    )
    assert filed.content == {
        "record_id": record.id,
        "department": "SAMR",
        "source_record_id": "XZCF-2026-0002",
        "version": 1,
        "ground": "content",
        "repair_id": None,
        "filed_by": ORG,
        "due_on": "2026-12-25",
    }
    assert extended.content["due_on"] == "2027-01-09"
    assert (answered.content["state"], answered.content["reason"]) == ("corrected", "severity misclassified")
    after = stored(engine, "XZCF-2026-0002")
    # Minor: published for 0 days, so the correction is no longer public.
    assert (corrected.ref, corrected.content["version"], corrected.content["content_hash"]) == (
        f"record:{record.id}",
        2,
        after.content_hash,
    )
    assert not corrected.public
    assert (rating.content["from"], rating.content["to"]) == ("B", "A")
    assert (measures.ref, measures.content) == (
        f"organisation:{record.organisation_id}",
        {"measures": GRADE_A, "trigger": "grade A", "since": "2026-11-25"},
    )


def test_withdrawal_reinstatement_and_repair(process, engine, tmp_path) -> None:
    start = published(process, tmp_path, SERIOUS, SERIOUS_OLD)
    process.withdraw("SAMR", "XZCF-2026-0002", actor=SAMR, reason="issued in error")
    process.reinstate(
        "SAMR", "XZCF-2026-0002", actor=SAMR, reason="court upheld it", certified_decision="C-1"
    )
    deliver(process, "XZCF-2026-0002")
    entries = logged(engine, start)
    assert [(e.kind, e.public) for e in entries] == [
        ("record.withdrawn", True),  # it was published: copies must be removed
        ("rating.changed", True),  # C to B
        ("measure.lifted", True),  # grade C's
        ("record.reinstated", False),  # not published again before its notice is delivered
        ("record.published", True),
        ("rating.changed", True),  # B to C
        ("measure.applied", True),
    ]
    assert entries[2].content == {"measures": ["inspection_more_frequent"], "trigger": "grade C", "to": "B"}
    assert entries[0].content["reason"] == "issued in error"
    assert entries[3].content["certified_decision"] == "C-1"

    start = size(engine)
    repair = process.apply_repair(
        "SAMR", "XZCF-2026-0003", evidence="fine paid", commitment="We will comply.", applied_by=ORG
    )
    process.decide_repair(repair.id, department="SAMR", approve=True, actor=SAMR, reason="paid")
    applied, decided, repaired, *rest = logged(engine, start)
    assert (applied.kind, applied.ref, applied.public, applied.content["decide_by"]) == (
        "repair.applied",
        f"repair:{repair.id}",
        True,
        "2026-11-30",
    )
    assert (decided.kind, decided.public, decided.content["state"]) == ("repair.decided", True, "approved")
    # Its change of state is logged under the record too, as every other one (whoever follows the record).
    record = stored(engine, "XZCF-2026-0003")
    assert (repaired.kind, repaired.ref, repaired.public, repaired.content) == (
        "record.repaired",
        f"record:{record.id}",
        True,
        {"department": "SAMR", "source_record_id": "XZCF-2026-0003", "version": 1, "repair_id": repair.id},
    )
    assert [(e.kind, e.content.get("to")) for e in rest] == [("rating.changed", "B"), ("measure.lifted", "B")]


def test_a_serious_listing_logs_each_step_and_the_measures_it_brings(
    process, engine, clock, tmp_path
) -> None:
    start = published(process, tmp_path, LICENCE)
    proposed = process.lists.propose(
        "SAMR", USCC_A, "grave_food_drug_safety", facts="Three penalties.", decision_ref="D-1", actor=SAMR
    )
    deliver_about(process, proposed.id)
    process.lists.answer(proposed.id, statement="Under appeal.", hearing=False, filed_by=ORG)
    clock.advance(timedelta(days=31))
    listed = process.lists.decide(proposed.id, department="SAMR", listed=True, actor=SAMR, reason="r")
    listing = stored(engine, f"LIST-{listed.id}")
    deliver(process, f"LIST-{listed.id}")
    entries = logged(engine, start)
    assert [(e.kind, e.public) for e in entries] == [
        ("list.proposed", False),
        ("notice.delivered", False),
        ("list.step", False),  # noticed: open for answer
        ("list.step", False),  # answered
        ("record.submitted", False),
        ("list.listed", False),  # in force once its record's notice is delivered
        ("record.published", True),
        ("measure.applied", True),
        ("rating.changed", True),
        ("measure.lifted", True),
        ("measure.applied", True),
    ]
    ref = f"list_entry:{proposed.id}"
    assert [e.ref for e in entries if e.kind.startswith("list.")] == [ref] * 4
    assert entries[0].content == {
        "list": "serious_dishonesty",
        "criterion": "grave_food_drug_safety",
        "department": "SAMR",
        "state": "proposed",
        "decision_ref": "D-1",
    }
    assert (entries[3].content["event"], entries[3].content["from"], entries[3].content["state"]) == (
        "be answered",
        "open",
        "answered",
    )
    assert entries[5].content == {
        "list": "serious_dishonesty",
        "criterion": "grave_food_drug_safety",
        "department": "SAMR",
        "state": "listed",
        "event": "be listed",
        "field": "public_health_and_safety",
        "decision_ref": "D-1",
        "starts_on": "2026-12-26",
        "ends_on": "2029-12-25",
        "record_id": listing.id,
        "escalated_from": None,
    }
    assert (entries[7].ref, entries[7].content) == (
        ref,
        {"measures": SERIOUS_LIST, "trigger": "list serious_dishonesty", "since": "2026-12-26"},
    )
    assert (entries[8].content["from"], entries[8].content["to"]) == ("A", "D")

    # It expires by itself: delisted, its measures lifted, its record ended, all public.
    clock.advance(timedelta(days=(listed.ends_on - process.today()).days + 1))
    start = size(engine)
    process.tick()
    expired = [(e.kind, e.ref, e.public) for e in logged(engine, start) if e.ref.startswith("list_entry")]
    assert expired == [("list.delisted", ref, True), ("measure.lifted", ref, True)]
    assert ("record.ended", f"record:{listing.id}") in [(e.kind, e.ref) for e in logged(engine, start)]


def deliver_about(process: Any, entry_id: int) -> None:
    with process.engine.connect() as conn:
        pending = [n for n in notices.outbox(conn, None, 0, 100) if n.list_entry_id == entry_id]
    for notice in pending:
        process.deliver_notice(notice.id, actor="clerk", channel="in person")


def test_abnormal_operation_and_honours(process, engine, tmp_path) -> None:
    start = published(process, tmp_path, LICENCE, row(7, subject_id=USCC_B, category="administrative_licence",
                                                     severity=None, amount=None, currency=None))  # fmt: skip
    entered = process.lists.enter(
        "SAMR", USCC_A, "annual_report_missed", facts="No report.", decision_ref="AB-1", actor=SAMR
    )
    deliver(process, f"LIST-{entered.id}")
    process.lists.cure(entered.id, department="SAMR", actor=SAMR, evidence="report filed")
    granted = process.lists.grant("SAMR", USCC_B, "contract_abiding", facts="Kept contracts.", actor=SAMR)
    deliver(process, f"LIST-{granted.id}")
    process.lists.revoke(granted.id, department="SAMR", actor=SAMR, reason="false statement")
    entries = [(e.kind, e.ref, e.public) for e in logged(engine, start) if not e.kind.startswith("rating")]
    a, b = f"list_entry:{entered.id}", f"list_entry:{granted.id}"
    listing_a, listing_b = (f"record:{stored(engine, f'LIST-{i}').id}" for i in (entered.id, granted.id))
    grade_measures = {"measure.applied", "measure.lifted"}
    assert [x for x in entries if not (x[0] in grade_measures and x[1].startswith("organisation"))] == [
        ("record.submitted", listing_a, False),
        ("list.listed", a, False),
        ("record.published", listing_a, True),
        ("measure.applied", a, True),
        ("list.delisted", a, True),
        ("measure.lifted", a, True),
        ("record.ended", listing_a, True),
        ("record.submitted", listing_b, False),
        ("list.listed", b, False),
        ("record.published", listing_b, True),
        ("measure.applied", b, True),
        ("list.delisted", b, True),
        ("measure.lifted", b, True),
        ("record.ended", listing_b, True),
    ]
    measures = {e.ref: e.content["measures"] for e in logged(engine, start) if e.kind == "measure.applied"}
    assert measures[a] == ["procurement_declaration", "inspection_abnormal"]
    assert measures[b] == ["licensing_fast_track_honour"]


def test_commitments_made_and_settled(process, engine, tmp_path) -> None:
    start = published(process, tmp_path, LICENCE)
    made = process.commitments.make(USCC_A, "procurement_bid_truthful", department="MOF", made_by=ORG)
    process.commitments.mark(made.id, department="MOF", kept=False, actor="MOF", reason="false bid")
    entries = logged(engine, start)
    commit, breach = (stored(engine, f"{p}-{made.id}", "MOF") for p in ("COMMIT", "BREACH"))
    assert [(e.kind, e.ref, e.public) for e in entries] == [
        ("record.submitted", f"record:{commit.id}", False),
        ("commitment.made", f"commitment:{made.id}", False),
        ("record.submitted", f"record:{breach.id}", False),
        ("commitment.settled", f"commitment:{made.id}", False),
    ]
    assert entries[1].content == {
        "department": "MOF",
        "template": "procurement_bid_truthful",
        "state": "made",
        "due_on": None,
        "record_id": commit.id,
    }
    assert entries[3].content["state"] == "broken" and entries[3].content["breach_record_id"] == breach.id


def test_tick_logs_deemed_delivery_lapsed_objections_and_expiry_once(
    process, engine, clock, tmp_path
) -> None:
    ingest(process, tmp_path, SERIOUS, row(8, decided_on="2026-03-01"))
    start = size(engine)
    clock.advance(timedelta(days=30))  # the notices are deemed delivered
    process.tick()
    deemed = [e for e in logged(engine, start) if e.kind == "record.published"]
    assert [(e.content["source_record_id"], e.content["delivery"], e.public) for e in deemed] == [
        ("XZCF-2026-0002", "deemed", True),
        ("XZCF-2026-0008", "deemed", True),
    ]
    objection = process.object("SAMR", "XZCF-2026-0002", ground="period", statement="Too long.", filed_by=ORG)
    clock.advance(timedelta(days=31))
    start = size(engine)
    process.tick()
    lapsed = logged(engine, start)
    assert [(e.kind, e.ref) for e in lapsed[:2]] == [
        ("objection.answered", f"objection:{objection.id}"),
        ("record.withdrawn", f"record:{stored(engine, 'XZCF-2026-0002').id}"),
    ]
    assert lapsed[0].content["state"] == "lapsed" and lapsed[1].public
    # A general record decided on 2026-03-01 is published for 365 days: until 2027-03-01.
    clock.advance(timedelta(days=(date(2027, 2, 28) - process.today()).days))
    start = size(engine)
    process.tick()
    assert "record.expired" not in kinds(engine, start)
    clock.advance(timedelta(days=1))
    process.tick()
    expired = [e for e in logged(engine, start) if e.kind == "record.expired"]
    record = stored(engine, "XZCF-2026-0008")
    assert [(e.ref, e.public, e.content["ended_on"]) for e in expired] == [
        (f"record:{record.id}", True, "2027-03-01")  # public: anyone could see it until then
    ]
    with engine.connect() as conn:
        assert [e.kind for e in records_repo.record_events(conn, record.id)][-1] == "expired"
    start = size(engine)
    process.tick()
    assert "record.expired" not in kinds(engine, start)  # once per version


def test_batch_rating_and_the_rules_in_force(process, engine, catalog, tmp_path, monkeypatch) -> None:
    ingest(
        process,
        tmp_path,
        SERIOUS,
        row(9, subject_id=USCC_B, severity="minor"),
        row(10, subject_id=SOLE, subject_name="x"),
    )
    notice_all(engine, process.ingest)
    start = size(engine)
    monkeypatch.setattr(rating_service, "LOG_SLICE", 2)  # appended in several slices, one transaction
    result = process.rating.rate()  # every organisation: the `credence rate` path (DuckDB)
    entries = logged(engine, start)
    assert [e.kind for e in entries] == [
        "policy.changed",
        "catalog.changed",
        "rating.changed",
        "rating.changed",
        "measure.applied",
        "rating.changed",
    ]
    changes = [e for e in entries if e.kind == "rating.changed"]
    assert len(changes) == result.grade_changes == 3
    assert_consistent(engine)
    sole = org_id(engine, "XZCF-2026-0010")
    assert [(e.ref, e.public, "cause" in e.content) for e in changes if e.organisation_id == sole] == [
        (f"organisation:{sole}", False, True)
    ]
    assert all(e.public for e in changes if e.organisation_id != sole)
    start = size(engine)
    assert process.rating.rate().grade_changes == 0 and size(engine) == start  # nothing changed

    # The rules: logged when they differ from the last ones logged, once.
    now = process.clock.now()
    assert log.note_rules(engine, catalog, process.rating.policy, now) == range(0)
    path = tmp_path / "policy.yaml"
    shipped = Path(__file__).parents[2] / "src/credence/rating/policies/2026.1.yaml"
    path.write_text(shipped.read_text("utf-8") + "\n# amended\n", "utf-8")
    changed = load_policy(catalog, path=path)
    appended = log.note_rules(engine, catalog, changed, now)
    (entry,) = logged(engine, appended.start)
    assert (entry.kind, entry.content["sha256"]) == ("policy.changed", changed.sha256)
    assert log.note_rules(engine, catalog, changed, now) == range(0)


def test_a_refused_or_failed_step_appends_nothing(process, engine, tmp_path) -> None:
    start = published(process, tmp_path, SERIOUS)
    process.withdraw("SAMR", "XZCF-2026-0002", actor=SAMR, reason="error")
    at = size(engine)
    with pytest.raises(IllegalTransition):
        process.withdraw("SAMR", "XZCF-2026-0002", actor=SAMR, reason="again")
    assert size(engine) == at
    process.reinstate("SAMR", "XZCF-2026-0002", actor=SAMR, reason="upheld", certified_decision="C-2")
    deliver(process, "XZCF-2026-0002")
    objection = process.object("SAMR", "XZCF-2026-0002", ground="content", statement="x", filed_by=ORG)
    at = size(engine)
    # The answer is noted first, then the correction is refused: the whole step rolls back.
    with pytest.raises(RowsRejected, match="decided_on"):
        process.answer_objection(
            objection.id,
            department="SAMR",
            outcome="corrected",
            actor=SAMR,
            reason="r",
            corrections={"decided_on": "not a date"},
        )
    assert size(engine) == at
    process.answer_objection(objection.id, department="SAMR", outcome="upheld", actor=SAMR, reason="r")
    assert kinds(engine, at) == ["objection.answered"] and logged(engine, at)[0].index == at
    assert size(engine) > start

    # An ingest interrupted after its first chunk: the chunk committed is logged, the rest is not.
    rows = [row(100 + i, subject_id=USCC_B) for i in range(120)]  # chunks of 50

    def stop(read: int, _position: int) -> None:
        raise KeyboardInterrupt

    at, before = size(engine), counts(engine)["records"]
    with pytest.raises(KeyboardInterrupt):
        process.ingest.ingest_file(write_csv(tmp_path / "big.csv", rows), "SAMR", on_progress=stop)
    assert (
        kinds(engine, at)
        == ["record.submitted"] * 50
        == ["record.submitted"] * (counts(engine)["records"] - before)
    )
    assert_consistent(engine)


def test_a_decision_committed_without_its_log_entry_is_refused(engine, process, tmp_path) -> None:
    published(process, tmp_path, SERIOUS)
    record = stored(engine, "XZCF-2026-0002")
    at = size(engine)
    with pytest.raises(
        log.UnloggedDecision, match=r"commit 1 decision event\(s\) \(record.withdrawn\) without appending"
    ):
        with engine.begin() as conn:
            conn.execute(
                insert(RecordEvent).values(
                    record_id=record.id,
                    version=1,
                    kind="withdrawn",
                    actor="x",
                    reason="y",
                    at=process.clock.now(),
                )
            )
            log.note(conn, log.about_record("record.withdrawn", record, public=True))
    with engine.connect() as conn:
        assert [e.kind for e in records_repo.record_events(conn, record.id)] == ["notice_delivered"]
    assert size(engine) == at
