"""Which texts name a subject of the registry: organisations by USCC or LEI, and nobody else (DOMAIN §1).

Natural persons, religious bodies and trade unions are refused by design, not by configuration. A text
is NFKC-folded first, and a resident identity number is refused before any USCC check: a number valid
under both rules is taken for a person (see docs/identity.md).

>>> resolve_subject('91110000600037341L').key
'uscc:91110000600037341L'
>>> resolve_subject('５４９３００１ＫＪＴＩＩＧＣ８Ｙ１Ｒ１２').key  # full-width, as typed in Chinese
'lei:5493001KJTIIGC8Y1R12'
>>> resolve_subject('11010519491231002X')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.SubjectRefused: natural persons are not subjects of this registry:
    this is a Chinese resident identity card number, and only organisations can be recorded
>>> resolve_subject('31011519550312009J')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.SubjectRefused: this looks like a resident identity number;
    natural persons are not recorded
>>> resolve_subject('9111-0000-6000-3734-1L')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: there is a hyphen at position 5:
    write the code without spaces or hyphens
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from credence.i18n import N_, _, ngettext
from credence.identity.errors import IdentifierError, SubjectError, SubjectRefused
from credence.identity.kinds import OrgKind
from credence.identity.lei import parse_lei
from credence.identity.resident import find_resident_ids, fold, is_resident_id, looks_like_resident_id
from credence.identity.uscc import parse_uscc

__all__ = [
    "IDENTIFIER_EXPECTED",
    "Scheme",
    "SubjectId",
    "not_an_identifier",
    "person_refusal",
    "refuse_kind",
    "resolve_subject",
]

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
        N_(
            "religious bodies (USCC prefixes 71, 72, 79) are out of scope by design: "
            "the registry keeps no records that touch on religion or belief"
        ),
    ),
    OrgKind.TRADE_UNION: SubjectRefused(
        "trade_union",
        N_(
            "trade unions (USCC prefixes 81, 89) are out of scope by design: "
            "union activity must never become a credit record"
        ),
    ),
}


def refuse_kind(kind: OrgKind | None) -> SubjectRefused | None:
    """The refusal for a kind of organisation the registry must not hold records on, else None.

    Returns a fresh exception each time, so callers may raise it, in the current language.
    """
    refusal = _REFUSALS.get(kind) if kind is not None else None
    return None if refusal is None else SubjectRefused(refusal.reason, _(refusal.message))


# The three messages never repeat the number, and never say what its check character "should" be (in
# either language: their translations hold no placeholder). Translated where they are raised.
PERSON = N_(
    "natural persons are not subjects of this registry: this is a Chinese resident identity card number, "
    "and only organisations can be recorded"
)
LOOKS_LIKE = N_("this looks like a resident identity number; natural persons are not recorded")
CONTAINS = N_("this contains what looks like a resident identity number; natural persons are not recorded")

# After NFKC folding (which makes an ideographic space a space and a full-width hyphen '-'): whitespace and
# the hyphens and dashes people type between groups of characters.
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SEPARATOR = re.compile(f"[\\s{re.escape(_HYPHENS)}]")
_BETWEEN_DIGITS = re.compile(f"(?<=[0-9])[\\s{re.escape(_HYPHENS)}]+(?=[0-9Xx])")


def person_refusal(text: str, today: date | None = None) -> SubjectRefused | None:
    """The `natural_person` refusal when the text is, looks like or holds a resident identity number,
    also one written in groups ("110105 19491231 002X"); else None. The text should be folded already.

    `today` bounds the date of birth (default: the current UTC date); a number born "after today" still
    looks like one.
    """
    joined = _BETWEEN_DIGITS.sub("", text)
    for candidate in (text, joined):
        if is_resident_id(candidate, today):
            return SubjectRefused("natural_person", _(PERSON))
        if looks_like_resident_id(candidate):
            return SubjectRefused("natural_person", _(LOOKS_LIKE))
    if find_resident_ids(text, today) or find_resident_ids(joined, today):
        return SubjectRefused("natural_person", _(CONTAINS))
    return None


def no_organisation(text: str, where: str = "") -> str:
    """The message for a lookup that found no organisation: it names what was asked for, unless that is
    (or holds) a person's identity number, which is refused as such and never repeated.

    >>> no_organisation("91110000600037341L", " in the registry")
    "no organisation '91110000600037341L' in the registry"
    >>> "natural persons are not" in no_organisation("110105194912310021")
    True
    """
    refused = person_refusal(fold(text))
    return refused.message if refused is not None else _("no organisation '%(text)s'", text=text) + where


IDENTIFIER_EXPECTED = N_("a USCC (18 characters) or an LEI (20)")


def not_an_identifier(error: SubjectError, expected: str = IDENTIFIER_EXPECTED) -> str:
    """The message for a text that names no subject (`resolve_subject`'s error), which never repeats the
    text: it may be a person's identity number or telephone. A refused subject (a person's number, a
    religious body, a trade union) is refused in its own words; otherwise the message says what is wrong,
    by position, and what was expected.

    >>> not_an_identifier(IdentifierError("length", "11 characters is neither a USCC nor an LEI"), "a USCC")
    'this is not a valid identifier (11 characters is neither a USCC nor an LEI): expected a USCC'
    """
    if isinstance(error, SubjectRefused):
        return error.message
    return _(
        "this is not a valid identifier (%(problem)s): expected %(expected)s",
        problem=error.message,
        expected=_(expected),
    )


def resolve_subject(text: str, *, today: date | None = None) -> SubjectId:
    """Decide whether the text names a subject, and which.

    The text is NFKC-folded (full-width characters become ASCII) and stripped. A resident identity number,
    or a text that looks like or holds one, is refused as a natural person before anything else. Inner
    spaces and hyphens are refused next, naming the first one's position. Then the length decides: 18
    characters is a USCC, 20 an LEI. Raises `IdentifierError` for a malformed identifier and
    `SubjectRefused` for a subject the registry must not hold. No message repeats a person's number.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    code = fold(text)
    refusal = person_refusal(code, today)
    if refusal is not None:
        raise refusal
    separator = _SEPARATOR.search(code)
    if separator is not None:
        position = separator.start() + 1
        message = (
            N_("there is a space at position %(position)s: write the code without spaces or hyphens")
            if separator.group().isspace()
            else N_("there is a hyphen at position %(position)s: write the code without spaces or hyphens")
        )
        raise IdentifierError("inner_separator", _(message, position=position), position)
    length = len(code)
    if length == 18:
        uscc = parse_uscc(code)
        refusal = refuse_kind(uscc.kind)
        if refusal is not None:
            raise refusal
        return SubjectId("uscc", uscc.code, uscc.kind, uscc.kind is OrgKind.SOLE_PROPRIETOR)
    if length == 20:
        return SubjectId("lei", parse_lei(code).code, None, False)
    raise IdentifierError(
        "length",
        ngettext(
            "%(num)s character is neither an 18-character USCC nor a 20-character LEI",
            "%(num)s characters is neither an 18-character USCC nor a 20-character LEI",
            length,
            num=length,
        ),
    )
