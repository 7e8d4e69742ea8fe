"""Credit commitments: made by the organisation in a published template (a public record at once, after
notice); marked kept, or broken, which becomes a record of breach of the template's severity that counts
in the grade once noticed and can be objected to and repaired like any record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from credence.commitments.templates import TemplatesError, load_templates
from credence.process.errors import NotAllowed
from credence.process.machine import IllegalTransition

from helpers import USCC_A, USCC_B, row
from process_steps import ORG, SAMR, grade, published, record, snapshot

LICENCE = row(1, category="administrative_licence", severity=None, amount=None, currency=None)


def deliver_all(process) -> None:
    from credence.process import notices

    with process.engine.connect() as conn:
        pending = [n for n in notices.outbox(conn, None, 0, 1000)]
    for notice in pending:
        process.deliver_notice(notice.id, actor="clerk", channel="post")


def test_a_commitment_made_then_kept(process, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    made = process.commitments.make(USCC_A, "licence_conditions", department="SAMR", made_by=ORG)
    assert (made.state, made.template) == ("made", "licence_conditions")
    made_record = record(process, f"COMMIT-{made.id}")
    assert (made_record.category, made_record.noticed_at) == ("credit_commitment", None)
    kept = process.commitments.mark(
        made.id, department="SAMR", kept=True, actor=SAMR, reason="Inspected: met."
    )
    assert (kept.commitment.state, kept.breach_record_id) == ("kept", None)
    with pytest.raises(IllegalTransition, match="commitment 1 is 'kept' and cannot be broken"):
        process.commitments.mark(made.id, department="SAMR", kept=False, actor=SAMR, reason="r")


def test_a_broken_commitment_becomes_a_record_of_breach_that_counts_after_notice(
    process, clock, tmp_path: Path
) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    made = process.commitments.make(USCC_A, "procurement_bid_truthful", department="MOF", made_by=ORG)
    deliver_all(process)
    assert grade(process) == "A"
    before = snapshot(process)
    with pytest.raises(NotAllowed, match="commitment 1 is marked by MOF, not SAMR"):
        process.commitments.mark(made.id, department="SAMR", kept=False, actor=SAMR, reason="r")
    with pytest.raises(NotAllowed, match="reason is required"):
        process.commitments.mark(made.id, department="MOF", kept=False, actor="MOF", reason=" ")
    assert snapshot(process) == before
    clock.advance(timedelta(days=10))
    broken = process.commitments.mark(
        made.id,
        department="MOF",
        kept=False,
        actor="MOF procurement office",
        reason="A 2025 fine was hidden.",
    )
    breach = record(process, f"BREACH-{made.id}", "MOF")
    assert (breach.id, breach.category, breach.severity) == (
        broken.breach_record_id,
        "commitment_breach",
        "serious",
    )
    assert "A 2025 fine was hidden." in breach.summary and grade(process) == "A"  # not before notice
    deliver_all(process)
    assert grade(process) == "B"  # a serious breach: -200 points under policy 2026.2
    # Like any record: the organisation may object to it.
    objection = process.object(
        "MOF", f"BREACH-{made.id}", ground="content", statement="Disclosed.", filed_by=ORG
    )
    assert objection.state == "open"


def test_commitments_are_the_organisations_own_and_in_published_templates(process, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    before = snapshot(process)
    with pytest.raises(NotAllowed, match="'always_honest' is not a published commitment template"):
        process.commitments.make(USCC_A, "always_honest", department="SAMR", made_by=ORG)
    with pytest.raises(NotAllowed, match="department MOF does not accept 'licence_conditions'"):
        process.commitments.make(USCC_A, "licence_conditions", department="MOF", made_by=ORG)
    with pytest.raises(NotAllowed, match="only the organisation itself makes its commitment"):
        process.commitments.make(
            USCC_A, "licence_conditions", department="SAMR", made_by=f"organisation:{USCC_B}"
        )
    assert snapshot(process) == before


def test_a_template_with_a_prohibited_ground_or_a_wrong_department_is_refused(
    catalog, tmp_path: Path
) -> None:
    text = (
        Path(__file__)
        .parents[2]
        .joinpath("src/credence/commitments/default_templates.yaml")
        .read_text("utf-8")
    )
    bad = tmp_path / "templates.yaml"
    bad.write_text(
        text.replace("we have no record of a major violation", "we have set up a party organisation").replace(
            "departments: [SAMR, MEE, MOHRSS]", "departments: [SAMR, SPC]"
        ),
        "utf-8",
    )
    with pytest.raises(TemplatesError) as refused:
        load_templates(catalog, bad)
    message = str(refused.value)
    lines = text.splitlines()
    at = {
        code: lines.index(f"  - code: {code}") + 1
        for code in ("licence_conditions", "procurement_bid_truthful")
    }
    assert (
        f"template 'licence_conditions' (line {at['licence_conditions']}): names department 'SPC'" in message
    )
    assert (
        f"template 'procurement_bid_truthful' (line {at['procurement_bid_truthful']}): concerns a prohibited"
        in message
    )
