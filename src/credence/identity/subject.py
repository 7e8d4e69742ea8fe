"""Which texts name a subject of the registry: organisations by USCC or LEI, and nobody else (DOMAIN §1).

Natural persons, religious bodies and trade unions are refused by design, not by configuration.

>>> resolve_subject('91110000600037341L').key
'uscc:91110000600037341L'
>>> resolve_subject('5493001KJTIIGC8Y1R12').scheme
'lei'
>>> resolve_subject('11010519491231002X')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.SubjectRefused: natural persons are not subjects of this registry:
    this is a Chinese resident identity card number, and only organisations can be recorded
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stdnum.cn import ric

from credence.identity.errors import IdentifierError, SubjectRefused
from credence.identity.kinds import OrgKind
from credence.identity.lei import parse_lei
from credence.identity.uscc import parse_uscc

__all__ = ["Scheme", "SubjectId", "refuse_kind", "resolve_subject"]

Scheme = Literal["uscc", "lei"]


@dataclass(frozen=True, slots=True)
class SubjectId:
    """An organisation the registry may hold records on; obtain one from `resolve_subject`."""

    scheme: Scheme
    code: str
    kind: OrgKind | None  # None for an LEI, which does not encode what kind of body holds it
    # A sole proprietor's business is one person's livelihood: its records are never published.
    never_public: bool

    @property
    def key(self) -> str:
        """Stable storage key, e.g. ``uscc:91110000600037341L``."""
        return f"{self.scheme}:{self.code}"

    def __str__(self) -> str:
        return self.key


_REFUSALS: dict[OrgKind, SubjectRefused] = {
    OrgKind.RELIGIOUS_BODY: SubjectRefused(
        "religious_body",
        "religious bodies (USCC prefixes 71, 72, 79) are out of scope by design: "
        "the registry keeps no records that touch on religion or belief",
    ),
    OrgKind.TRADE_UNION: SubjectRefused(
        "trade_union",
        "trade unions (USCC prefixes 81, 89) are out of scope by design: "
        "union activity must never become a credit record",
    ),
}


def refuse_kind(kind: OrgKind | None) -> SubjectRefused | None:
    """The refusal for a kind of organisation the registry must not hold records on, else None.

    Returns a fresh exception each time, so callers may raise it.
    """
    refusal = _REFUSALS.get(kind) if kind is not None else None
    return None if refusal is None else SubjectRefused(refusal.reason, refusal.message)


def _is_resident_id(text: str) -> bool:
    try:
        return bool(ric.is_valid(text))
    except KeyError:
        # python-stdnum 2.2 raises KeyError('county') for a known province with an unknown county code
        # (e.g. 110001...) instead of returning False; such a number is not a valid RIC by its own rules.
        return False


def resolve_subject(text: str) -> SubjectId:
    """Decide whether the text names a subject, and which.

    The scheme follows from the length: 18 characters is a USCC, 20 an LEI. Raises `IdentifierError`
    for a malformed identifier and `SubjectRefused` for a well-formed one the registry must not hold.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    length = len(text.strip())
    if length == 18:
        try:
            uscc = parse_uscc(text)
        except IdentifierError:
            # A person's ID number gets the refusal it deserves rather than an invitation to "fix" its
            # check character. A code valid under both rules is a USCC. The message does not repeat it.
            if _is_resident_id(text):
                raise SubjectRefused(
                    "natural_person",
                    "natural persons are not subjects of this registry: this is a Chinese resident identity "
                    "card number, and only organisations can be recorded",
                ) from None
            raise
        refusal = refuse_kind(uscc.kind)
        if refusal is not None:
            raise refusal
        return SubjectId("uscc", uscc.code, uscc.kind, uscc.kind is OrgKind.SOLE_PROPRIETOR)
    if length == 20:
        return SubjectId("lei", parse_lei(text).code, None, False)
    noun = "character" if length == 1 else "characters"
    raise IdentifierError("length", f"{length} {noun} is neither an 18-character USCC nor a 20-character LEI")
