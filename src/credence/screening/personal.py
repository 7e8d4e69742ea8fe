"""A natural person's data inside an organisation's record: found, so that it is refused (DOMAIN §1).

Natural persons are not subjects, and their data must not ride in on a record's free text either: resident
identity numbers, mobile and landline numbers, e-mail addresses, passport numbers and named individuals
("legal representative Zhang Wei", "Mr. Li", "法定代表人张伟"). Where a role matters to the decision, the
text says the role ("the legal representative"), not the person. What was found is named by its kind and
never repeated.

These are regular expressions rather than a named-entity model: the patterns are few and fixed, and a
model would need weights downloaded at run time. Numbers come first, then people's names.

>>> find_personal_data("Legal representative Zhang Wei (ID 110105194912310021) was fined.")
'resident identity number'
>>> find_personal_data("The legal representative was fined; hotline 400-810-8888.")
>>> find_personal_data("法定代表人张伟未按期履行")
'a named individual'
>>> find_personal_data("法定代表人李某未按期履行")  # the usual pseudonym 某 names nobody
>>> find_personal_data("Contact li.wei@example.com for the refund")
'e-mail address'
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import ahocorasick

from credence.i18n import N_
from credence.identity.resident import find_resident_ids

__all__ = ["find_personal_data"]

# A mainland mobile number: 11 digits from 13-19, optionally after +86; not inside a longer number and
# not an amount of money ("13500000000 yuan").
_MOBILE = re.compile(
    r"(?<!\d)(?<!\d\.)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d|\.\d)(?!\s*(?:元|yuan|cny|rmb|usd|eur))",
    re.IGNORECASE,
)
# A landline: an area code 0xx or 0xxx written apart from the number, "(010) 12345678" or "021-12345678".
# Service numbers (400/800) are organisations' own and pass.
_LANDLINE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)\s?|0\d{2,3}-)[2-9]\d{6,7}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
# Passports: the Chinese formats (E + 8 digits, E + letter + 7 digits, G + 8 digits) anywhere, and any
# number after the word passport.
_PASSPORT = re.compile(
    r"(?<![A-Za-z0-9])(?:E[A-HJ-NP-Z]\d{7}|[EG]\d{8})(?![A-Za-z0-9])"
    r"|(?:passport|护照)(?:\s*(?:no\.?|number|#|号码?)?)\s*[:：]?\s*(?=[A-Z]*\d)[A-Z0-9]{6,12}",
    re.IGNORECASE,
)
# English: a title, or a role, followed by a capitalised name. "the legal representative was fined" and
# "Mr Muscle" in a trade mark are not the same: a role must be followed by a Name, a title by a Name.
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Madam|Mme|Sir)\.?"
_ROLES = (
    r"(?:legal\s+representative|director|manager|general\s+manager|chairman|chairwoman|chairperson|"
    r"shareholder|supervisor|employee|accountant|proprietor|person\s+in\s+charge|responsible\s+person|"
    r"CEO|CFO)"
)
# What follows a name that is an organisation's: "shareholder Beijing Example Trading Co., Ltd."
_ORG_AFTER = re.compile(
    r"\s*(?:[A-Z][a-z]+\s+){0,3}(?:Co\b|Ltd|Company|Limited|Group|Inc|LLC|GmbH|Corp|Bank|Branch|Holdings)"
)
_NAME = r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}"
_NOT_NAMES = frozenset(
    "The A An Of And Or On In At By For To From With Was Were Is Are Has Had Who Which That This "
    "Did Does Failed Refused Signed Paid Co Ltd Company Limited Group Branch Office".split()
)
_PERSON_EN = re.compile(rf"\b(?:{_TITLES}\s+|{_ROLES},?\s+)({_NAME})", re.IGNORECASE)
_TITLE_EN = re.compile(rf"\b{_TITLES}\s+(?-i:[A-Z])", re.IGNORECASE)
# Chinese: a role followed directly by a name that starts with a common surname. "法定代表人于2025年"
# (于: a surname and "on") and "法定代表人未按规定" do not match: the name is two or three Han characters
# and is not the usual pseudonym (李某).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_ROLES_ZH = (
    r"(?:法定代表人|法人代表|负责人|董事长|总经理|经理|股东|监事|员工|职工|业主|经营者|实际控制人|联系人|"
    r"当事人)"
)
_PERSON_ZH = re.compile(
    rf"{_ROLES_ZH}[：:\s]?([{_SURNAMES}](?![某X×*＊])[\u4e00-\u9fff]{{1,2}})(?=[（(，,。；;、\s]|未|于|在|因|被|擅自|违反|拒不|以|等|$)"
)
_AFTER_ROLE = re.compile(rf",?\s+({_NAME})")
_AFTER_TITLE = re.compile(r"\.?\s+([A-Z])")
_KINDS = ("role_en", "title_en", "passport", "role_zh", "field_zh")


def _is_name(text: str, start: int, end: int) -> bool:
    """Whether the capitalised words at text[start:end] are a person's name, not an organisation's."""
    first = text[start:end].split()[0].split("-")[0]
    return first[0].isupper() and first not in _NOT_NAMES and not _ORG_AFTER.match(text, end)


_NAME_FIELD_ZH = re.compile(r"(?:姓名|身份证号码?|身份证)[：:]\s*\S")


# Cheap gates, so that the patterns run only on the few texts that could match (a million summaries are
# screened in seconds, docs/benchmarks.md): seven digits, allowing spaces and hyphens between them; and
# the words a person pattern starts with, found by one Aho-Corasick pass over the case-folded text.
_DIGITS = re.compile(r"\d(?:[ ()\-]{0,2}\d){6}")
_TRIGGERS: dict[str, tuple[str, bool]] = {
    **{
        w: ("role_en", True)
        for w in (
            "legal representative",
            "director",
            "manager",
            "chairman",
            "chairwoman",
            "chairperson",
            "shareholder",
            "supervisor",
            "employee",
            "accountant",
            "proprietor",
            "person in charge",
            "responsible person",
            "ceo",
            "cfo",
        )
    },
    **{w: ("title_en", True) for w in ("mr", "mrs", "ms", "miss", "mx", "dr", "madam", "mme", "sir")},
    "passport": ("passport", True),
    "护照": ("passport", False),
    **{
        w: ("role_zh", False)
        for w in (
            "法定代表人",
            "法人代表",
            "负责人",
            "董事长",
            "经理",
            "股东",
            "监事",
            "员工",
            "职工",
            "业主",
            "经营者",
            "实际控制人",
            "联系人",
            "当事人",
        )
    },
    **{w: ("field_zh", False) for w in ("姓名", "身份证")},
}


def _automaton() -> Any:
    automaton = ahocorasick.Automaton()
    for word, (kind, latin) in _TRIGGERS.items():
        automaton.add_word(word, (len(word), kind, latin))
    automaton.make_automaton()
    return automaton


_TRIGGER_AUTOMATON = _automaton()


def _triggers(lower: str) -> dict[str, list[int]]:
    """Each kind of trigger word found, with where each ends."""
    found: dict[str, list[int]] = {}
    for last, (length, kind, latin) in _TRIGGER_AUTOMATON.iter(lower):
        start, end = last - length + 1, last + 1
        if latin and (
            (start > 0 and lower[start - 1].isalnum()) or (end < len(lower) and lower[end].isalpha())
        ):
            continue
        found.setdefault(kind, []).append(end)
    return found


def find_personal_data(text: str) -> str | None:
    """What kind of personal data the text carries ('mobile number', 'a named individual', ...), or None."""
    folded = text if text.isascii() else unicodedata.normalize("NFKC", text)
    digits = _DIGITS.search(folded) is not None
    if digits:
        if find_resident_ids(folded):
            return N_("resident identity number")
        if _MOBILE.search(folded):
            return N_("mobile number")
        if _LANDLINE.search(folded):
            return N_("landline number")
    if "@" in folded and _EMAIL.search(folded):
        return N_("e-mail address")
    lower = folded.casefold()
    # Positions hold for the original text unless case-folding changed its length (ß → ss): then the
    # patterns search the whole text instead.
    triggers = _triggers(lower) if len(lower) == len(folded) else dict.fromkeys(_KINDS, [])
    if (digits or "passport" in triggers) and _PASSPORT.search(folded):
        return N_("passport number")
    if triggers and _named_individual(folded, triggers):
        return N_("a named individual")
    return None


def _named_individual(text: str, triggers: dict[str, list[int]]) -> bool:
    for kind in ("role_en", "title_en"):
        ends = triggers.get(kind)
        if ends is None:
            continue
        if not ends:  # positions unknown: search the whole text
            if any(_is_name(text, m.start(1), m.end(1)) for m in _PERSON_EN.finditer(text)):
                return True
            if kind == "title_en" and _TITLE_EN.search(text):
                return True
            continue
        after = _AFTER_ROLE if kind == "role_en" else _AFTER_TITLE
        for end in ends:
            found = after.match(text, end)
            if found and (kind == "title_en" or _is_name(text, found.start(1), found.end(1))):
                return True
    if "role_zh" in triggers and _PERSON_ZH.search(text):
        return True
    return "field_zh" in triggers and _NAME_FIELD_ZH.search(text) is not None
