"""Which decisions published abroad a record-triggered measure gives effect to, and for which days: the one
rule the checks and the exports both apply, so the eligibility answer and the published files agree."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from credence.measures.catalog import Measure, Measures


def record_measures(measures: Measures) -> list[Measure]:
    """The measures a published record triggers (decisions abroad), in the file's order."""
    return [m for m in measures.measures.values() if m.trigger.record is not None]


def gives_effect(measure: Measure, record: Any) -> bool:
    """Whether the measure gives effect to this record (a records row with category, department,
    decided_on, until_kind and effective_until): of its category, from one of its departments, and long
    enough. Whether the record is published is the caller's question (`records.publicity.published`)."""
    trigger = measure.trigger
    return (
        trigger.record is not None
        and record.category == trigger.record
        and record.department in trigger.departments
        and long_enough(record, trigger.longer_than_years)
    )


def long_enough(record: Any, years: int | None) -> bool:
    """Whether a decision, as made, runs longer than `years`: a permanent one does, one without a known
    end does not (the condition cannot be shown), one with an end date when its last day is on or after
    the same day `years` later (the end date is the decision's last day, as effective_until says)."""
    if years is None:
        return True
    if record.until_kind == "permanent":
        return True
    if record.until_kind != "date" or record.effective_until is None:
        return False
    start: date = record.decided_on
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        anniversary = date(start.year + years, 3, 1)
    return bool(record.effective_until >= anniversary)


def period(measure: Measure, record: Any, published_until: date) -> tuple[date, date]:
    """The measure's first and last day for a decision: from the decision's day until its own last day (a
    permanent one, or one without an end, for at most the measure's max_days), and never past the record's
    publication (`published_until`, the first day it is no longer published)."""
    since: date = record.decided_on
    until = min(since + timedelta(days=measure.max_days), published_until - timedelta(days=1))
    if record.until_kind == "date" and record.effective_until is not None:
        until = min(until, record.effective_until)
    return since, until


def in_force(measure: Measure, record: Any, published_until: date, on: date) -> tuple[date, date] | None:
    """The measure's period for this record when it gives effect to it and is in force on `on`."""
    if not gives_effect(measure, record):
        return None
    since, until = period(measure, record, published_until)
    return (since, until) if since <= on <= until else None
