"""Ratings that change by themselves: an organisation whose record crossed, since its rating was stored, a
day on which the policy weighs it differently (a decay band ends, or a rule's period of counting ends).

The tick re-rates these, as it re-rates what its own deadlines changed, so that a stored score never
keeps a record's old weight until the next `credence rate` (found in use: a record a year old still
counted in full). Each day since the tick last ran to its end (tick_marks; the last LOOKBACK_DAYS on its
first run) is asked on its own: the records decided exactly one boundary before it (an index search on
`ix_records_decided_on`) whose file's stored rating is older than it. A tick run again the same day asks
nothing; none of these statements grows with the registry."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, select

from credence.rating.engine import PolicyTables
from credence.rating.repository import file_of, organisations, ratings, records

LOOKBACK_DAYS = 31
MAX_DAYS = 3660  # ten years without a tick: what a `credence rate` is for


def boundaries(tables: PolicyTables) -> list[int]:
    """The ages, in days, at which a record's weight changes under this policy."""
    ends = {until for until, _ in tables.decay if until is not None}
    ends |= {r.publication_days for r in tables.rows if r.points != 0}
    return sorted(d for d in ends if d > 0)


def crossed(conn: Connection, tables: PolicyTables, today: date, since: date | None = None) -> set[int]:
    """The heads of the files holding a counting record that reached one of the policy's boundaries after
    `since` (the last LOOKBACK_DAYS when None) and by today, after the file's stored rating was made."""
    days = LOOKBACK_DAYS if since is None else min((today - since).days, MAX_DAYS)
    found: set[int] = set()
    for age in boundaries(tables):
        for back in range(days):
            day = today - timedelta(days=back)  # the day the weight changed
            query = (
                select(file_of)
                .select_from(
                    records.join(organisations, organisations.c.id == records.c.organisation_id).join(
                        ratings, ratings.c.organisation_id == file_of
                    )
                )
                .where(
                    records.c.decided_on == day - timedelta(days=age),
                    records.c.state == "active",
                    records.c.noticed_at.is_not(None),
                    ratings.c.as_of < day,
                )
                .distinct()
            )
            found.update(conn.execute(query).scalars())
    return found
