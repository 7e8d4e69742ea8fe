"""Grounds the registry must never record (DOMAIN §1): the catalog loader refuses categories touching them.

Matching is on words and phrases in English and Chinese across a category's code, titles, description,
criteria and legal basis. Patterns are narrow on purpose ("health status", not "health") so that lawful
fields such as "public health and safety" still load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Ground:
    code: str
    label: str
    pattern: re.Pattern[str]


def _ground(code: str, label: str, english: list[str], chinese: list[str]) -> Ground:
    parts = [rf"\b{p}\b" for p in english] + [re.escape(c) for c in chinese]
    return Ground(code, label, re.compile("|".join(parts), re.IGNORECASE))


PROHIBITED_GROUNDS: tuple[Ground, ...] = (
    _ground(
        "religion",
        "belief or religion",
        [
            r"religio\w*",
            r"beliefs?",
            r"faith",
            r"worship\w*",
            r"clergy",
            r"temples?",
            r"mosques?",
            r"churche?s?",
        ],
        ["宗教", "信仰", "寺庙", "教堂", "清真寺"],
    ),
    _ground(
        "politics",
        "political opinion or affiliation",
        [r"politic\w*", r"ideolog\w*"],
        ["政治", "意识形态"],
    ),
    _ground(
        "party",
        "party-organisation status",
        [
            r"party[\s_-]+(organi[sz]ations?|members?(hip)?|branch\w*|building|committees?|cells?)",
            r"communist[\s_-]+party",
        ],
        ["党组织", "党建", "党员", "党支部", "党委"],
    ),
    _ground(
        "speech",
        "speech",
        [r"speech", r"freedom[\s_-]+of[\s_-]+expression", r"online[\s_-]+comments?"],
        ["言论"],
    ),
    _ground(
        "assembly",
        "assembly",
        [r"assembl(y|ies)", r"protests?", r"demonstrations?", r"petition\w*"],
        ["集会", "游行", "示威", "上访", "信访"],
    ),
    _ground(
        "union",
        "union activity",
        [r"(trade|labou?r)[\s_-]+unions?", r"union[\s_-]+activit\w*", r"collective[\s_-]+bargaining"],
        ["工会"],
    ),
    _ground("ethnicity", "ethnicity", [r"ethnic\w*", r"race", r"racial"], ["民族", "种族"]),
    _ground(
        "health",
        "health",
        [
            r"health[\s_-]+(status|conditions?|records?|data)",
            r"medical[\s_-]+(records?|history|conditions?)",
            r"diseases?",
            r"disabilit\w*",
            r"pregnan\w*",
        ],
        ["健康状况", "病史", "疾病", "残疾"],
    ),
    _ground("sex_life", "sex life", [r"sex(ual)?[\s_-]+(life|orientation)"], ["性生活", "性取向"]),
    _ground(
        "family",
        "family relations",
        [r"family[\s_-]+(relations?\w*|members?|background)", r"relatives", r"kinship", r"spouses?"],
        ["家庭成员", "亲属", "配偶"],
    ),
    _ground(
        "movements",
        "movements",
        [
            r"movements?[\s_-]+of[\s_-]+(persons|people|staff)",
            r"whereabouts",
            r"location[\s_-]+(history|tracking)",
            r"travel[\s_-]+(records?|history)",
        ],
        ["行踪", "出行记录"],
    ),
)


def prohibited_grounds_in(text: str) -> list[tuple[Ground, str]]:
    """Every prohibited ground the text touches, with the words that matched."""
    found = []
    for ground in PROHIBITED_GROUNDS:
        match = ground.pattern.search(text)
        if match:
            found.append((ground, match.group(0)))
    return found
