"""Lists with procedure: a serious-dishonesty entry is proposed, noticed, open for at least 30 days of
answer, then decided; it is public only once its record's notice is delivered, expires by itself and ends
early on repair. Abnormal-operation entries are cured, or escalated after 3 years with a 60-day warning.
Honours end by themselves. Nothing is ever submitted straight onto a list."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from credence.lists import repository as lists_repo
from credence.process import notices
from credence.process.errors import NotAllowed
from credence.process.machine import IllegalTransition

from helpers import USCC_A, USCC_B, notice_all, row, write_csv
from process_steps import ORG, SAMR, deliver_pending, grade, published, record, snapshot

LICENCE = row(1, category="administrative_licence", severity=None, amount=None, currency=None)


def current(process: Any, kind: str) -> list[Any]:
    with process.engine.connect() as conn:
        return lists_repo.current(conn, kind, process.today())


def entry(process: Any, entry_id: int) -> Any:
    with process.engine.connect() as conn:
        return lists_repo.find(conn, entry_id)


def propose(process: Any, criterion: str = "grave_food_drug_safety") -> Any:
    return process.lists.propose(
        "SAMR",
        USCC_A,
        criterion,
        facts="Three serious food-safety penalties in 2026.",
        decision_ref="SAMR-2026-0001",
        actor=SAMR,
    )


def test_serious_listing_is_proposed_noticed_answered_then_decided(process, clock, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    assert grade(process) == "A"
    proposed = propose(process)
    assert (proposed.state, proposed.field, proposed.answer_due) == (
        "proposed",
        "public_health_and_safety",
        None,
    )
    assert "Measures for the Administration of the List of Seriously Dishonest" in proposed.legal_basis
    # Not decidable before notice, and nothing is public.
    with pytest.raises(
        IllegalTransition, match="is 'proposed' and cannot be listed; from 'proposed' it can only"
    ):
        process.lists.decide(proposed.id, department="SAMR", listed=True, actor=SAMR, reason="r")
    assert current(process, "serious_dishonesty") == [] and grade(process) == "A"
    with pytest.raises(NotAllowed, match="already has an entry under 'grave_food_drug_safety'"):
        propose(process)

    deliver_pending(process, proposed.id)  # the proposal notice: the answer period runs from today
    opened = entry(process, proposed.id)
    assert (opened.state, opened.answer_due) == ("open", date(2026, 12, 25))
    answered = process.lists.answer(
        proposed.id, statement="Two of the penalties are under appeal.", hearing=True, filed_by=ORG
    )
    assert (answered.state, answered.hearing_requested) == ("answered", True)

    clock.advance(timedelta(days=30))  # 25 December: the last day to answer
    before = snapshot(process)
    with pytest.raises(NotAllowed, match=r"from the day after its answer period ends \(2026-12-25\)"):
        process.lists.decide(proposed.id, department="SAMR", listed=True, actor=SAMR, reason="r")
    clock.advance(timedelta(days=1))
    with pytest.raises(NotAllowed, match="asked for a hearing on list entry"):
        process.lists.decide(proposed.id, department="SAMR", listed=True, actor=SAMR, reason="r")
    with pytest.raises(NotAllowed, match="decided by SAMR, not MOF"):
        process.lists.decide(proposed.id, department="MOF", listed=True, actor=SAMR, reason="r")
    assert snapshot(process) == before

    listed = process.lists.decide(
        proposed.id,
        department="SAMR",
        listed=True,
        actor=SAMR,
        reason="Facts confirmed at the hearing.",
        hearing="Hearing of 2026-12-20, minutes H-17.",
    )
    assert (listed.state, listed.starts_on, listed.ends_on) == (
        "listed",
        date(2026, 12, 26),
        date(2029, 12, 25),
    )
    # Its record awaits notice like any record: not yet on the public list, not yet counted.
    listing = record(process, f"LIST-{listed.id}")
    assert (listing.category, listing.noticed_at) == ("serious_dishonesty_listing", None)
    assert current(process, "serious_dishonesty") == [] and grade(process) == "A"
    deliver_pending(process, proposed.id)
    (shown,) = current(process, "serious_dishonesty")
    assert (shown.organisation_code, shown.criterion, shown.ends_on) == (
        USCC_A,
        "grave_food_drug_safety",
        listed.ends_on,
    )
    assert grade(process) == "D"
    with pytest.raises(IllegalTransition, match="is 'listed' and cannot be dropped"):
        process.lists.decide(proposed.id, department="SAMR", listed=False, actor=SAMR, reason="r")

    # It expires by itself: the day after its end date the tick ends it and its record.
    clock.advance(timedelta(days=(listed.ends_on - process.today()).days))
    process.tick()
    assert entry(process, proposed.id).state == "listed"
    clock.advance(timedelta(days=1))
    assert "list entries expired: 1" in process.tick().lines()
    assert entry(process, proposed.id).state == "expired"
    assert record(process, f"LIST-{listed.id}").state == "ended"
    assert current(process, "serious_dishonesty") == [] and grade(process) == "A"
    with process.engine.connect() as conn:
        steps = [(e.event, e.state) for e in lists_repo.events_of(conn, proposed.id)]
    assert steps == [
        ("created", "proposed"),
        ("be noticed", "open"),
        ("be answered", "answered"),
        ("be listed", "listed"),
        ("expire", "expired"),
    ]


def test_a_proposal_can_be_dropped_and_criteria_are_checked(process, clock, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    with pytest.raises(NotAllowed, match="'vague_dishonesty' is not a criterion of the serious-dishonesty"):
        propose(process, "vague_dishonesty")
    with pytest.raises(NotAllowed, match="department MOF may not list under 'grave_food_drug_safety'"):
        process.lists.propose("MOF", USCC_A, "grave_food_drug_safety", facts="f", decision_ref="d", actor="a")
    with pytest.raises(NotAllowed, match="decision_ref is required"):
        process.lists.propose(
            "SAMR", USCC_A, "grave_food_drug_safety", facts="f", decision_ref=" ", actor="a"
        )
    dropped = process.lists.decide(
        propose(process).id, department="SAMR", listed=False, actor=SAMR, reason="Penalties annulled."
    )
    assert dropped.state == "dropped" and current(process, "serious_dishonesty") == []
    # The answer period is the organisation's only.
    again = propose(process)
    deliver_pending(process, again.id)
    with pytest.raises(NotAllowed, match="only the organisation proposed for listing answers"):
        process.lists.answer(again.id, statement="x", hearing=False, filed_by=f"organisation:{USCC_B}")
    clock.advance(timedelta(days=31))
    with pytest.raises(NotAllowed, match="answer period of list entry .* ended on 2026-12-25"):
        process.lists.answer(again.id, statement="late", hearing=False, filed_by=ORG)


def test_a_criterion_is_used_only_after_30_days_of_comment(
    process, catalog, settings, tmp_path: Path
) -> None:
    from credence.lists.config import load_lists
    from credence.lists.service import ListService

    published(process, LICENCE, tmp_path=tmp_path)
    text = Path(__file__).parents[2].joinpath("src/credence/lists/default_lists.yaml").read_text("utf-8")
    path = tmp_path / "lists.yaml"
    path.write_text(text.replace("published_on: 2026-01-15", "published_on: 2026-11-01", 1), "utf-8")
    lists = ListService(
        process.engine,
        catalog,
        load_lists(catalog, path),
        process.clock,
        settings,
        process.rating,
        process.ingest,
    )
    with pytest.raises(
        NotAllowed, match="published for comment on 2026-11-01 and may be used from 2026-12-01"
    ):
        lists.propose("SAMR", USCC_A, "grave_food_drug_safety", facts="f", decision_ref="d", actor="a")


def test_repair_removes_a_serious_entry_early_and_lifts_it_at_once(process, clock, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    proposed = propose(process)
    deliver_pending(process, proposed.id)
    clock.advance(timedelta(days=31))
    listed = process.lists.decide(proposed.id, department="SAMR", listed=True, actor=SAMR, reason="r")
    deliver_pending(process, proposed.id)
    assert grade(process) == "D"
    with pytest.raises(NotAllowed, match="can be repaired from 2027-12-26"):
        process.apply_repair(
            "SAMR", f"LIST-{listed.id}", evidence="all fines paid", commitment="comply", applied_by=ORG
        )
    clock.advance(timedelta(days=365))
    repair = process.apply_repair(
        "SAMR", f"LIST-{listed.id}", evidence="all fines paid", commitment="comply", applied_by=ORG
    )
    process.decide_repair(repair.id, department="SAMR", approve=True, actor=SAMR, reason="verified")
    assert entry(process, listed.id).state == "removed"
    assert record(process, f"LIST-{listed.id}").state == "repaired"
    assert current(process, "serious_dishonesty") == [] and grade(process) == "A"


def test_an_unanswered_objection_withdraws_the_entry_and_reinstatement_restores_it(
    process, clock, tmp_path: Path
) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    listed = process.lists.enter(
        "SAMR", USCC_A, "unreachable", facts="Mail returned twice.", decision_ref="SAMR-AB-1", actor=SAMR
    )
    deliver_pending(process, listed.id)
    assert len(current(process, "abnormal_operation")) == 1
    process.object(
        "SAMR", f"LIST-{listed.id}", ground="content", statement="We moved; see filing.", filed_by=ORG
    )
    clock.advance(timedelta(days=31))
    process.tick()
    assert entry(process, listed.id).state == "withdrawn" and current(process, "abnormal_operation") == []
    process.reinstate(
        "SAMR",
        f"LIST-{listed.id}",
        actor=SAMR,
        reason="Address confirmed unreachable.",
        certified_decision="C-9",
    )
    assert entry(process, listed.id).state == "listed" and current(process, "abnormal_operation") == []
    deliver_pending(process, listed.id)
    assert len(current(process, "abnormal_operation")) == 1


def test_abnormal_operation_is_cured_by_the_department_or_by_repair(process, tmp_path: Path) -> None:
    published(
        process,
        LICENCE,
        row(
            2, subject_id=USCC_B, category="administrative_licence", severity=None, amount=None, currency=None
        ),
        tmp_path=tmp_path,
    )
    first = process.lists.enter(
        "SAMR", USCC_A, "annual_report_missed", facts="No 2025 report.", decision_ref="AB-1", actor=SAMR
    )
    second = process.lists.enter(
        "SAMR", USCC_B, "annual_report_missed", facts="No 2025 report.", decision_ref="AB-2", actor=SAMR
    )
    assert (first.state, first.ends_on) == ("listed", None)
    assert current(process, "abnormal_operation") == []  # not before notice
    deliver_pending(process, first.id)
    deliver_pending(process, second.id)
    assert len(current(process, "abnormal_operation")) == 2 and grade(process) == "B"
    cured = process.lists.cure(
        first.id, department="SAMR", actor=SAMR, evidence="2025 report filed 2026-11-20"
    )
    assert cured.state == "cured" and record(process, f"LIST-{first.id}").state == "ended"
    assert grade(process) == "A"
    repair = process.apply_repair(
        "SAMR",
        f"LIST-{second.id}",
        evidence="report filed",
        commitment="file on time",
        applied_by=f"organisation:{USCC_B}",
    )
    process.decide_repair(repair.id, department="SAMR", approve=True, actor=SAMR, reason="filed")
    assert entry(process, second.id).state == "cured" and current(process, "abnormal_operation") == []
    with pytest.raises(IllegalTransition, match="is 'cured' and cannot be cured"):
        process.lists.cure(first.id, department="SAMR", actor=SAMR, evidence="again")


def test_three_years_uncured_moves_to_the_serious_list_after_a_60_day_warning(
    process, clock, tmp_path: Path
) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    listed = process.lists.enter(
        "SAMR", USCC_A, "annual_report_missed", facts="No report.", decision_ref="AB-1", actor=SAMR
    )
    deliver_pending(process, listed.id)
    # 2026-11-25 + 1095 days = 2029-11-24; the warning is due 60 days before, on 2029-09-25.
    clock.advance(timedelta(days=1095 - 61))
    assert "abnormal-operation entries warned of escalation: 0" in process.tick().lines()
    clock.advance(timedelta(days=1))
    assert "abnormal-operation entries warned of escalation: 1" in process.tick().lines()
    assert entry(process, listed.id).warned_on == date(2029, 9, 25)
    with process.engine.connect() as conn:
        warning = [n for n in notices.inbox(conn, listed.organisation_id) if n.kind == "list_warning"]
    assert len(warning) == 1 and "moves to the serious-dishonesty list on 2029-11-24" in warning[0].message
    assert "abnormal-operation entries warned of escalation: 0" in process.tick().lines()  # warned once
    clock.advance(timedelta(days=59))
    process.tick()
    assert entry(process, listed.id).state == "listed"
    clock.advance(timedelta(days=1))
    assert "abnormal-operation entries escalated to the serious-dishonesty list: 1" in process.tick().lines()
    assert entry(process, listed.id).state == "escalated"
    with process.engine.connect() as conn:
        (moved,) = [e for e in lists_repo.of_organisation(conn, listed.organisation_id) if e.escalated_from]
    assert (moved.list, moved.criterion, moved.state, moved.field) == (
        "serious_dishonesty",
        "abnormal_operation_three_years",
        "listed",
        "fair_competition_and_market_order",
    )
    deliver_pending(process, moved.id)
    assert [e.id for e in current(process, "serious_dishonesty")] == [moved.id]


def test_a_late_warning_still_gives_60_days(process, clock, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    listed = process.lists.enter(
        "SAMR", USCC_A, "annual_report_missed", facts="No report.", decision_ref="AB-1", actor=SAMR
    )
    deliver_pending(process, listed.id)
    clock.advance(timedelta(days=1100))  # the registry did not run for years: warned now, moved in 60 days
    result = process.tick().lines()
    assert "warned of escalation: 1" in " ".join(result) and "serious-dishonesty list: 0" in " ".join(result)
    clock.advance(timedelta(days=59))
    process.tick()
    assert entry(process, listed.id).state == "listed"
    clock.advance(timedelta(days=1))
    process.tick()
    assert entry(process, listed.id).state == "escalated"


def test_honours_have_an_end_date_and_expire(process, clock, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    with pytest.raises(NotAllowed, match="an honour under 'contract_abiding' lasts at most 730 days"):
        process.lists.grant(
            "SAMR", USCC_A, "contract_abiding", facts="f", actor=SAMR, ends_on=date(2029, 1, 1)
        )
    with pytest.raises(NotAllowed, match="department SAMR may not list under 'tax_credit_a'"):
        process.lists.grant("SAMR", USCC_A, "tax_credit_a", facts="f", actor=SAMR)
    granted = process.lists.grant(
        "SAMR",
        USCC_A,
        "contract_abiding",
        facts="Model contract record.",
        actor=SAMR,
        ends_on=date(2027, 6, 30),
    )
    deliver_pending(process, granted.id)
    (shown,) = current(process, "honour")
    assert shown.ends_on == date(2027, 6, 30)
    clock.advance(timedelta(days=(date(2027, 7, 1) - process.today()).days))
    process.tick()
    assert entry(process, granted.id).state == "expired" and current(process, "honour") == []
    revoked = process.lists.grant("SAMR", USCC_A, "contract_abiding", facts="Again.", actor=SAMR)
    process.lists.revoke(revoked.id, department="SAMR", actor=SAMR, reason="Granted in error.")
    assert entry(process, revoked.id).state == "revoked"


@pytest.mark.parametrize("category", ["serious_dishonesty_listing", "abnormal_operation", "honour"])
def test_nothing_is_submitted_straight_onto_a_list(process, category, tmp_path: Path) -> None:
    published(process, LICENCE, tmp_path=tmp_path)
    before = snapshot(process)
    bad = row(9, category=category, severity=None, amount=None, currency=None)
    result = process.ingest.ingest_file(write_csv(tmp_path / "bad.csv", [bad]), "SAMR")
    assert (result.new, result.rejected) == (0, 1)
    notice_all(process.engine, process.ingest)
    after = snapshot(process)
    assert after["records"] == before["records"] and after["list_entries"] == before["list_entries"]


def test_the_list_category_refusal_names_the_procedure(service, tmp_path: Path) -> None:
    messages: list[str] = []
    bad = row(9, category="serious_dishonesty_listing", severity=None, amount=None, currency=None)
    service.ingest_file(
        write_csv(tmp_path / "bad.csv", [bad]),
        "SAMR",
        on_reject=lambda r: messages.append(f"line {r.line} {r.field}: {r.message}"),
    )
    assert messages == [
        "line 2 category: category 'serious_dishonesty_listing' is the serious-dishonesty list: its entries "
        "are made through the list procedure (credence lists), with notice, not submitted"
    ]
