"""Credit repair: after the minimum period, with evidence and a commitment, decided within 3 working
days; approval ends publication and re-rates in one transaction; a refusal can be objected to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from credence.process.errors import NotAllowed
from credence.process.machine import IllegalTransition

from helpers import USCC_B, row
from process_steps import ORG, events, grade, published, record, snapshot, visible

SERIOUS = row(1, severity="serious", decided_on="2025-06-01")


def test_approved_repair_ends_publication_and_re_rates_at_once(process, tmp_path: Path) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    assert grade(process) == "B" and visible(process, "XZCF-2026-0001")
    repair = process.apply_repair(
        "SAMR",
        "XZCF-2026-0001",
        evidence="fine paid 2026-07-02, receipt 8812",
        commitment="We will comply.",
        applied_by=ORG,
    )
    # Filed Wednesday 25 November 2026: 3 working days is Monday 30 November, 10 is 9 December.
    assert (repair.state, repair.decide_by, repair.complete_by) == (
        "applied",
        date(2026, 11, 30),
        date(2026, 12, 9),
    )
    decided = process.decide_repair(
        repair.id, department="SAMR", approve=True, actor="SAMR credit office", reason="paid"
    )
    assert decided.state == "approved"
    assert record(process, "XZCF-2026-0001").state == "repaired"
    assert not visible(process, "XZCF-2026-0001") and grade(process) == "A"
    assert events(process, "XZCF-2026-0001")[-1] == ("repaired", "SAMR credit office")
    with pytest.raises(IllegalTransition, match="is 'approved' and cannot be refused"):
        process.decide_repair(repair.id, department="SAMR", approve=False, actor="a", reason="b")
    with pytest.raises(NotAllowed, match="is repaired: there is nothing to repair"):
        process.apply_repair("SAMR", "XZCF-2026-0001", evidence="x", commitment="y", applied_by=ORG)


def test_repair_waits_for_the_minimum_period_and_needs_evidence_and_commitment(
    process, tmp_path: Path
) -> None:
    published(
        process,
        row(1, severity="serious", decided_on="2026-06-01"),
        row(2, severity="minor"),
        tmp_path=tmp_path,
    )
    before = snapshot(process)
    with pytest.raises(
        NotAllowed, match="can be repaired from 2027-06-01, when its minimum publication period"
    ):
        process.apply_repair("SAMR", "XZCF-2026-0001", evidence="paid", commitment="yes", applied_by=ORG)
    with pytest.raises(NotAllowed, match="only the organisation the record concerns"):
        process.apply_repair(
            "SAMR", "XZCF-2026-0002", evidence="paid", commitment="", applied_by=f"organisation:{USCC_B}"
        )
    with pytest.raises(NotAllowed, match="evidence is required"):
        process.apply_repair("SAMR", "XZCF-2026-0002", evidence="", commitment="", applied_by=ORG)
    assert snapshot(process) == before
    # A minor record is repairable once the duty is fulfilled, without a commitment.
    repair = process.apply_repair(
        "SAMR", "XZCF-2026-0002", evidence="corrected the label", commitment="", applied_by=ORG
    )
    assert repair.commitment is None
    with pytest.raises(NotAllowed, match="already has a repair application awaiting decision"):
        process.apply_repair("SAMR", "XZCF-2026-0002", evidence="again", commitment="", applied_by=ORG)


def test_general_records_need_a_public_commitment(process, tmp_path: Path) -> None:
    published(process, row(1, severity="general", decided_on="2026-03-01"), tmp_path=tmp_path)
    with pytest.raises(NotAllowed, match="a repair needs a public commitment"):
        process.apply_repair("SAMR", "XZCF-2026-0001", evidence="paid", commitment=" ", applied_by=ORG)


def test_a_refusal_can_be_objected_to_and_reversed(process, tmp_path: Path) -> None:
    published(process, SERIOUS, tmp_path=tmp_path)
    repair = process.apply_repair(
        "SAMR", "XZCF-2026-0001", evidence="paid", commitment="we comply", applied_by=ORG
    )
    with pytest.raises(NotAllowed, match=f"repair {repair.id} is for SAMR to decide, not MEE"):
        process.decide_repair(repair.id, department="MEE", approve=True, actor="a", reason="b")
    with pytest.raises(NotAllowed, match="repair 1 is applied: only a refusal can be objected to"):
        process.object(
            "SAMR",
            "XZCF-2026-0001",
            ground="repair_decision",
            statement="x",
            filed_by=ORG,
            repair_id=repair.id,
        )
    refused = process.decide_repair(
        repair.id, department="SAMR", approve=False, actor="SAMR", reason="no receipt"
    )
    assert refused.state == "refused" and grade(process) == "B" and visible(process, "XZCF-2026-0001")
    objection = process.object(
        "SAMR",
        "XZCF-2026-0001",
        ground="repair_decision",
        statement="receipt attached",
        filed_by=ORG,
        repair_id=repair.id,
    )
    process.answer_objection(
        objection.id, department="SAMR", outcome="corrected", actor="SAMR head", reason="receipt found"
    )
    assert record(process, "XZCF-2026-0001").state == "repaired" and grade(process) == "A"
    assert not visible(process, "XZCF-2026-0001")


def test_repair_deadlines_count_working_days_over_national_day(process, clock, tmp_path: Path) -> None:
    clock.advance(datetime(2026, 9, 30, 2, tzinfo=UTC) - clock.now())
    published(process, SERIOUS, tmp_path=tmp_path)
    repair = process.apply_repair(
        "SAMR", "XZCF-2026-0001", evidence="paid", commitment="we comply", applied_by=ORG
    )
    assert (repair.decide_by, repair.complete_by) == (date(2026, 10, 10), date(2026, 10, 20))
    clock.advance(timedelta(days=11))
    assert process.tick().repairs_overdue == 1
