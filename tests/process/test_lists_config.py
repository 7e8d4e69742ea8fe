"""The lists file is refused, naming the criterion and its line, when a criterion leaves the four fields,
cites no law, outlasts its category, or touches a prohibited ground."""

from __future__ import annotations

from pathlib import Path

import pytest

from credence.lists.config import ListsError, load_lists, parse_lists

DEFAULT = Path(__file__).parents[2].joinpath("src/credence/lists/default_lists.yaml").read_text("utf-8")


def line_of(text: str, needle: str) -> int:
    """The line of the list item (its `- code:`) holding `needle`."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if needle in line)
    return next(i for i in range(at, -1, -1) if lines[i].lstrip().startswith("- code:")) + 1


def test_the_default_lists_load(catalog) -> None:
    lists = load_lists(catalog)
    assert lists.version == "2026.1" and lists.escalation is not None
    assert {c.field for c in lists.criteria["serious_dishonesty"].values()} <= {  # type: ignore[index]
        "public_health_and_safety",
        "fair_competition_and_market_order",
        "refusal_to_perform_legal_duties",
        "national_defence_obligations",
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "field: refusal_to_perform_legal_duties",
            "field: online_speech",
            "serious_dishonesty criterion 'refused_legal_duty' (line {line}): field 'online_speech' is "
            "outside the four permitted fields",
        ),
        (
            "text: Cannot be reached at its registered address or place of business.",
            "text: Has not set up a party organisation.",
            "abnormal_operation criterion 'unreachable' (line {line}): concerns a prohibited ground "
            "(party-organisation status: 'party organisation')",
        ),
        (
            "departments: [STA]\n    max_days: 365",
            "departments: [STA]\n    max_days: 2000",
            "honour criterion 'tax_credit_a' (line {line}): max_days 2000 is outside the list category's "
            "publication period (0-1095 days)",
        ),
        (
            "    legal_basis:\n      law: Measures for the Administration of Tax Credit\n"
            "      article: Art. 29\n      law_zh: 纳税信用管理办法\n      article_zh: 第二十九条\n",
            "",
            "honour criterion 'tax_credit_a' (line {line}): has no legal_basis (every criterion cites a law "
            "and article)",
        ),
        (
            "departments: [SAMR]\n    published_on: 2026-01-15\n    max_days: 730",
            "departments: [MOF]\n    published_on: 2026-01-15\n    max_days: 730",
            "names department 'MOF', which may not record 'serious_dishonesty_listing'",
        ),
    ],
)
def test_a_bad_criterion_is_refused_with_its_line(catalog, old, new, message) -> None:
    assert old in DEFAULT
    text = DEFAULT.replace(old, new, 1)
    needle = new.splitlines()[0] if new else "code: tax_credit_a"
    with pytest.raises(ListsError) as refused:
        parse_lists(text, catalog)
    assert message.format(line=line_of(text, needle)) in str(refused.value)
