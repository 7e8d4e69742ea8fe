"""Kinds of organisation, read from the first two characters of a USCC (GB 32100-2015, table 2).

The tables are data so that other code can show the English and Chinese label of a code's prefix.

>>> info = KINDS['92']
>>> info.kind, info.authority.label_en
(<OrgKind.SOLE_PROPRIETOR: 'sole_proprietor'>, 'market regulation')
>>> info.label_en, info.label_zh
('sole proprietor (individual business)', '个体工商户')
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from credence.i18n import N_

__all__ = [
    "AUTHORITIES",
    "KINDS",
    "Authority",
    "KindInfo",
    "OrgKind",
    "kind_info",
]


class OrgKind(enum.StrEnum):
    """What kind of organisation a subject is; several USCC prefixes can map to one kind."""

    ENTERPRISE = "enterprise"
    SOLE_PROPRIETOR = "sole_proprietor"
    FARMERS_COOPERATIVE = "farmers_cooperative"
    GOVERNMENT_ORGAN = "government_organ"
    PUBLIC_INSTITUTION = "public_institution"
    MASS_ORGANISATION = "mass_organisation"
    LEGAL_SERVICE = "legal_service"
    SOCIAL_ORGANISATION = "social_organisation"
    RURAL_COLLECTIVE = "rural_collective"
    MILITARY_PUBLIC_INSTITUTION = "military_public_institution"
    OTHER = "other"
    RELIGIOUS_BODY = "religious_body"
    TRADE_UNION = "trade_union"


@dataclass(frozen=True, slots=True)
class Authority:
    """A registration authority (USCC position 1)."""

    code: str
    label_en: str
    label_zh: str


@dataclass(frozen=True, slots=True)
class KindInfo:
    """One row of the prefix table: registration authority + entity category (USCC positions 1-2)."""

    prefix: str
    kind: OrgKind
    label_en: str
    label_zh: str

    @property
    def authority(self) -> Authority:
        return AUTHORITIES[self.prefix[0]]


_AUTHORITY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("1", "establishment offices", "机构编制"),
    ("2", "foreign affairs", "外交"),
    ("3", "justice administration", "司法行政"),
    ("4", "culture", "文化"),
    ("5", "civil affairs", "民政"),
    ("6", "tourism", "旅游"),
    ("7", "religious affairs", "宗教"),
    ("8", "trade unions", "工会"),
    ("9", "market regulation", "市场监管（工商）"),
    ("A", "military reform and establishment office", "中央军委改革和编制办公室"),
    ("N", "agriculture and rural affairs", "农业农村"),
    ("Y", "other", "其他"),
)

_K = OrgKind
_KIND_ROWS: tuple[tuple[str, OrgKind, str, str], ...] = (
    ("11", _K.GOVERNMENT_ORGAN, "government organ", "机关"),
    ("12", _K.PUBLIC_INSTITUTION, "public institution", "事业单位"),
    ("13", _K.MASS_ORGANISATION, "mass organisation", "中央编办直接管理机构编制的群众团体"),
    ("19", _K.OTHER, "other (establishment offices)", "其他"),
    ("21", _K.OTHER, "resident office of a foreign news agency", "外国常驻新闻机构"),
    ("29", _K.OTHER, "other (foreign affairs)", "其他"),
    ("31", _K.LEGAL_SERVICE, "law firm", "律师执业机构"),
    ("32", _K.LEGAL_SERVICE, "notary office", "公证处"),
    ("33", _K.LEGAL_SERVICE, "grassroots legal service office", "基层法律服务所"),
    ("34", _K.LEGAL_SERVICE, "judicial expertise institution", "司法鉴定机构"),
    ("35", _K.LEGAL_SERVICE, "arbitration commission", "仲裁委员会"),
    ("39", _K.LEGAL_SERVICE, "other (justice administration)", "其他"),
    ("41", _K.OTHER, "foreign cultural centre in China", "外国在华文化中心"),
    ("49", _K.OTHER, "other (culture)", "其他"),
    ("51", _K.SOCIAL_ORGANISATION, "social association", "社会团体"),
    ("52", _K.SOCIAL_ORGANISATION, "private non-enterprise unit", "民办非企业单位"),
    ("53", _K.SOCIAL_ORGANISATION, "foundation", "基金会"),
    ("59", _K.SOCIAL_ORGANISATION, "other (civil affairs)", "其他"),
    ("61", _K.OTHER, "resident office of a foreign tourism authority", "外国旅游部门常驻代表机构"),
    (
        "62",
        _K.OTHER,
        "resident office of a Hong Kong, Macao or Taiwan tourism authority",
        "港澳台地区旅游部门常驻内地（大陆）代表机构",
    ),
    ("69", _K.OTHER, "other (tourism)", "其他"),
    ("71", _K.RELIGIOUS_BODY, "venue for religious activities", "宗教活动场所"),
    ("72", _K.RELIGIOUS_BODY, "religious school", "宗教院校"),
    ("79", _K.RELIGIOUS_BODY, "other (religious affairs)", "其他"),
    ("81", _K.TRADE_UNION, "grassroots trade union", "基层工会"),
    ("89", _K.TRADE_UNION, "other (trade unions)", "其他"),
    ("91", _K.ENTERPRISE, "enterprise", "企业"),
    ("92", _K.SOLE_PROPRIETOR, "sole proprietor (individual business)", "个体工商户"),
    ("93", _K.FARMERS_COOPERATIVE, "farmers' specialised cooperative", "农民专业合作社"),
    ("A1", _K.MILITARY_PUBLIC_INSTITUTION, "military public institution", "军队事业单位"),
    ("A9", _K.MILITARY_PUBLIC_INSTITUTION, "other (military)", "其他"),
    ("N1", _K.RURAL_COLLECTIVE, "group-level rural collective economic organisation", "组级集体经济组织"),
    ("N2", _K.RURAL_COLLECTIVE, "village-level rural collective economic organisation", "村级集体经济组织"),
    (
        "N3",
        _K.RURAL_COLLECTIVE,
        "township-level rural collective economic organisation",
        "乡镇级集体经济组织",
    ),
    ("N9", _K.RURAL_COLLECTIVE, "other rural collective economic organisation", "其他农村集体经济组织"),
    ("Y1", _K.OTHER, "other", "其他"),
)

AUTHORITIES: Mapping[str, Authority] = MappingProxyType(
    {code: Authority(code, en, zh) for code, en, zh in _AUTHORITY_ROWS}
)
"""Registration authorities by USCC position 1."""

KINDS: Mapping[str, KindInfo] = MappingProxyType(
    {prefix: KindInfo(prefix, kind, en, zh) for prefix, kind, en, zh in _KIND_ROWS}
)
"""Known USCC prefixes (positions 1-2); a prefix missing here is not a valid USCC."""


def kind_info(prefix: str) -> KindInfo | None:
    """The table row for a two-character USCC prefix such as ``"91"``, or None if it is not known."""
    return KINDS.get(prefix)


KIND_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "enterprise": N_("Enterprise"),
        "sole_proprietor": N_("Sole proprietor"),
        "farmers_cooperative": N_("Farmers' cooperative"),
        "government_organ": N_("Government organ"),
        "public_institution": N_("Public institution"),
        "mass_organisation": N_("Mass organisation"),
        "legal_service": N_("Legal service organisation"),
        "social_organisation": N_("Social organisation"),
        "rural_collective": N_("Rural collective economic organisation"),
        "military_public_institution": N_("Military public institution"),
        "other": N_("Other organisation"),
        "organisation": N_("Organisation"),
    }
)
"""Each kind of organisation named for a reader (marked for the catalogs; `_()` translates where shown):
the pages' `label` filter and the credit report read these, so a kind is named once."""
