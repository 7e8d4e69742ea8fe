"""The reasons add up (issue 16): an explanation's lines (the starting score, the records, the caps, the
records the reader may not see in one line, the favourable cap, the floor and the ceiling) sum exactly to
the score, on random registries, under the shipped policy and under tables altered to reach every part;
and the grade limit says which rule holds the grade."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engines_agree import CATEGORIES, START, VARIANTS, records

from credence.i18n import language
from credence.rating import load_policy
from credence.rating.engine import RecordFacts, compile_policy, rate_one, reckon
from credence.rating.service import Explanation, reckoning_lines

AS_OF = date(2026, 11, 25)


def penalty(n: int, severity: str = "serious", days_ago: int = 10, category: str = "administrative_penalty"):
    return RecordFacts(n, f"P-{n}", category, severity, "final", AS_OF - timedelta(days=days_ago))


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n=st.integers(0, 30),
    as_of=st.integers(0, 1800).map(lambda d: START + timedelta(days=d)),
    hidden=st.sets(st.sampled_from(CATEGORIES)),
    most=st.integers(0, 6),
)
def test_the_lines_always_sum_to_the_score(catalog, variant, data, n, as_of, hidden, most) -> None:
    tables = VARIANTS[variant](compile_policy(load_policy(catalog), catalog))
    facts = [data.draw(records(i + 1))[1] for i in range(n)]
    rating = rate_one(tables, facts, as_of)
    lines = reckon(tables, rating, lambda category: category not in hidden, most)
    assert sum(line.points for line in lines) == rating.score
    assert lines[0].kind == "start" and lines[0].points == tables.base_score
    # The records the reader may not see are counted, never named, and not one is left out.
    counted = [c for c in rating.contributions if c.points]
    unseen = [c for c in counted if c.category in hidden]
    assert not any(line.record is not None and line.record.category in hidden for line in lines)
    assert not any(line.kind == "cap" and line.category in hidden for line in lines)
    assert sum(line.count for line in lines if line.kind == "hidden") == len(unseen)
    shown = [line for line in lines if line.kind == "record"]
    assert len(shown) == min(most, len(counted) - len(unseen))
    assert sum(line.count for line in lines if line.kind == "others") == len(counted) - len(unseen) - len(
        shown
    )
    limits = [line for line in lines if line.kind == "grade_limit"]
    assert len(limits) == (rating.grade_limited_by is not None)
    for limit in limits:
        assert limit.points == 0 and limit.grade == rating.grade
        assert limit.rule == (None if limit.category is None else rating.grade_limited_by)


def test_a_cap_is_a_line_of_its_own(catalog) -> None:
    """Three serious penalties take 600 points; the cap on administrative penalties (400) gives 200 back,
    so the lines read 1,000 - 200 - 200 - 200 + 200 = 600, the score."""
    tables = compile_policy(load_policy(catalog), catalog)
    facts = [penalty(1), penalty(2, days_ago=20), penalty(3, days_ago=30)]
    rating = rate_one(tables, facts, AS_OF)
    assert rating.score == 600
    lines = reckon(tables, rating)
    assert [(line.kind, line.points) for line in lines] == [
        ("start", 1000),
        ("record", -200),
        ("record", -200),
        ("record", -200),
        ("cap", 200),
    ]
    found = Explanation(object(), rating, [], [], tables)
    texts = found.reason_lines(catalog)
    assert texts[0] == "1,000 points: the starting score"
    assert (
        texts[1]
        == "-200 points: administrative penalty P-1 of 15 Nov 2026, serious; published until 14 Nov 2029"
    )
    assert texts[4] == "+200 points: administrative penalty records count at most 400 points in all"


def test_hidden_records_floors_ceilings_and_grade_limits(catalog) -> None:
    """The arrears are shared with public bodies only: one line says how much they take, not what they
    are, their cap included. A dishonest judgment debtor holds the grade at C, said in its own line."""
    tables = compile_policy(load_policy(catalog), catalog)
    facts = [
        penalty(1, severity=None, category="dishonest_judgment_debtor"),
        penalty(2, severity=None, category="social_insurance_arrears"),
        penalty(3, severity=None, category="social_insurance_arrears", days_ago=11),
        penalty(4, severity=None, category="social_insurance_arrears", days_ago=12),
    ]
    rating = rate_one(tables, facts, AS_OF)
    assert (rating.score, rating.grade, rating.grade_limited_by) == (500, "D", None)
    found = Explanation(object(), rating, [], [], tables)
    assert found.public_reason_lines(catalog) == [
        "1,000 points: the starting score",
        "-300 points: dishonest judgment debtor (enforcement) P-1 of 15 Nov 2026; "
        "published until 14 Nov 2028",
        "-200 points: 3 records shared only with public bodies",
    ]
    assert sum(line.points for line in found.public_reckoning(catalog)) == 500
    # A year on, without the arrears, the judgment weighs 60% (820, B by score), and its rule holds the
    # grade at C: a line of its own, naming the rule by its category.
    held = rate_one(
        tables, [penalty(1, severity=None, category="dishonest_judgment_debtor", days_ago=400)], AS_OF
    )
    assert (held.score, held.grade, held.grade_limited_by) == (820, "C", "dishonest_judgment_debtor")
    assert Explanation(object(), held, [], [], tables).public_reason_lines(catalog)[-1] == (
        "The grade is held at C while a dishonest judgment debtor (enforcement) record counts (the score "
        "alone gives B)"
    )
    # The same rule on a category the reader may not see holds the grade without naming it.
    unnamed = [line for line in reckon(tables, held, lambda c: c != "dishonest_judgment_debtor")]
    assert [(line.kind, line.rule, line.category) for line in unnamed][-1] == ("grade_limit", None, None)
    assert reckoning_lines(catalog, unnamed)[-1] == (
        "The grade is held at C by a record shared only with public bodies (the score alone gives B)"
    )
    # A floor: the score never falls below it, and its line says how much it gave.
    floored = dataclasses.replace(tables, floor=600)
    low = rate_one(floored, facts, AS_OF)
    assert low.score == 600
    kinds = [(line.kind, line.points) for line in reckon(floored, low)]
    assert kinds[-1] == ("floor", 100) and sum(p for _, p in kinds) == 600


def test_the_lines_are_chinese_in_chinese(catalog) -> None:
    tables = compile_policy(load_policy(catalog), catalog)
    rating = rate_one(tables, [penalty(1), penalty(2), penalty(3)], AS_OF)
    with language("zh"):
        texts = reckoning_lines(catalog, reckon(tables, rating))
    assert texts[0] == "1,000 分：起始分"
    assert "行政处罚" in texts[1] and "严重" in texts[1] and "2029年11月14日" in texts[1]
    assert "400" in texts[4] and "行政处罚" in texts[4]
