"""What would change the grade knows what the tick will do (issue 16): an abnormal-operation entry still
uncured at three years moves to the serious-dishonesty list (grade D), and a list entry ends the day
after its end date, before its record's publication period. Until now the explanation saw only records
leaving publication and ageing: near its escalation, an abnormal-operation entry said nothing would
change the grade."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from helpers import USCC_A, row
from process_steps import SAMR, deliver_pending, grade, published

LICENCE = row(1, category="administrative_licence", severity=None, amount=None, currency=None)


def test_an_abnormal_operation_entry_near_escalation_says_the_grade_will_be_d(
    process, clock, tmp_path: Path
) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    listed = process.lists.enter(
        "SAMR", USCC_A, "annual_report_missed", facts="No report.", decision_ref="AB-1", actor=SAMR
    )
    deliver_pending(process, listed.id)
    # 2026-11-25 + 1,040 days: the entry weighs 30% (-36, grade A); the warning is due now (60 days before
    # 2029-11-24) and the next tick gives it.
    clock.advance(timedelta(days=1040))
    found = process.rating.explain(USCC_A)
    assert (found.rating.score, found.rating.grade) == (964, "A")
    assert found.public_change_lines(process.catalog) == [
        f"grade D from 29 Nov 2029, when abnormal-operation list entry LIST-{listed.id} moves to the "
        "serious-dishonesty list unless cured before; the listing counts once its notice is delivered, by "
        "29 Dec 2029 at the latest"
    ]
    process.tick()  # warned today, 2029-09-30: it moves 60 days on
    found = process.rating.explain(USCC_A)
    (change,) = found.changes
    assert (change.grade, change.on, change.because) == ("D", date(2029, 11, 29), "escalates")
    # The tick does what was said: on that day the entry moves, and once noticed the grade is D.
    clock.advance(timedelta(days=59))
    process.tick()
    assert process.rating.explain(USCC_A).rating.grade == "A"  # it left publication on 2029-11-24
    clock.advance(timedelta(days=1))
    assert process.today() == date(2029, 11, 29)
    process.tick()
    with process.engine.connect() as conn:
        from credence.lists import repository as lists_repo

        (moved,) = [e for e in lists_repo.of_organisation(conn, listed.organisation_id) if e.escalated_from]
    deliver_pending(process, moved.id)
    assert grade(process) == "D"


def test_a_listing_that_ends_before_its_record_leaves_publication(process, clock, tmp_path: Path) -> None:
    """A serious-dishonesty listing under a criterion of 730 days ends the day after its end date, a year
    before its record's publication period (1,095 days) would: the grade is A again from then."""
    published(process, LICENCE, tmp_path=tmp_path)
    proposed = process.lists.propose(
        "SAMR",
        USCC_A,
        "refused_legal_duty",
        facts="Refused to perform a final decision it could perform.",
        decision_ref="SAMR-2026-0001",
        actor=SAMR,
    )
    deliver_pending(process, proposed.id)
    clock.advance(timedelta(days=31))
    listed = process.lists.decide(proposed.id, department="SAMR", listed=True, actor=SAMR, reason="r")
    deliver_pending(process, proposed.id)
    assert grade(process) == "D"
    assert listed.ends_on == listed.starts_on + timedelta(days=730)
    found = process.rating.explain(USCC_A)
    (change, *_) = found.changes
    assert (change.grade, change.on, change.because) == ("A", listed.ends_on + timedelta(days=1), "expires")
    assert found.change_lines(process.catalog)[0] == (
        f"grade A from 26 Dec 2028, when serious-dishonesty list entry LIST-{listed.id} ends"
    )
    # The tick does what was said.
    clock.advance(timedelta(days=731))
    process.tick()
    assert process.today() == listed.ends_on + timedelta(days=1) and grade(process) == "A"
