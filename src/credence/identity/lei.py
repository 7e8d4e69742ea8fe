"""Legal Entity Identifier (ISO 17442): parse and validate, with errors that say what is wrong.

The arithmetic is python-stdnum's ISO 7064 MOD 97-10; this module adds precise errors and the stricter
rule that the check digits must be exactly the computed pair (stdnum also accepts 00, 01 and 99 where
they happen to satisfy the checksum, which ISO 17442 never issues).

>>> parse_lei('5493001KJTIIGC8Y1R12').code
'5493001KJTIIGC8Y1R12'
>>> parse_lei(' 213800d1ei4b9wtwwd28 ').lou
'2138'
>>> parse_lei('5493001KJTIIGC8Y1R1')
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: LEI must be 20 characters, got 19
>>> parse_lei('5493001KJTIIGC8Y1R-2')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: character '-' at position 19 is not allowed in an LEI
    (only 0-9 and A-Z)
>>> parse_lei('5493001KJTIIGC8Y1R21')
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: check digits are 21, expected 12
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from stdnum.iso7064 import mod_97_10

from credence.i18n import _
from credence.identity.errors import IdentifierError

__all__ = ["Lei", "is_valid_lei", "lei_check_digits", "parse_lei"]

_ALLOWED = frozenset(string.digits + string.ascii_uppercase)
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


@dataclass(frozen=True, slots=True)
class Lei:
    """A validated LEI; obtain one from `parse_lei`."""

    code: str

    @property
    def lou(self) -> str:
        """The prefix of the Local Operating Unit that issued the code (positions 1-4)."""
        return self.code[:4]

    def __str__(self) -> str:
        return self.code


def _normalise(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return text.strip().translate(_ASCII_UPPER)


def _check_alphabet(code: str) -> None:
    for i, c in enumerate(code, start=1):
        if c not in _ALLOWED:
            raise IdentifierError(
                "forbidden_character",
                _(
                    "character %(char)s at position %(position)s is not allowed in an LEI (only 0-9 and A-Z)",
                    char=repr(c),
                    position=i,
                ),
                i,
            )


def lei_check_digits(first18: str) -> str:
    """The two check digits (positions 19-20) for the first 18 characters of an LEI.

    >>> lei_check_digits('5493001KJTIIGC8Y1R')
    '12'
    """
    first18 = _normalise(first18)
    if len(first18) != 18:
        raise IdentifierError(
            "length", f"the check digits need the first 18 characters of an LEI, got {len(first18)}"
        )
    _check_alphabet(first18)
    return mod_97_10.calc_check_digits(first18)


def parse_lei(text: str) -> Lei:
    """Validate an LEI; raise `IdentifierError` (length, forbidden_character or check_digits) if not."""
    code = _normalise(text)
    if len(code) != 20:
        raise IdentifierError("length", _("LEI must be 20 characters, got %(n)s", n=len(code)))
    _check_alphabet(code)
    expected = lei_check_digits(code[:18])
    if code[18:] != expected:
        raise IdentifierError(
            "check_digits",
            _("check digits are %(found)s, expected %(expected)s", found=code[18:], expected=expected),
            19,
        )
    return Lei(code)


def is_valid_lei(text: str) -> bool:
    """Whether `parse_lei` would accept the text."""
    try:
        parse_lei(text)
    except IdentifierError:
        return False
    return True
