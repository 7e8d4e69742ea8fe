"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015): parse, validate, explain errors.

Unlike ``stdnum.cn.uscc`` this accepts the letter authorities A, N and Y, checks the embedded GB 11714
organisation code, knows the prefix table, and says exactly which character is wrong and why.

A valid code and what it says about the organisation:

>>> code = parse_uscc('91110000600037341L')
>>> code.kind, code.division, code.organisation_code, code.province
(<OrgKind.ENTERPRISE: 'enterprise'>, '110000', '600037341', 'Beijing')
>>> parse_uscc(' 91330100799655058b ').code  # surrounding whitespace and case are forgiven
'91330100799655058B'
>>> is_valid_uscc('914403001922038216'), is_valid_uscc('914403001922038217')
(True, False)
>>> uscc_check_character('91110000600037341')
'L'

Every error is an `IdentifierError` with a reason code and, where it applies, a 1-based position:

>>> parse_uscc('91110000600037341')
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: USCC must be 18 characters, got 17
>>> parse_uscc('9111O000600037341L')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: character 'O' at position 5 is not allowed in a USCC
    (allowed: 0-9 and A-Z without I, O, S, V, Z)
>>> parse_uscc('91110A00600037341L')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: character 'A' at position 6 is not a digit:
    positions 3-8 are the administrative division code (GB/T 2260) and must be six digits
>>> parse_uscc('94110000600037341L')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: '94' (positions 1-2) is not a known registration authority
    and entity category: authority '9' (market regulation) has no entity category '4'
>>> parse_uscc('91011519550312009J')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: '01' (positions 3-4) is not a province-level division of GB/T 2260
    (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82, or 10 for the central level)
>>> parse_uscc('B1110000600037341L')  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: 'B1' (positions 1-2) is not a known registration authority
    and entity category: 'B' is not a registration authority
>>> parse_uscc('91110000600037342L')
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: organisation-code check character (position 17) is 2, expected 1
>>> parse_uscc('91110000600037341M')
Traceback (most recent call last):
    ...
credence.identity.errors.IdentifierError: check character is M, expected L
>>> try:
...     parse_uscc('91110000600037341M')
... except IdentifierError as error:
...     print(error.reason, error.position)
check_character 18
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from credence.i18n import _, pick
from credence.identity.errors import IdentifierError
from credence.identity.kinds import AUTHORITIES, KINDS, KindInfo, OrgKind

__all__ = [
    "ALPHABET",
    "PROVINCES",
    "Uscc",
    "build_uscc",
    "is_valid_uscc",
    "org_code_check_character",
    "parse_uscc",
    "uscc_check_character",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 symbols of a USCC; I, O, S, V and Z are left out because they are easily misread."""

_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALLOWED = "0-9 and A-Z without I, O, S, V, Z"
# Only ASCII is upper-cased: str.upper() would turn 'ß' into 'SS' and change the length and positions,
# so a non-ASCII character is reported exactly as it was typed.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)

PROVINCES: Mapping[str, str] = MappingProxyType(
    {
        "10": "Central",
        "11": "Beijing",
        "12": "Tianjin",
        "13": "Hebei",
        "14": "Shanxi",
        "15": "Inner Mongolia",
        "21": "Liaoning",
        "22": "Jilin",
        "23": "Heilongjiang",
        "31": "Shanghai",
        "32": "Jiangsu",
        "33": "Zhejiang",
        "34": "Anhui",
        "35": "Fujian",
        "36": "Jiangxi",
        "37": "Shandong",
        "41": "Henan",
        "42": "Hubei",
        "43": "Hunan",
        "44": "Guangdong",
        "45": "Guangxi",
        "46": "Hainan",
        "50": "Chongqing",
        "51": "Sichuan",
        "52": "Guizhou",
        "53": "Yunnan",
        "54": "Tibet",
        "61": "Shaanxi",
        "62": "Gansu",
        "63": "Qinghai",
        "64": "Ningxia",
        "65": "Xinjiang",
        "71": "Taiwan",
        "81": "Hong Kong",
        "82": "Macao",
    }
)
"""What positions 3-4 of a USCC may be: a province-level division of GB/T 2260, or "10" for an organisation
registered at the central level (e.g. a national social association, 51100000...). No real code has "00"."""

_PROVINCE_LIST = "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82, or 10 for the central level"


@dataclass(frozen=True, slots=True)
class Uscc:
    """A validated USCC and its parts; obtain one from `parse_uscc`, which does the checking."""

    code: str
    authority: str  # position 1
    category: str  # position 2
    division: str  # positions 3-8, GB/T 2260
    organisation_code: str  # positions 9-17, GB 11714 including its own check character
    kind: OrgKind

    @property
    def prefix(self) -> str:
        return self.code[:2]

    @property
    def kind_info(self) -> KindInfo:
        return KINDS[self.prefix]

    @property
    def province(self) -> str | None:
        """English name of the province-level division (positions 3-4), None if the code is not known."""
        return PROVINCES.get(self.division[:2])

    def __str__(self) -> str:
        return self.code


def _normalise(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return text.strip().translate(_ASCII_UPPER)


def _check_alphabet(code: str, offset: int = 0) -> None:
    for i, c in enumerate(code, start=1 + offset):
        if c not in _VALUE:
            raise IdentifierError(
                "forbidden_character",
                _(
                    "character %(char)s at position %(position)s is not allowed in a USCC "
                    "(allowed: %(allowed)s)",
                    char=repr(c),
                    position=i,
                    allowed=_ALLOWED,
                ),
                i,
            )


def _check_value(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_value(c: str) -> int:
    # GB 11714 counts digits as themselves and letters from A=10 to Z=35, skipped letters included.
    return int(c) if c.isdigit() else ord(c) - 55


def org_code_check_character(body: str) -> str:
    """The GB 11714 check character for an 8-character organisation-code body (USCC positions 9-16).

    >>> org_code_check_character('60003734')
    '1'
    """
    body = _normalise(body)
    if len(body) != 8 or not all(c in string.digits or c in string.ascii_uppercase for c in body):
        raise IdentifierError(
            "length" if len(body) != 8 else "forbidden_character",
            f"an organisation-code body must be 8 characters from 0-9 and A-Z, got {body!r}",
        )
    r = 11 - sum(_org_value(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(r, str(r))


def uscc_check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a USCC.

    Only the alphabet is checked here, not the prefix or the organisation code.
    """
    first17 = _normalise(first17)
    if len(first17) != 17:
        raise IdentifierError(
            "length", f"the check character needs the first 17 characters of a USCC, got {len(first17)}"
        )
    _check_alphabet(first17)
    return _check_value(first17)


def _check_kind(code: str) -> OrgKind:
    prefix = code[:2]
    info = KINDS.get(prefix)
    if info is not None:
        return info.kind
    authority = AUTHORITIES.get(code[0])
    why = (
        _("%(char)s is not a registration authority", char=repr(code[0]))
        if authority is None
        else _(
            "authority %(char)s (%(label)s) has no entity category %(category)s",
            char=repr(code[0]),
            label=pick(authority.label_en, authority.label_zh),
            category=repr(code[1]),
        )
    )
    raise IdentifierError(
        "unknown_kind",
        _(
            "%(prefix)s (positions 1-2) is not a known registration authority and entity category: %(why)s",
            prefix=repr(prefix),
            why=why,
        ),
        1,
    )


def parse_uscc(text: str) -> Uscc:
    """Validate a USCC and split it into its parts; raise `IdentifierError` on the first problem found.

    Checks, in order: length, alphabet, division digits, known prefix, province (positions 3-4),
    organisation-code check character (position 17), check character (position 18).
    """
    code = _normalise(text)
    if len(code) != 18:
        raise IdentifierError("length", _("USCC must be 18 characters, got %(n)s", n=len(code)))
    _check_alphabet(code)
    for i in range(2, 8):
        if not code[i].isdigit():  # the alphabet check already limited this to ASCII
            raise IdentifierError(
                "not_a_digit",
                _(
                    "character %(char)s at position %(position)s is not a digit: positions 3-8 are the "
                    "administrative division code (GB/T 2260) and must be six digits",
                    char=repr(code[i]),
                    position=i + 1,
                ),
                i + 1,
            )
    kind = _check_kind(code)
    if code[2:4] not in PROVINCES:
        raise IdentifierError(
            "unknown_province",
            _(
                "%(province)s (positions 3-4) is not a province-level division of GB/T 2260 (%(provinces)s)",
                province=repr(code[2:4]),
                provinces=_PROVINCE_LIST,
            ),
            3,
        )
    expected_org = org_code_check_character(code[8:16])
    if code[16] != expected_org:
        raise IdentifierError(
            "org_code_check",
            _(
                "organisation-code check character (position 17) is %(found)s, expected %(expected)s",
                found=code[16],
                expected=expected_org,
            ),
            17,
        )
    expected = _check_value(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            "check_character",
            _("check character is %(found)s, expected %(expected)s", found=code[17], expected=expected),
            18,
        )
    return Uscc(
        code=code,
        authority=code[0],
        category=code[1],
        division=code[2:8],
        organisation_code=code[8:17],
        kind=kind,
    )


def is_valid_uscc(text: str) -> bool:
    """Whether `parse_uscc` would accept the text."""
    try:
        parse_uscc(text)
    except IdentifierError:
        return False
    return True


def build_uscc(prefix: str, division: str, body: str) -> str:
    """A valid USCC from its prefix (2), division (6) and organisation-code body (8), check characters added.

    Meant for fixtures and tests. Raises `IdentifierError` if the parts do not make a valid code.

    >>> build_uscc('91', '110000', '60003734')
    '91110000600037341L'
    """
    head = _normalise(prefix) + _normalise(division) + _normalise(body)
    if len(head) != 16:
        raise IdentifierError("length", f"prefix, division and body must make 16 characters, got {len(head)}")
    _check_alphabet(head)
    first17 = head + org_code_check_character(head[8:])
    return parse_uscc(first17 + _check_value(first17)).code
