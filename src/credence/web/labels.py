"""Readable labels for the codes the pages show, in the reader's language.

A page never shows a bare code such as `farmers_cooperative` or `dishonest_judgment_debtor` as a label: the
templates write `{{ code|label }}`, or `{{ code|label("kind") }}` when they know what the code is (it
avoids a code that means two things, such as `honour`, a category and a list). The catalog names its own
codes in both languages (a category's title and title_zh, a department's name and name_zh, a measure's
title and title_zh); every other code (an organisation's kind, a list, a severity, a record's status...)
is named here, in English, marked for the message catalogs, and translated where it is shown.

A code the registry does not know is shown as it is, with its underscores as spaces: never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credence import i18n
from credence.i18n import N_, _
from credence.identity.kinds import KIND_NAMES

# What the kinds of code are called in templates: `{{ x|label("kind") }}`.
KINDS = (
    "category",
    "department",
    "measure",
    "kind",
    "list",
    "severity",
    "status",
    "polarity",
    "publicity",
    "effect",
    "class",
    "grade",
)

# Codes the catalog does not name, by kind of code (English, translated where shown).
CODES: dict[str, Mapping[str, str]] = {
    # An organisation's kind, from its code's first two characters (credence.identity.kinds.OrgKind).
    "kind": KIND_NAMES,
    # The lists with a procedure of their own (credence.catalog.model.ListKind).
    "list": {
        "serious_dishonesty": N_("Serious dishonesty list"),
        "abnormal_operation": N_("Abnormal operation list"),
        "honour": N_("Honours list"),
    },
    "severity": {
        "minor": N_("Minor"),
        "general": N_("General"),
        "serious": N_("Serious"),
    },
    # A record's status: a decision in force, or one still under review or appeal.
    "status": {
        "final": N_("Final"),
        "pending": N_("Pending, not final"),
    },
    "polarity": {
        "adverse": N_("Adverse"),
        "neutral": N_("Neutral"),
        "favourable": N_("Favourable"),
    },
    "publicity": {
        "public": N_("Public"),
        "shared": N_("Shared with public bodies"),
        "private": N_("Seen by the organisation only"),
    },
    # What a measure does (credence.measures.catalog.Effect).
    "effect": {
        "fast_track": N_("Fast track"),
        "scrutiny": N_("Closer scrutiny"),
        "restriction": N_("Restriction"),
        "exclusion": N_("Exclusion"),
    },
    # The classes of the national public credit information catalog (credence.catalog.model).
    "class": {
        "registration": N_("Registration"),
        "judicial": N_("Judicial"),
        "administrative_management": N_("Administrative management"),
        "professional_qualification": N_("Professional qualification"),
        "abnormal_operation": N_("Abnormal operation"),
        "serious_dishonesty": N_("Serious dishonesty"),
        "contract_performance": N_("Contract performance"),
        "credit_commitment": N_("Credit commitment"),
        "credit_evaluation": N_("Credit evaluation"),
        "legal_compliance": N_("Legal compliance"),
        "honour": N_("Honours"),
        "intellectual_property": N_("Intellectual property"),
        "voluntary": N_("Supplied by the organisation"),
    },
    "grade": {
        "A": N_("Grade A"),
        "B": N_("Grade B"),
        "C": N_("Grade C"),
        "D": N_("Grade D"),
    },
}


def label(code: Any, kind: str | None = None, registry: Any = None) -> str:
    """`code` as a reader reads it, in the current language. `kind` says what the code is (one of KINDS);
    without it the catalog's codes are tried first, then the tables above in their order. `registry`
    gives the catalog and the measures (None: only the tables above)."""
    if code is None or code == "":
        return ""
    text = str(getattr(code, "value", code))
    kinds = (kind,) if kind else KINDS
    zh = i18n.current() == "zh"
    catalog = getattr(registry, "catalog", None)
    measures = getattr(getattr(registry, "measures", None), "measures", None)
    for k in kinds:
        if k == "category" and catalog is not None and text in catalog.categories:
            c = catalog.categories[text]
            return str(c.title_zh if zh and c.title_zh else c.title)
        if k == "department" and catalog is not None and text in catalog.departments:
            d = catalog.departments[text]
            return str(d.name_zh if zh and d.name_zh else d.name)
        if k == "measure" and measures is not None and text in measures:
            m = measures[text]
            return str(m.title_zh if zh and m.title_zh else m.title)
        if text in CODES.get(k, {}):
            return _(CODES[k][text])
    return readable(text)


def readable(code: str) -> str:
    """A code nobody named, made readable: `some_new_kind` → `Some new kind`; `SAMR` and
    `91110000600037341L` stay as they are."""
    if code.islower():
        spaced = code.replace("_", " ")
        return spaced[:1].upper() + spaced[1:]
    return code
