"""The rating policy: loading, refusing bad policies by name, and what the rules do to a score."""

from __future__ import annotations

from datetime import date

import pytest

from credence.rating import PolicyError, load_policy, parse_policy
from credence.rating.engine import RecordFacts, compile_policy, rate_one
from credence.rating.policy import shipped_versions

AS_OF = date(2026, 11, 25)


def shipped_text() -> str:
    from importlib import resources

    return resources.files("credence.rating").joinpath("policies", "2026.1.yaml").read_text("utf-8")


def test_the_shipped_policy_loads_with_its_hash(catalog) -> None:
    policy = load_policy(catalog)
    assert policy.version == "2026.2" == shipped_versions()[-1]
    assert len(policy.sha256) == 64 and "serious_dishonesty_listing" in policy.rules


def test_an_earlier_version_stays_readable_and_2026_2_drops_only_the_debarment(catalog) -> None:
    # Past ratings keep their version: 2026.1 still loads by name. 2026.2 is 2026.1 without the
    # development bank's debarment, a decision abroad that has effect only in the domain its legal basis
    # names (issue 15); no version counts an international sanction.
    old, new = load_policy(catalog, "2026.1"), load_policy(catalog, "2026.2")
    assert shipped_versions() == ["2026.1", "2026.2"]
    assert set(old.rules) - set(new.rules) == {"development_bank_debarment"}
    assert all(new.rules[c] == old.rules[c] for c in new.rules)
    assert old.doc.model_dump(exclude={"version", "published", "description", "rules"}) == new.doc.model_dump(
        exclude={"version", "published", "description", "rules"}
    )
    assert "international_sanction" not in old.rules and "international_sanction" not in new.rules
    assert "only in the domain its legal basis names" in new.doc.description


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("category: honour", "category: honours"), "rule 'honour' (line 8"),
        (("category: honour", "category: honours"), "is about category 'honours', which the catalog lacks"),
        (("points: {any: 20}", "points: {any: -20}"), "takes points for a favourable category ('honour')"),
        (("points: {any: 20}", "points: {any: 20000}"), "points are at most 10,000 in absolute value"),
        (("points: {any: -80}", "points: {general: -80}"), "category 'court_judgment' has no severity"),
        (("grade_at_most: D", "grade_at_most: E"), "grade_at_most 'E' is not one of A, B, C, D"),
        (("{grade: B, min_score: 800", "{grade: B, min_score: 990"), "thresholds must fall strictly"),
        (("pending_percent: 50", "pending_percent: 150"), "pending_percent: Input should be less than"),
    ],
)
def test_a_bad_policy_is_refused_by_name(catalog, change, message) -> None:
    old, new = change
    text = shipped_text()
    assert old in text
    with pytest.raises(PolicyError) as info:
        parse_policy(text.replace(old, new, 1), catalog, "bad.yaml")
    if message.startswith("rule 'honour' (line"):
        line = text.replace(old, new, 1).splitlines().index("  - name: honour") + 1
        message = f"rule 'honour' (line {line})"
    assert message in str(info.value)


def rec(n: int, category: str, severity: str | None, decided: str, **kw: str) -> RecordFacts:
    return RecordFacts(
        n,
        f"R-{n}",
        category,
        severity,
        kw.get("status", "final"),
        date.fromisoformat(decided),
        kw.get("state", "active"),
    )


def test_rules_decay_pending_caps_and_limits(catalog) -> None:
    tables = compile_policy(load_policy(catalog), catalog)
    clean = rate_one(tables, [], AS_OF)
    assert (clean.score, clean.grade, clean.reasons) == (1000, "A", ())

    one = rate_one(tables, [rec(1, "administrative_penalty", "serious", "2026-06-01")], AS_OF)
    assert (one.score, one.grade) == (800, "B") and one.reasons[0].points == -200
    # The same penalty 400 days old counts 60%; pending, half of that.
    aged = rate_one(
        tables, [rec(1, "administrative_penalty", "serious", "2025-10-21", status="pending")], AS_OF
    )
    assert aged.reasons[0].points == -60 and aged.score == 940
    # Out of publication (serious: 1,095 days) or withdrawn, it no longer counts.
    assert rate_one(tables, [rec(1, "administrative_penalty", "serious", "2023-01-01")], AS_OF).score == 1000
    withdrawn = rec(1, "administrative_penalty", "serious", "2026-06-01", state="withdrawn")
    assert rate_one(tables, [withdrawn], AS_OF).score == 1000
    # Minor penalties are never published, so never count.
    assert (
        rate_one(tables, [rec(1, "administrative_penalty", "minor", "2026-06-01")], AS_OF).contributions == ()
    )
    # Penalties are capped at 400 points in all.
    many = [rec(i, "administrative_penalty", "serious", "2026-06-01") for i in range(1, 6)]
    assert rate_one(tables, many, AS_OF).score == 600
    # Honours add at most 60 points: they cannot hide a fault.
    honours = [rec(i, "honour", None, "2026-01-01") for i in range(10, 20)]
    assert rate_one(tables, honours, AS_OF).score == 1060
    # A serious-dishonesty listing holds the grade at D whatever the score: 542 days old it weighs
    # 60% of 500, which alone would leave a C.
    listing = rate_one(tables, [rec(1, "serious_dishonesty_listing", None, "2025-06-01")], AS_OF)
    assert (listing.score, listing.grade, listing.grade_limited_by) == (
        700,
        "D",
        "serious_dishonesty_listing",
    )


def test_reasons_are_the_four_heaviest(catalog) -> None:
    tables = compile_policy(load_policy(catalog), catalog)
    records = [
        rec(1, "court_judgment", None, "2026-01-01"),
        rec(2, "administrative_penalty", "general", "2026-02-01"),
        rec(3, "abnormal_operation", None, "2026-03-01"),
        rec(4, "honour", None, "2026-04-01"),
        rec(5, "social_insurance_arrears", None, "2026-05-01"),
        rec(6, "administrative_licence", None, "2026-05-01"),
    ]
    rating = rate_one(tables, records, AS_OF)
    assert [c.record_id for c in rating.reasons] == [3, 5, 1, 2]
    assert len(rating.contributions) == 5  # the licence is neutral


def test_every_shipped_policy_has_a_chinese_translation_made_for_its_file(catalog) -> None:
    """The policy is published in English (its SHA-256 covers that text); each shipped version has a
    Chinese translation for reading, which names that SHA-256 and gives every grade and rule."""
    from dataclasses import replace

    from credence.rating.policy import translation

    for version in shipped_versions():
        policy = load_policy(catalog, version)
        chinese = translation(policy, "zh")
        assert chinese is not None, f"{version} has no Chinese translation"
        assert chinese.problems(policy, catalog) == []
        assert set(chinese.rules) == {r.name for r in policy.doc.rules}
        assert translation(policy, "en") is None  # English is the published text itself
        changed = replace(policy, sha256="0" * 64)  # the same version, another file: not its translation
        assert translation(changed, "zh") is None
        assert any("not this policy" in p for p in chinese.problems(changed, catalog))
    older, newer = load_policy(catalog, "2026.1"), load_policy(catalog, "2026.2")
    short = translation(newer, "zh")
    assert short is not None
    problems = short.problems(older, catalog)  # 2026.2's words lack 2026.1's debarment rule
    assert any("missing ['development_bank_debarment']" in p for p in problems)


def test_policy_show_reads_in_chinese_from_the_translation(tmp_path) -> None:
    from typer.testing import CliRunner

    from credence.cli.main import app

    env = {"CREDENCE_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    chinese = CliRunner().invoke(app, ["policy", "show"], env={**env, "CREDENCE_LANG": "zh"})
    assert chinese.exit_code == 0, chinese.output
    assert "Credence 默认评级政策" in chinese.output and "以英文文本为准" in chinese.output
    assert "无有分量的不利记录在公示" in chinese.output and "每个主体的起始分为" in chinese.output
    english = CliRunner().invoke(app, ["policy", "show"], env={**env, "CREDENCE_LANG": "en"})
    assert "Credence default rating policy" in english.output and "No adverse record" in english.output
    assert "Every organisation starts at 1000 points" in english.output and "以英文" not in english.output
