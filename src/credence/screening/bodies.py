"""Religious bodies and trade unions recognised by name, for subjects whose identifier does not say what
kind of body they are (an LEI, or no identifier): they are out of scope however they are identified.

A company form settles the kind: "Temple Street Trading Co., Ltd." is a firm. Latin-script forms are read
with rigour's organisation-type data (OpenSanctions' list of legal forms in many languages); rigour needs
spaces around a form, which Chinese names do not have, so Chinese forms are the short list of suffixes
below. Without a company form, a religious or union term in the name (either script) refuses the subject.

>>> excluded_by_name("Holy Trinity Catholic Church Foundation")
<OrgKind.RELIGIOUS_BODY: 'religious_body'>
>>> excluded_by_name("Shenzhen Federation of Trade Unions")
<OrgKind.TRADE_UNION: 'trade_union'>
>>> excluded_by_name("Temple Street Trading Co., Ltd.")
>>> excluded_by_name("深圳市总工会")
<OrgKind.TRADE_UNION: 'trade_union'>
>>> excluded_by_name("杭州灵隐寺")
<OrgKind.RELIGIOUS_BODY: 'religious_body'>
>>> excluded_by_name("杭州寺前贸易有限公司")
"""

from __future__ import annotations

import re
import unicodedata

from rigour.names import extract_org_types

from credence.identity.kinds import OrgKind

__all__ = ["excluded_by_name", "has_company_form"]

_RELIGIOUS_EN = re.compile(
    r"\b(?:church(?:es)?|mosques?|temples?|monaster(?:y|ies)|abbey|cathedral|chapel|synagogue|diocese|"
    r"parish|convent|seminary|bible\s+(?:school|college|institute)|ministr(?:y|ies)\s+of\s+(?:god|christ|faith)|"
    r"buddhist\s+association|islamic\s+association|taoist\s+association|daoist\s+association|"
    r"christian\s+council|catholic\s+(?:patriotic\s+)?association|three[-\s]self|falun|jehovah)\b",
    re.IGNORECASE,
)
_UNION_EN = re.compile(
    r"\b(?:trade\s+unions?|labou?r\s+unions?|federation\s+of\s+trade\s+unions|workers'?\s+unions?|"
    r"union\s+of\s+(?:\w+\s+)?workers|trades\s+union\s+congress|confederation\s+of\s+labou?r)\b",
    re.IGNORECASE,
)
_RELIGIOUS_ZH = re.compile(
    r"教会|教堂|清真寺|宫观|道观|寺院|寺庙|佛教协会|道教协会|伊斯兰教协会|天主教爱国会|基督教协会|基督教三自|宗教|"
    r"(?:寺|庵|观)$"
)
_UNION_ZH = re.compile(r"工会")
# Chinese company and enterprise forms (GB/T 14396 and the Company Law's names).
_COMPANY_ZH = re.compile(
    r"(?:公司|集团|企业|厂|商行|商店|店|合作社|事务所|经营部|工作室|银行)(?:[(（].*[)）])?$"
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def has_company_form(name: str) -> bool:
    """Whether the name carries a company or enterprise form (Co., Ltd., GmbH, S.A., 有限公司, …)."""
    folded = _fold(name)
    return bool(extract_org_types(folded)) or _COMPANY_ZH.search(folded) is not None


def excluded_by_name(name: str, alt_name: str | None = None) -> OrgKind | None:
    """RELIGIOUS_BODY or TRADE_UNION when the names say so and no company form says otherwise."""
    names = [_fold(n) for n in (name, alt_name) if n]
    if any(has_company_form(n) for n in names):
        return None
    for n in names:
        if _RELIGIOUS_EN.search(n) or _RELIGIOUS_ZH.search(n):
            return OrgKind.RELIGIOUS_BODY
        if _UNION_EN.search(n) or _UNION_ZH.search(n):
            return OrgKind.TRADE_UNION
    return None
