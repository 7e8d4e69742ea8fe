"""Two ratings of one organisation at once: the one that read older facts never replaces the fresher one,
whichever stores last (issue 17). Deterministic: rating A reads its facts and is held before it stores,
B reads newer facts and stores, then A stores."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from credence.rating import load_policy
from credence.rating import repository as rrepo
from credence.rating.service import RatingService

from helpers import USCC_A, notice_all, row, write_csv

AS_OF = date(2026, 11, 25)


def held(rating: RatingService, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Hold back what this service would store (its arguments, the ratings read at once: the SQL engine's
    files go with its temporary folder), to store it later by hand."""
    calls: list[tuple[Any, Any]] = []

    def hold(rated: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(((list(rated), *args), kwargs))

    monkeypatch.setattr(rating, "store", hold)
    return calls


@pytest.mark.parametrize("one_by_one", [True, False], ids=["python engine", "sql engine"])
def test_a_rating_of_older_facts_stored_last_does_not_replace_a_fresher_one(
    one_by_one, service, engine, catalog, clock, settings, tmp_path, monkeypatch
) -> None:
    policy = load_policy(catalog)
    service.ingest_file(write_csv(tmp_path / "a.csv", [row(1, severity="general")]), "SAMR")
    notice_all(engine, service)
    with engine.connect() as conn:
        org = rrepo.find_organisation(conn, USCC_A).id
    ids = [org] if one_by_one else None
    a, b = (RatingService(engine, catalog, policy, clock, settings) for _ in "ab")
    a_stores = held(a, monkeypatch)
    a.rate(ids, as_of=AS_OF, cause="rating A")  # reads the facts: one general penalty
    clock.advance(timedelta(minutes=1))
    service.ingest_file(write_csv(tmp_path / "b.csv", [row(2, severity="serious")]), "SAMR")
    notice_all(engine, service)
    clock.advance(timedelta(minutes=1))
    b.rate(ids, as_of=AS_OF, cause="rating B")  # reads both penalties, and stores
    with engine.connect() as conn:
        fresh = rrepo.rating_of(conn, org)
    clock.advance(timedelta(minutes=1))
    ((args, kwargs),) = a_stores
    stale = RatingService.store(a, *args, **kwargs)  # A stores last
    assert stale.grade_changes == 0
    with engine.connect() as conn:
        stored = rrepo.rating_of(conn, org)
        history = rrepo.history_of(conn, org)
    assert (stored.score, stored.grade, stored.reasons) == (fresh.score, fresh.grade, fresh.reasons)
    assert stored.score < 1000 - 100  # B's: both penalties count
    assert [h.cause for h in history] == ["rating B"]  # nothing of A's


def test_a_rating_of_newer_facts_replaces_an_older_one(service, engine, catalog, clock, settings, tmp_path):
    """The other way round: A read first and stores first, B read later and stores after it: B's stays."""
    policy = load_policy(catalog)
    service.ingest_file(write_csv(tmp_path / "a.csv", [row(1, severity="general")]), "SAMR")
    notice_all(engine, service)
    with engine.connect() as conn:
        org = rrepo.find_organisation(conn, USCC_A).id
    rating = RatingService(engine, catalog, policy, clock, settings)
    rating.rate([org], as_of=AS_OF, cause="first")
    clock.advance(timedelta(minutes=1))
    service.ingest_file(write_csv(tmp_path / "b.csv", [row(2, severity="serious")]), "SAMR")
    notice_all(engine, service)
    assert rating.rate([org], as_of=AS_OF, cause="second").grade_changes == 1
    with engine.connect() as conn:
        assert [h.cause for h in rrepo.history_of(conn, org)] == ["first", "second"]
