"""The working-day calendar and the procedures' state machines."""

from __future__ import annotations

from datetime import date

import pytest

from credence.calendar import WorkingCalendar
from credence.process.machine import MACHINES, OBJECTION, REPAIR, IllegalTransition


def test_working_days_skip_weekends_and_public_holidays_and_count_worked_weekends() -> None:
    cn = WorkingCalendar("CN")
    # National Day week: 1-7 October 2026 off, Saturday 10 October worked instead.
    assert cn.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cn.add_working_days(date(2026, 9, 30), 10) == date(2026, 10, 20)
    # An ordinary week: Friday + 3 working days is Wednesday.
    assert cn.add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 25)
    assert cn.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert cn.add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_operators_add_holidays_and_worked_days() -> None:
    calendar = WorkingCalendar("CN", frozenset({date(2026, 11, 23)}), frozenset({date(2026, 11, 22)}))
    assert not calendar.is_working_day(date(2026, 11, 23))  # a Monday declared off
    assert calendar.is_working_day(date(2026, 11, 22))  # a Sunday declared worked
    assert calendar.add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 24)
    with pytest.raises(ValueError, match="no holiday calendar for country 'XX'"):
        WorkingCalendar("XX")


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_every_transition_is_legal_and_every_other_is_refused(machine) -> None:
    events = {event for _, event in machine.transitions}
    for state in machine.states:
        for event in events:
            after = machine.transitions.get((state, event))
            if after is not None:
                assert machine.next(state, event, machine.name) == after
            else:
                with pytest.raises(IllegalTransition, match=f"is '{state}' and cannot {event}"):
                    machine.next(state, event, machine.name)


def test_refusals_say_what_is_possible() -> None:
    with pytest.raises(IllegalTransition, match="objection 4 is 'extended' and cannot be extended; from "):
        OBJECTION.next("extended", "be extended", "objection 4")
    with pytest.raises(
        IllegalTransition, match=r"repair 2 is 'approved' and cannot be refused \(it is closed\)"
    ):
        REPAIR.next("approved", "be refused", "repair 2")
