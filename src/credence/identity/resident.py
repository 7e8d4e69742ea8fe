"""Resident identity numbers (居民身份证号码, GB 11643-1999): recognise them, so that they are refused.

Natural persons are never subjects of the registry (DOMAIN §1). This module only answers "is this, or
does this look like, a person's identity number"; `resolve_subject` turns the answer into a refusal.

The check is the number's own structure (DOMAIN §8): a real province (positions 1-2), a real date of
birth (7-14) and the ISO 7064 MOD 11-2 check character (18). The county (positions 3-6) is not looked up:
a number keeps the area code in force when it was issued, and areas have been recoded since, so a rule
such as python-stdnum's ``cn.ric`` ("the county existed in the birth year") misses many real numbers.

>>> is_resident_id('11010519491231002X')
True
>>> is_resident_id('220102196608044172')  # county code from 1983, holder born in 1966
True
>>> is_resident_id('110105194912310021')  # wrong check character
False
>>> looks_like_resident_id('110105194912310021'), looks_like_resident_id('31011519550312009J')
(True, True)
>>> is_resident_id('110105491231002')  # the old 15-digit form: YYMMDD read as 19YYMMDD, no check
True
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

__all__ = [
    "RESIDENT_PROVINCES",
    "find_resident_ids",
    "fold",
    "is_resident_id",
    "looks_like_resident_id",
]

RESIDENT_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
"""Province-level codes of GB/T 2260 (positions 1-2 of a resident identity number)."""

EARLIEST_BIRTH = date(1880, 1, 1)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECKS = "10X98765432"
_DIGITS = frozenset("0123456789")
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# In folded text: 17 digits and a digit or letter (X, or another where a check character was "corrected"),
# or 15 digits, not inside a longer run of ASCII letters and digits. Chinese characters around a number do
# not make it part of a word ("身份证号110105...").
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9A-Za-z]|[0-9]{15})(?![0-9A-Za-z])")


def fold(text: str) -> str:
    """The text NFKC-folded and stripped: full-width digits and letters (as Chinese input methods type
    them) become ASCII, an ideographic space a space. Case is kept.

    >>> fold(' １１０１０５１９４９１２３１００２ｘ\\u3000')
    '11010519491231002x'
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return unicodedata.normalize("NFKC", text).strip()


def _digits(text: str) -> bool:
    return all(c in _DIGITS for c in text)  # str.isdigit() would also take '²' and other scripts' digits


def _birth(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


def _plausible_birth(yyyymmdd: str) -> bool:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    return 1880 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _check_character(first17: str) -> str:
    return _CHECKS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _date_ok(yyyymmdd: str, today: date | None) -> bool:
    born = _birth(yyyymmdd)
    limit = today if today is not None else datetime.now(UTC).date()
    return born is not None and EARLIEST_BIRTH <= born <= limit


def is_resident_id(text: str, today: date | None = None) -> bool:
    """Whether the text is a resident identity number by its own structure.

    18 characters: 17 digits and a digit or X (x too), a real province at positions 1-2, a real date of
    birth at 7-14 from 1880-01-01 to `today` (default: the current UTC date), and the ISO 7064 MOD 11-2
    check character. 15 characters: 15 digits, a real province, and a real date at 7-12 read as 19YYMMDD.
    The text is folded first (see `fold`).

    >>> is_resident_id('110105203001010025', today=date(2026, 1, 1))  # born after today
    False
    """
    code = fold(text)
    if len(code) == 18:
        return (
            _digits(code[:17])
            and code[:2] in RESIDENT_PROVINCES
            and _date_ok(code[6:14], today)
            and code[17].upper() == _check_character(code[:17])
        )
    if len(code) == 15:
        return _digits(code) and code[:2] in RESIDENT_PROVINCES and _date_ok("19" + code[6:12], today)
    return False


def looks_like_resident_id(text: str) -> bool:
    """Whether the text has the shape of a resident identity number, whatever its check character: a
    mistyped number, or one whose check character was "corrected".

    18 characters: 17 digits with a real province at positions 1-2 and a plausible date of birth at 7-14
    (year 1880-2099, month 01-12, day 01-31), then any ASCII letter or digit. 15 characters: 15 digits
    with a real province and a plausible YYMMDD at 7-12. The text is folded first (see `fold`).

    >>> looks_like_resident_id('110105194913310021')  # month 13
    False
    """
    code = fold(text)
    if len(code) == 18:
        return (
            _digits(code[:17])
            and code[17] in _ALPHANUMERIC
            and code[:2] in RESIDENT_PROVINCES
            and _plausible_birth(code[6:14])
        )
    if len(code) == 15:
        return _digits(code) and code[:2] in RESIDENT_PROVINCES and _plausible_birth("19" + code[6:12])
    return False


def find_resident_ids(text: str, today: date | None = None) -> list[tuple[int, int]]:
    """(start, end) of every resident identity number, or text that looks like one, inside free text.

    A candidate is a run of 18 characters (17 digits and a digit or letter: X, or any other where a check
    character was mistyped) or of 15 digits, not part of a longer run of ASCII letters and digits; it
    counts when `is_resident_id` or `looks_like_resident_id` says so. Full-width digits count (the text
    is NFKC-folded for the search); the spans index the text as given, so ``text[start:end]`` is the
    number as it was written.

    >>> text = '当事人张三（身份证号１１０１０５１９４９１２３１００２Ｘ），注册号 91110000600037341L'
    >>> [text[start:end] for start, end in find_resident_ids(text)]
    ['１１０１０５１９４９１２３１００２Ｘ']
    >>> find_resident_ids('order 1101051949123100211, ref 110105194912310021')
    [(31, 49)]
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    # Most texts hold no such number: decide that on the whole text, folded at C speed.
    whole = unicodedata.normalize("NFKC", text)
    if not any(_counts(m.group(), today) for m in _CANDIDATE.finditer(whole)):
        return []
    if whole == text:
        return [m.span() for m in _CANDIDATE.finditer(text) if _counts(m.group(), today)]
    # Folding changed the text (full-width digits, say): fold character by character to map back.
    folded: list[str] = []
    origin: list[int] = []  # index in `text` of each character of the folded text
    for index, char in enumerate(text):
        for out in unicodedata.normalize("NFKC", char):
            folded.append(out)
            origin.append(index)
    return [
        (origin[m.start()], origin[m.end() - 1] + 1)
        for m in _CANDIDATE.finditer("".join(folded))
        if _counts(m.group(), today)
    ]


def _counts(candidate: str, today: date | None) -> bool:
    return is_resident_id(candidate, today) or looks_like_resident_id(candidate)
