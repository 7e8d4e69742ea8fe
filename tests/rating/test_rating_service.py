"""Ratings in the store: re-rating on ingest and by date, history of grade changes, explanations."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from credence.cli.main import app
from credence.rating import load_policy
from credence.rating import repository as rrepo
from credence.rating.service import RatingService, UnknownOrganisation

from helpers import USCC_A, USCC_B, grant_honour, notice_all, row, write_csv

AS_OF = date(2026, 11, 25)


@pytest.fixture
def rating(engine, catalog, clock, settings) -> RatingService:
    return RatingService(engine, catalog, load_policy(catalog), clock, settings)


def org_id(engine, code: str) -> int:
    with engine.connect() as conn:
        found = rrepo.find_organisation(conn, code)
    assert found is not None
    return int(found.id)


def test_rate_stores_ratings_with_policy_and_records_grade_changes(service, rating, engine, tmp_path) -> None:
    rows = [
        row(1, severity="serious", decided_on="2026-06-01"),  # A's: -200 -> 800, B
        row(
            2, subject_id=USCC_B, category="administrative_licence", severity=None, amount=None, currency=None
        ),
    ]
    service.ingest_file(write_csv(tmp_path / "a.csv", rows), "SAMR")
    grant_honour(service)
    notice_all(engine, service)
    first = rating.rate(as_of=AS_OF)
    assert (first.rated, first.grade_changes) == (2, 2)
    a, b = org_id(engine, USCC_A), org_id(engine, USCC_B)
    with engine.connect() as conn:
        stored = rrepo.rating_of(conn, a)
        assert (stored.score, stored.grade, stored.policy_version) == (800, "B", "2026.2")
        assert stored.policy_sha256 == rating.policy.sha256
        assert json.loads(stored.reasons)[0]["points"] == -200
        assert rrepo.rating_of(conn, b).grade == "A"
    # The same date again: nothing changes, no new history.
    assert rating.rate(as_of=AS_OF).grade_changes == 0
    # Three years later the penalty has left publication: A again, one history row with its cause.
    later = rating.rate(as_of=date(2029, 7, 1), cause="annual re-rating")
    assert later.grade_changes == 1
    with engine.connect() as conn:
        history = rrepo.history_of(conn, a)
    assert [(h.old_grade, h.new_grade, h.cause) for h in history] == [
        (None, "B", "re-rated as of 2026-11-25 under policy 2026.2"),
        ("B", "A", "annual re-rating"),
    ]


def test_explain_gives_reasons_and_what_would_change(service, rating, engine, tmp_path) -> None:
    rows = [row(1, severity="serious", decided_on="2026-06-01", source_record_id="XZCF-2026-0123")]
    service.ingest_file(write_csv(tmp_path / "a.csv", rows), "SAMR")
    assert rating.explain(USCC_A, AS_OF).rating.grade == "A"  # no notice yet: it does not count
    notice_all(engine, service)
    found = rating.explain(USCC_A, AS_OF)
    assert (found.rating.score, found.rating.grade) == (800, "B")
    assert found.reason_lines(rating.catalog) == [
        "1,000 points: the starting score",
        "-200 points: administrative penalty XZCF-2026-0123 of 1 Jun 2026, serious; "
        "published until 31 May 2029",
    ]
    # Ageing takes it to 60% (880) and 30% (940) of its weight, both still B; only leaving publication
    # gives an A.
    assert found.change_lines(rating.catalog) == [
        "grade A from 31 May 2029, when administrative penalty XZCF-2026-0123 leaves publication",
        "grade A if administrative penalty XZCF-2026-0123 is repaired and leaves publication",
    ]
    with pytest.raises(UnknownOrganisation, match="no organisation '91330100799655058B'"):
        rating.explain("91330100799655058B", AS_OF)


def test_ingest_and_withdrawal_re_rate_from_the_command_line(store_url, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"CREDENCE_DATABASE_URL": store_url}
    runner = CliRunner()
    path = write_csv(tmp_path / "a.csv", [row(1, severity="serious", decided_on="2026-06-01")])
    result = runner.invoke(app, ["ingest", str(path), "-d", "SAMR", "--json"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["rated"], summary["grade_changes"]) == (1, 1)
    explained = runner.invoke(app, ["explain", USCC_A, "--as-of", "2026-11-25", "--json"], env=env)
    assert json.loads(explained.output)["grade"] == "A"  # nothing counts before its notice is logged
    noticed = runner.invoke(
        app,
        ["records", "notice", "SAMR", "XZCF-2026-0001", "--actor", "SAMR clerk", "--channel", "by mail"],
        env=env,
    )
    assert noticed.exit_code == 0 and "grade now B" in noticed.output and "grade changed" in noticed.output
    again = runner.invoke(
        app, ["records", "notice", "SAMR", "XZCF-2026-0001", "--actor", "x", "--channel", "y"], env=env
    )
    assert again.exit_code == 2 and "no notice awaiting delivery" in again.output
    explained = runner.invoke(app, ["explain", USCC_A, "--as-of", "2026-11-25", "--json"], env=env)
    assert json.loads(explained.output)["grade"] == "B"
    withdrawn = runner.invoke(
        app,
        ["records", "withdraw", "SAMR", "XZCF-2026-0001", "--actor", "SAMR clerk", "--reason", "quashed"],
        env=env,
    )
    assert (
        withdrawn.exit_code == 0 and "grade now A" in withdrawn.output and "grade changed" in withdrawn.output
    )
    explained = runner.invoke(app, ["explain", USCC_A, "--as-of", "2026-11-25", "--json"], env=env)
    assert json.loads(explained.output)["grade"] == "A"
    unknown = runner.invoke(app, ["explain", "91330100799655058B"], env=env)
    assert unknown.exit_code == 1 and "no organisation" in unknown.output
    bad_date = runner.invoke(app, ["rate", "--as-of", "2026-13-01"], env=env)
    assert bad_date.exit_code == 2 and "--as-of '2026-13-01' is not a date" in bad_date.output


def test_policy_check_names_the_rule(tmp_path: Path, catalog) -> None:
    from importlib import resources

    text = resources.files("credence.rating").joinpath("policies", "2026.1.yaml").read_text("utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(text, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("category: court_judgment", "category: court_judgement"), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["policy", "check", str(good)])
    assert ok.exit_code == 0 and "version 2026.1, 11 rules" in ok.output
    refused = runner.invoke(app, ["policy", "check", str(bad)])
    assert refused.exit_code == 1
    assert (
        "rule 'court_judgment'" in refused.output
        and "'court_judgement', which the catalog lacks" in refused.output
    )


def test_rate_on_an_empty_registry(rating, engine) -> None:
    assert rating.rate(as_of=AS_OF).rated == 0
    with engine.connect() as conn:
        assert conn.execute(select(rrepo.ratings)).first() is None


def test_one_by_one_and_batch_store_the_same(service, rating, engine, tmp_path) -> None:
    rows = [
        row(
            i,
            subject_id=[USCC_A, USCC_B][i % 2],
            severity=["general", "serious"][i % 3 % 2],
            decided_on=f"2026-0{1 + i % 9}-1{i % 10}",
            status=["final", "pending"][i % 4 == 0],
        )
        for i in range(1, 40)
    ]
    service.ingest_file(write_csv(tmp_path / "a.csv", rows), "SAMR")
    notice_all(engine, service)
    ids = [org_id(engine, USCC_A), org_id(engine, USCC_B)]

    def stored() -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(rrepo.rating_of(conn, i))[:6] for i in ids]

    rating.rate(as_of=AS_OF)  # the SQL engine over the whole registry
    batch = stored()
    assert rating.rate(ids, as_of=AS_OF).grade_changes == 0  # the Python engine, one by one
    assert stored() == batch
