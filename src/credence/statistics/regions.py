"""The regions the figures count organisations by, named in English and Chinese: a province-level division
(positions 3-4 of a USCC, GB/T 2260), the central level ("10"), or, for an organisation registered
abroad, its country (ISO 3166, named by the CLDR data Babel carries)."""

from __future__ import annotations

from babel import Locale

from credence.identity.uscc import PROVINCES

PROVINCES_ZH = {
    "10": "中央",
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}
CENTRAL_EN = "Central level"
UNKNOWN = ("Region not known", "地区不详")


def region_names(key: str) -> tuple[str, str]:
    """(English, Chinese) name of a region key."""
    if key == "10":
        return CENTRAL_EN, PROVINCES_ZH["10"]
    if key.isdigit() and key in PROVINCES_ZH:
        return PROVINCES.get(key, key), PROVINCES_ZH[key]
    if len(key) == 2 and key.isalpha():
        en = Locale.parse("en").territories.get(key.upper(), key)
        zh = Locale.parse("zh_Hans").territories.get(key.upper(), key)
        return str(en), str(zh)
    return UNKNOWN
