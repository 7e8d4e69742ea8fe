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
_NAME_FIELD_ZH = re.compile(r"(?:姓名|身份证号码?|身份证)[：:]\s*\S")


def find_personal_data(text: str) -> str | None:
    """What kind of personal data the text carries ('mobile number', 'a named individual', ...), or None."""
    folded = unicodedata.normalize("NFKC", text)
    if find_resident_ids(folded):
        return "resident identity number"
    if _MOBILE.search(folded):
        return "mobile number"
    if _LANDLINE.search(folded):
        return "landline number"
    if _EMAIL.search(folded):
        return "e-mail address"
    if _PASSPORT.search(folded):
        return "passport number"
    if _named_individual(folded):
        return "a named individual"
    return None


def _named_individual(text: str) -> bool:
    for match in _PERSON_EN.finditer(text):
        name = match.group(1)
        first = name.split()[0].split("-")[0]
        if first[0].isupper() and first not in _NOT_NAMES and not _ORG_AFTER.match(text, match.end(1)):
            return True
    if _TITLE_EN.search(text):
        return True
    return bool(_PERSON_ZH.search(text) or _NAME_FIELD_ZH.search(text))
