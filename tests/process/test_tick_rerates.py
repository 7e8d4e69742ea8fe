"""The tick re-rates what its deadlines changed: a record whose publication period ended no longer counts
in the stored grade from that day, without waiting for the next `credence rate` (found in use: the record
left publication, its `record.expired` was logged, and the organisation's stored score still counted it)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from credence.store.models import Organisation, RatingRow

from helpers import USCC_A, row, write_csv


def stored_score(engine, code: str) -> int:
    rating, organisation = RatingRow.__table__, Organisation.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        query = (
            select(rating.c.score)
            .join(organisation, organisation.c.id == rating.c.organisation_id)
            .where(organisation.c.code == code)
        )
        return int(conn.execute(query).scalar_one())


def test_a_record_that_leaves_publication_leaves_the_stored_grade_at_the_tick(
    process, service, engine, clock, tmp_path
) -> None:
    # A general penalty decided on 2026-03-01 is published for 365 days: until 2027-03-01.
    service.ingest_file(write_csv(tmp_path / "a.csv", [row(1, decided_on="2026-03-01")]), "SAMR")
    clock.advance(timedelta(days=30))  # its notice is deemed delivered: published, and rated
    process.tick()
    counted = stored_score(engine, USCC_A)
    assert counted < 1000
    clock.advance(timedelta(days=(date(2027, 2, 28) - process.today()).days))
    assert process.tick().records_expired == 0
    assert stored_score(engine, USCC_A) == counted  # still published on its last day
    clock.advance(timedelta(days=1))
    ended = process.tick()
    assert ended.records_expired == 1
    assert stored_score(engine, USCC_A) == 1000  # nothing else counts: back to the starting score


def test_a_record_that_ages_into_a_lighter_band_changes_the_stored_score_at_the_tick(
    process, service, engine, clock, tmp_path
) -> None:
    """Found in use: a record's weight falls when it is a year old (the policy's decay bands), and the
    stored score kept its full weight until the next `credence rate`: the tick re-rated only what its own
    deadlines changed. The score and the 'what would change' both said otherwise."""
    # A serious penalty decided on 2026-03-01 counts in full until 2027-03-01, then at the next band's rate.
    service.ingest_file(
        write_csv(tmp_path / "a.csv", [row(1, severity="serious", decided_on="2026-03-01")]), "SAMR"
    )
    clock.advance(timedelta(days=30))
    process.tick()
    full = stored_score(engine, USCC_A)
    clock.advance(timedelta(days=(date(2027, 2, 28) - process.today()).days))
    process.tick()
    assert stored_score(engine, USCC_A) == full  # a day short of a year: still in full
    clock.advance(timedelta(days=1))
    process.tick()
    lighter = process.rating.explain(USCC_A, process.today()).rating.score
    assert full < lighter  # the record weighs less from today (the fresh rating says so) ...
    assert stored_score(engine, USCC_A) == lighter  # ... and the stored score says the same
    clock.advance(timedelta(days=3))  # ticks missed for a few days still catch a band crossed meanwhile
    clock.advance(timedelta(days=365))
    process.tick()
    assert stored_score(engine, USCC_A) == process.rating.explain(USCC_A, process.today()).rating.score
    assert stored_score(engine, USCC_A) > lighter


def test_the_tick_asks_only_the_days_since_it_last_ran(process, service, engine, clock, tmp_path) -> None:
    """The tick runs every hour: the records that aged are looked for once a day, over the days since the
    last tick ran to its end (the last 31 on its first run), so a tick after a long stop misses none."""
    from credence.process import repository as repo

    service.ingest_file(
        write_csv(tmp_path / "a.csv", [row(1, severity="serious", decided_on="2026-03-01")]), "SAMR"
    )
    clock.advance(timedelta(days=30))
    process.tick()
    with engine.connect() as conn:
        assert repo.last_ran(conn, "tick") == process.today()
    asked: list[object] = []
    crossed_in = process.rating.crossed_in
    process.rating.crossed_in = lambda conn, today, since: (
        asked.append(since) or crossed_in(conn, today, since)
    )
    process.tick()  # again the same day: nothing to ask
    assert asked == [process.today()]
    with engine.connect() as conn:
        assert process.rating.crossed_in(conn, process.today(), process.today()) == set()
    full = stored_score(engine, USCC_A)
    clock.advance(timedelta(days=(date(2027, 4, 15) - process.today()).days))  # 45 days past the band
    process.tick()
    assert asked[-1] == date(2026, 12, 25)  # the day the tick last ran, however long ago
    assert stored_score(engine, USCC_A) == process.rating.explain(USCC_A, process.today()).rating.score > full
