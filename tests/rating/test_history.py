"""The rating history records the score at every change, not only at a change of grade (issue 16): its
score column was stale while a record aged from one decay band into the next and the grade held. Both
ways of storing ratings (the SQL engine over the registry, the Python engine one by one) add the row; a
rating that changes nothing adds none, and only a change of grade is logged and counted as one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from credence.cli.main import app
from credence.rating import load_policy
from credence.rating import repository as rrepo
from credence.rating.service import RatingService
from credence.store.models import LogEntry

from helpers import USCC_A, USCC_B, notice_all, row, write_csv

AS_OF = date(2026, 11, 25)


@pytest.fixture
def rating(engine, catalog, clock, settings) -> RatingService:
    return RatingService(engine, catalog, load_policy(catalog), clock, settings)


def org_id(engine, code: str) -> int:
    with engine.connect() as conn:
        found = rrepo.find_organisation(conn, code)
    assert found is not None
    return int(found.id)


def history(engine, organisation_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return [(h.as_of, h.old_grade, h.new_grade, h.score) for h in rrepo.history_of(conn, organisation_id)]


def grade_events(engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(LogEntry).where(LogEntry.kind == "rating.changed")
            ).scalar_one()
        )


@pytest.mark.parametrize("one_by_one", [False, True], ids=["registry", "one-by-one"])
def test_a_change_of_score_alone_adds_a_row(service, rating, engine, tmp_path, one_by_one) -> None:
    rows = [
        row(1, severity="serious", decided_on="2026-06-01"),  # A's: -200, B
        row(
            2, subject_id=USCC_B, category="administrative_licence", severity=None, amount=None, currency=None
        ),
    ]
    service.ingest_file(write_csv(tmp_path / "a.csv", rows), "SAMR")
    notice_all(engine, service)
    a, b = org_id(engine, USCC_A), org_id(engine, USCC_B)
    ids = [a, b] if one_by_one else None
    assert rating.rate(ids, as_of=AS_OF).grade_changes == 2
    events = grade_events(engine)
    # A year on the penalty weighs 60% (-120): the score is 880 and the grade still B.
    later = rating.rate(ids, as_of=date(2027, 6, 2))
    assert later.grade_changes == 0
    assert history(engine, a) == [(AS_OF, None, "B", 800), (date(2027, 6, 2), "B", "B", 880)]
    assert history(engine, b) == [(AS_OF, None, "A", 1000)]  # unchanged: no row
    assert grade_events(engine) == events  # a score alone is not a change of grade: nothing logged
    with engine.connect() as conn:
        assert rrepo.rating_of(conn, a).score == 880
    # The same day again changes nothing and adds nothing.
    rating.rate(ids, as_of=date(2027, 6, 2))
    assert len(history(engine, a)) == 2
    # Two years on, 30% (-60): 940, still B; then it leaves publication: A.
    rating.rate(ids, as_of=date(2028, 6, 2))
    assert rating.rate(ids, as_of=date(2029, 7, 1)).grade_changes == 1
    assert [h[1:] for h in history(engine, a)] == [
        (None, "B", 800),
        ("B", "B", 880),
        ("B", "B", 940),
        ("B", "A", 1000),
    ]


def test_the_command_line_says_unchanged_for_a_change_of_score_alone(
    store_url, tmp_path, monkeypatch
) -> None:
    """A step that changes the score but not the grade is not reported as a change of grade."""
    monkeypatch.chdir(tmp_path)
    env = {"CREDENCE_DATABASE_URL": store_url}
    runner = CliRunner()
    # The command line's today is the machine's: the serious penalty, 400 days old, weighs 60% (-120); the
    # general one, 200 days old, all its 60 points (a general penalty is published for a year).
    rows = [
        row(1, severity="serious", decided_on=(date.today() - timedelta(days=400)).isoformat()),
        row(3, severity="general", decided_on=(date.today() - timedelta(days=200)).isoformat()),
    ]
    path = write_csv(tmp_path / "a.csv", rows)
    assert runner.invoke(app, ["ingest", str(path), "-d", "SAMR"], env=env).exit_code == 0
    notice = ["--actor", "SAMR clerk", "--channel", "by mail"]
    first = runner.invoke(app, ["records", "notice", "SAMR", "XZCF-2026-0001", *notice], env=env)
    assert "grade now B, score 880 (was A: the grade changed)" in first.output
    second = runner.invoke(app, ["records", "notice", "SAMR", "XZCF-2026-0003", *notice], env=env)
    assert "grade now B, score 820 (unchanged)" in second.output, second.output
