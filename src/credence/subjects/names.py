"""Organisation names made comparable: a Latin form and a Chinese form per name, without legal forms.

Publishers spell one organisation many ways: `ACME Construction Co., Ltd. (北京某某建设有限公司)`,
`"ACME" CONSTRUCTION COMPANY LIMITED`, `Acme Construction Ltd`, or the first 80 characters of a longer
name. `name_forms` turns each into what the model compares (see docs/linkage.md):

>>> f = name_forms('ACME Construction Co., Ltd. (北京某某建设有限公司)')
>>> f.latin, f.core, f.chinese, f.tokens
('acme construction llc', 'acme construction', '北京某某建设', ('acme', 'construction'))
>>> name_forms('“ACME” CONSTRUCTION COMPANY LIMITED').core
'acme construction'
>>> name_forms('Société Générale S.A.').latin
'societe generale jsc'

Legal forms are rigour's (`rigour.names.org_types`, built on ISO 20275): in the Latin form each is
replaced by its generic comparison form (Ltd, LLC, GmbH, S.R.L. and SARL all become `llc`), and the core
form drops them. Chinese names have no spaces, so rigour, which matches forms between word boundaries,
is asked about the name's endings one at a time (`有限公司`, `股份有限公司`, `有限责任公司`, ...).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rigour.names import remove_org_types, replace_org_types_compare
from rigour.text import ascii_text
from rigour.text.normalize import Normalize, normalize

__all__ = [
    "NameForms",
    "address_form",
    "country_code",
    "identifier",
    "name_forms",
    "phone_digits",
    "postcode",
    "street_parts",
]

_FLAGS = Normalize.CASEFOLD | Normalize.NAME

# Words of form rigour leaves standing in a name once its legal forms are out ("(Pvt.) Ltd" leaves
# "pvt", "Private Limited" leaves "private", "Co., Ltd." may leave "co"). They say nothing about which
# organisation it is, so the core form drops them; a dozen words, not a second database of forms.
_RESIDUAL_FORM_WORDS = frozenset(
    {"pvt", "pte", "private", "pvt.", "co", "company", "corp", "corporation", "limited", "ltd", "inc"}
    | {"incorporated", "llc", "jsc", "surl", "eurl", "sarlu", "sa", "s", "a", "the"}
)

# A field's parts in another script come in brackets of any kind; NFKC has already made full-width ones
# ASCII.
_BRACKETS = re.compile(r"[()\[\]{}<>《》【】〈〉「」『』]")


_LETTER = re.compile(r"[^\W\d_]")
_NOT_DIGIT = re.compile(r"\D")

# Han characters: the unified ideographs, extension A, extension B, compatibility ideographs and 〇
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df\uf900-\ufaff\u3007]")


@dataclass(frozen=True, slots=True)
class NameForms:
    """What the model compares of one name. Any form may be empty (a Chinese-only name has no Latin)."""

    latin: str  # NFKC, ASCII, case-folded tokens; legal forms replaced by their generic form
    core: str  # the Latin form without legal forms: what names are blocked and compared on
    chinese: str  # Han characters (and letters or digits among them), without the legal form
    tokens: tuple[str, ...]  # the core's tokens
    branch: bool = False  # the name is a branch's: its own registered unit, not the organisation it is of


# Chinese forms rigour 2.6 does not list (it has 有限公司 and 有限责任公司): a joint-stock company, a bare
# "company", partnerships.
_CHINESE_FORMS = frozenset({"股份有限公司", "股份公司", "公司", "有限合伙", "合伙企业", "普通合伙"})


@lru_cache(maxsize=4096)
def _is_chinese_form(suffix: str) -> bool:
    """Whether `suffix` (such as 有限公司) is a legal form on its own, to rigour or to the list above."""
    if suffix in _CHINESE_FORMS:
        return True
    return not remove_org_types(f"x {suffix}", normalize_flags=_FLAGS).strip(" x")


def _strip_chinese_form(name: str) -> str:
    """`name` without the longest ending that rigour knows as a legal form, repeated (集团有限公司)."""
    changed = True
    while changed and name:
        changed = False
        for size in range(min(len(name) - 1, 8), 1, -1):
            if _is_chinese_form(name[-size:]):
                name = name[:-size]
                changed = True
                break
    return name


def _split_scripts(text: str) -> tuple[str, str]:
    """The Latin and the Chinese part of a field: whitespace-separated words with Han in them are Chinese."""
    latin: list[str] = []
    chinese: list[str] = []
    for word in _BRACKETS.sub(" ", text).split():
        (chinese if _HAN.search(word) else latin).append(word)
    return " ".join(latin), "".join(chinese)


@lru_cache(maxsize=262144)
def name_forms(name: str) -> NameForms:
    """The comparison forms of one published name."""
    if name.isascii():  # most names: NFKC and transliteration leave them as they are, no Han to split off
        latin_text, chinese_text = " ".join(_BRACKETS.sub(" ", name).split()), ""
        latin = normalize(latin_text, _FLAGS) or ""
    else:
        latin_text, chinese_text = _split_scripts(unicodedata.normalize("NFKC", name))
        latin = normalize(ascii_text(latin_text), _FLAGS) or ""
    if latin and not _LETTER.search(latin):  # digits alone (a number in brackets) name nothing
        latin = ""
    generic = replace_org_types_compare(latin, normalize_flags=_FLAGS, generic=True) if latin else ""
    generic = " ".join(generic.split())
    stripped = remove_org_types(latin, normalize_flags=_FLAGS) if latin else ""
    tokens = tuple(t for t in stripped.split() if t not in _RESIDUAL_FORM_WORDS)
    if not tokens:  # a name that is nothing but a form ("Company Limited") keeps its words
        tokens = tuple(latin.split())
    chinese = "".join(ch for ch in chinese_text.casefold() if ch.isalnum()) if chinese_text else ""
    core = " ".join(tokens)
    branch = bool(_BRANCH_LATIN.search(core) or (chinese and _BRANCH_CHINESE.search(chinese)))
    chinese = _strip_chinese_form(chinese) if chinese else ""
    return NameForms(latin=generic, core=core, chinese=chinese, tokens=tokens, branch=branch)


# A branch (分公司, 分厂, 分行, 办事处; Branch, Branch Office, Sucursal, Succursale, Filiale, Niederlassung)
# is registered as its own unit with its own code: never the same organisation as its head office, nor as
# another branch of it. A name that starts with the word (Branch Line Trading) is not a branch's.
_BRANCH_LATIN = re.compile(r"\s(?:branch|sucursal|succursale|filiale|niederlassung|zweigniederlassung)\b")
_BRANCH_CHINESE = re.compile(r"(?<=.)(?:分公司|分厂|分店|分行|分部|分所|分院|分中心|办事处)")


# Codes some publishers use for a country instead of ISO 3166-1 alpha-2: the EU's UK and EL.
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


@lru_cache(maxsize=1024)
def country_code(value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code in capitals, whatever case or alias a publisher used; XK stays XK."""
    if value is None:
        return None
    code = unicodedata.normalize("NFKC", value).strip().upper()
    if not code:
        return None
    return _COUNTRY_ALIASES.get(code, code)


def identifier(value: str | None) -> str | None:
    """An identifier as compared: NFKC, capitals, without spaces, hyphens, dots or slashes."""
    if value is None:
        return None
    code = re.sub(r"[\s\-./]", "", unicodedata.normalize("NFKC", value)).upper()
    return code or None


def phone_digits(value: str | None) -> str | None:
    """The last seven digits of a telephone number: enough to compare, free of prefixes written or not."""
    if value is None:
        return None
    digits = _NOT_DIGIT.sub("", value if value.isascii() else unicodedata.normalize("NFKC", value))
    return digits[-7:] if len(digits) >= 7 else None


def postcode(value: str | None) -> str | None:
    """A postcode as compared: NFKC, capitals, no spaces; a US ZIP+4 keeps its first five digits."""
    if value is None:
        return None
    code = re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).upper()
    if re.fullmatch(r"\d{5}-?\d{4}", code):
        code = code[:5]
    return code or None


@lru_cache(maxsize=262144)
def address_form(value: str) -> str:
    """An address line as compared: ASCII, case-folded tokens, common street words in one spelling."""
    text = normalize(ascii_text(unicodedata.normalize("NFKC", value)), Normalize.CASEFOLD | Normalize.ADDRESS)
    words = [_STREET_WORDS.get(w, w) for w in (text or "").replace(".", " ").split()]
    return " ".join(w for w in words if w)


_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "place": "pl",
    "parkway": "pkwy",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "no": "",  # No. 260 Jianshe Road: the number says it is a number
}


# Words after which a number is not the building's number on its street (Room 501, Building 3, P.O. Box
# 123, 2nd Floor), and the directions a street name may start with.
_NOT_STREET_NUMBER = frozenset(
    {"room", "rm", "building", "bldg", "block", "unit", "suite", "ste", "box", "floor", "fl", "apt", "flat"}
    | {"level", "lot", "km", "kilometre", "kilometer", "zone", "sector", "district", "po", "pobox"}
)
_DIRECTIONS = frozenset({"n", "s", "e", "w", "ne", "nw", "se", "sw"})


@lru_cache(maxsize=262144)
def street_parts(address: str) -> tuple[str | None, str | None]:
    """(number, street) of an address in `address_form`: the first number that is a building's number on
    its street, and the first word of the street's name after it (directions and further numbers
    skipped). Either may be None.

    >>> street_parts("744 n monticello ave 1st floor")
    ('744', 'monticello')
    >>> street_parts("room 501 building 3 88 zhongshan rd")
    ('88', 'zhongshan')
    >>> street_parts("3450 54 w 79th st")
    ('3450', '79th')
    >>> street_parts("p o box 123 nairobi")
    (None, None)
    """
    words = address.split()
    for i, word in enumerate(words):
        if not word.isdigit():
            continue
        if i and words[i - 1] in _NOT_STREET_NUMBER:
            continue
        street = next((w for w in words[i + 1 :] if not w.isdigit() and w not in _DIRECTIONS), None)
        return word, street
    return None, None
