"""Objections: filed free of charge, marked everywhere, answered within the deadline (extended once with
new information), or the record is withdrawn automatically; re-publishing needs a certified decision."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from credence.process import repository as prepo
from credence.process.errors import NotAllowed
from credence.process.machine import IllegalTransition
from credence.records.service import RecordNotFound, RowsRejected

from helpers import USCC_B, row, versions_of
from process_steps import ORG, events, grade, published, record, snapshot, visible

SERIOUS = row(1, severity="serious", decided_on="2026-06-01")


def under_objection(process, source_record_id: str) -> bool:
    with process.engine.connect() as conn:
        return bool(prepo.under_objection(conn, [record(process, source_record_id).id]))


def test_objection_marks_the_record_and_the_department_corrects_it(process, engine, tmp_path: Path) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    assert grade(process) == "B"
    objection = process.object(
        "SAMR",
        "XZCF-2026-0001",
        ground="content",
        statement="The fine was for a minor labelling fault.",
        filed_by=ORG,
    )
    assert (objection.state, objection.filed_on, objection.due_on) == (
        "open",
        date(2026, 11, 25),
        date(2026, 12, 25),
    )
    assert under_objection(process, "XZCF-2026-0001") and visible(process, "XZCF-2026-0001")
    answered = process.answer_objection(
        objection.id,
        department="SAMR",
        outcome="corrected",
        actor="SAMR reviewer 4",
        reason="severity misclassified",
        corrections={"severity": "minor", "summary": "Labelling fault."},
    )
    assert (answered.state, answered.decided_by, answered.decided_on) == (
        "corrected",
        "SAMR reviewer 4",
        date(2026, 11, 25),
    )
    versions = versions_of(engine, "SAMR", "XZCF-2026-0001")
    assert [(v.version, v.severity) for v in versions] == [(1, "serious"), (2, "minor")]
    assert versions[1].summary == "Labelling fault." and versions[1].file_name == f"objection-{objection.id}"
    assert not under_objection(process, "XZCF-2026-0001")
    assert grade(process) == "A"  # a minor penalty is not published and weighs nothing here
    assert [k for k, _ in events(process, "XZCF-2026-0001")][-2:] == [
        "objection_filed",
        "objection_corrected",
    ]
    with process.engine.connect() as conn:
        from credence.process import notices

        kinds = [n.kind for n in notices.inbox(conn, record(process, "XZCF-2026-0001").organisation_id)]
    assert kinds[0] == "objection"


def test_who_may_object_and_answer(process, tmp_path: Path) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    before = snapshot(process)
    with pytest.raises(NotAllowed, match="filed by the organisation the record concerns"):
        process.object(
            "SAMR", "XZCF-2026-0001", ground="content", statement="x", filed_by=f"organisation:{USCC_B}"
        )
    with pytest.raises(NotAllowed, match="ground 'price' is not one of content, period, repair_decision"):
        process.object("SAMR", "XZCF-2026-0001", ground="price", statement="x", filed_by=ORG)
    with pytest.raises(NotAllowed, match="statement is required"):
        process.object("SAMR", "XZCF-2026-0001", ground="content", statement=" ", filed_by=ORG)
    with pytest.raises(RecordNotFound, match="no record 'nope' from department SAMR"):
        process.object("SAMR", "nope", ground="content", statement="x", filed_by=ORG)
    assert snapshot(process) == before
    objection = process.object(
        "SAMR", "XZCF-2026-0001", ground="period", statement="too long", filed_by="department:MEE"
    )
    with pytest.raises(NotAllowed, match="already has an open objection"):
        process.object("SAMR", "XZCF-2026-0001", ground="content", statement="x", filed_by=ORG)
    with pytest.raises(NotAllowed, match=f"objection {objection.id} is for SAMR to answer, not MEE"):
        process.answer_objection(objection.id, department="MEE", outcome="upheld", actor="a", reason="b")
    with pytest.raises(NotAllowed, match="only the organisation the record concerns brings new information"):
        process.extend_objection(objection.id, new_information="x", filed_by="department:MEE")
    upheld = process.answer_objection(
        objection.id, department="SAMR", outcome="upheld", actor="a", reason="lawful"
    )
    assert upheld.state == "upheld" and visible(process, "XZCF-2026-0001") and grade(process) == "B"
    with pytest.raises(
        IllegalTransition, match=f"objection {objection.id} is 'upheld' and cannot be answered withdrawn"
    ):
        process.answer_objection(objection.id, department="SAMR", outcome="withdrawn", actor="a", reason="b")


def test_a_bad_correction_names_the_field_and_changes_nothing(process, engine, tmp_path: Path) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    objection = process.object("SAMR", "XZCF-2026-0001", ground="content", statement="x", filed_by=ORG)
    before = snapshot(process)
    with pytest.raises(RowsRejected, match="decided_on: .*2027-01-01"):
        process.answer_objection(
            objection.id,
            department="SAMR",
            outcome="corrected",
            actor="a",
            reason="b",
            corrections={"decided_on": "2027-01-01"},
        )
    with pytest.raises(NotAllowed, match="field category cannot be corrected"):
        process.answer_objection(
            objection.id,
            department="SAMR",
            outcome="corrected",
            actor="a",
            reason="b",
            corrections={"category": "honour"},
        )
    with pytest.raises(NotAllowed, match="a correction needs the corrected fields"):
        process.answer_objection(objection.id, department="SAMR", outcome="corrected", actor="a", reason="b")
    with pytest.raises(ValueError, match="changes nothing"):
        process.answer_objection(
            objection.id,
            department="SAMR",
            outcome="corrected",
            actor="a",
            reason="b",
            corrections={"severity": "serious"},
        )
    assert snapshot(process) == before


def test_an_unanswered_objection_withdraws_the_record_and_only_a_certified_decision_restores_it(
    process, clock, tmp_path: Path
) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    objection = process.object("SAMR", "XZCF-2026-0001", ground="content", statement="x", filed_by=ORG)
    clock.advance(timedelta(days=30))  # the due day itself is still in time
    assert process.tick().objections_lapsed == 0
    clock.advance(timedelta(days=1))
    result = process.tick()
    assert (result.objections_lapsed, result.grade_changes) == (1, 1)
    assert record(process, "XZCF-2026-0001").state == "withdrawn"
    assert not visible(process, "XZCF-2026-0001") and grade(process) == "A"
    assert events(process, "XZCF-2026-0001")[-1] == ("withdrawn", "registry")
    with process.engine.connect() as conn:
        assert prepo.find(conn, prepo.objections, objection.id).state == "lapsed"
    with pytest.raises(NotAllowed, match="certified_decision is required"):
        process.reinstate("SAMR", "XZCF-2026-0001", actor="a", reason="b", certified_decision="")
    process.reinstate(
        "SAMR", "XZCF-2026-0001", actor="SAMR director", reason="verified", certified_decision="SAMR-CD-9"
    )
    # Re-published only after a new notice reaches the organisation.
    assert not visible(process, "XZCF-2026-0001") and grade(process) == "A"
    process.deliver_record_notice("SAMR", "XZCF-2026-0001", actor="SAMR clerk", channel="registered mail")
    assert visible(process, "XZCF-2026-0001") and grade(process) == "B"
    assert ("reinstated", "SAMR director") in events(process, "XZCF-2026-0001")


def test_new_information_extends_the_deadline_once(process, clock, tmp_path: Path) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    objection = process.object("SAMR", "XZCF-2026-0001", ground="content", statement="x", filed_by=ORG)
    extended = process.extend_objection(objection.id, new_information="the court quashed it", filed_by=ORG)
    assert (extended.state, extended.due_on) == ("extended", date(2027, 1, 9))
    with pytest.raises(IllegalTransition, match="is 'extended' and cannot be extended"):
        process.extend_objection(objection.id, new_information="more", filed_by=ORG)
    clock.advance(timedelta(days=31))
    assert process.tick().objections_lapsed == 0 and visible(process, "XZCF-2026-0001")
    clock.advance(timedelta(days=15))
    assert process.tick().objections_lapsed == 1 and not visible(process, "XZCF-2026-0001")


def test_the_department_withdraws_on_objection(process, tmp_path: Path) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    objection = process.object("SAMR", "XZCF-2026-0001", ground="content", statement="x", filed_by=ORG)
    process.answer_objection(
        objection.id, department="SAMR", outcome="withdrawn", actor="a", reason="cannot verify"
    )
    assert record(process, "XZCF-2026-0001").state == "withdrawn" and grade(process) == "A"
    with pytest.raises(NotAllowed, match="is withdrawn: there is nothing to object to"):
        process.object("SAMR", "XZCF-2026-0001", ground="content", statement="x", filed_by=ORG)
