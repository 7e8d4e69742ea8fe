"""Grounds the registry must never record (DOMAIN §1), as the loaders of rules see them: a catalog
category, list criterion, measure or commitment template touching one does not load.

The grounds and their terms are the screening lexicon (credence/screening/lexicon.yaml), the same that
screens every record; laws whose subject is a ground are credence/screening/denied_laws.yaml. Terms are
narrow on purpose ("health status", not "health") so that lawful fields such as "public health and
safety" still load.
"""

from __future__ import annotations

from credence.screening import Ground, Screen
from credence.screening.laws import LawRef
from credence.screening.personal import find_personal_data

__all__ = ["Ground", "prohibited_grounds_in", "rule_refusals"]


def prohibited_grounds_in(text: str, screen: Screen | None = None) -> list[tuple[Ground, str]]:
    """Every prohibited ground the text touches, with the words that matched (the operator's own file,
    so the words may be shown)."""
    lexicon = (screen or Screen.default()).lexicon
    return [(hit.ground, hit.words) for hit in lexicon.grounds_in(text)]


def rule_refusals(text: str, legal_basis: str = "", screen: Screen | None = None) -> list[str]:
    """Why a rule may not load: each ground its text touches, a denied law its legal basis cites, and a
    natural person's data in either. Each reason is a phrase for "…; no list may use it"."""
    screen = screen or Screen.default()
    reasons = [
        f"concerns a prohibited ground ({ground.label}: '{words}')"
        for ground, words in prohibited_grounds_in(f"{text} {legal_basis}", screen)
    ]
    if legal_basis:
        law = screen.denied.cited_in(legal_basis)
        if law is not None:
            reasons.append(
                f"rests on {law.law}, whose subject is a prohibited ground ({law.ground}): {law.why}"
            )
    for field, value in (("text", text), ("legal basis", legal_basis)):
        # A rule is refused only on personal data the screen finds after the prohibited grounds, as
        # screen.text finds it; said in the operator's English, as the other reasons are.
        kind = find_personal_data(value) if value and screen.lexicon.first(value) is None else None
        if kind is not None:
            reasons.append(f"its {field} carries a natural person's data ({kind})")
    return reasons


def denied_base(base: LawRef, screen: Screen | None = None) -> str | None:
    """Why a law may not be among a category's bases, or None."""
    law = (screen or Screen.default()).denied.overlapping(base)
    if law is None:
        return None
    return f"lists {base.law}, whose subject is a prohibited ground ({law.ground}): {law.why}"
