"""Working days: the calendar that due-process deadlines count in (3 working days to decide a repair,
10 for the whole repair). Public holidays and the weekend days that are worked instead (调休) come from
the `holidays` package, which keeps the State Council's yearly schedule; an operator adds or removes
days in settings when a schedule changes before the package does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays

from credence.settings import Settings


@dataclass(frozen=True)
class WorkingCalendar:
    country: str = "CN"
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            days = holidays.country_holidays(self.country)
        except NotImplementedError:
            raise ValueError(f"no holiday calendar for country '{self.country}'") from None
        object.__setattr__(self, "_days", days)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return bool(self._days.is_working_day(day))  # type: ignore[attr-defined]

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself never counts): a deadline of n working days
        from a filing on `start` is the end of that day."""
        if n < 0:
            raise ValueError("a number of working days is never negative")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def calendar_from(settings: Settings) -> WorkingCalendar:
    """The calendar a registry's settings describe."""
    return WorkingCalendar(
        settings.calendar_country,
        frozenset(settings.calendar_extra_holidays),
        frozenset(settings.calendar_extra_workdays),
    )
