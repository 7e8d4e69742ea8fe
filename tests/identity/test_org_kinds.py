"""The USCC prefix table (GB 32100-2015 positions 1-2) and the organisation kinds it maps to."""

from __future__ import annotations

import pytest

from credence.identity import ALPHABET, AUTHORITIES, KINDS, OrgKind, kind_info

# The table as specified for the registry, written out independently of the implementation.
EXPECTED = {
    "11": "government_organ",
    "12": "public_institution",
    "13": "mass_organisation",
    "19": "other",
    "21": "other",
    "29": "other",
    "31": "legal_service",
    "32": "legal_service",
    "33": "legal_service",
    "34": "legal_service",
    "35": "legal_service",
    "39": "legal_service",
    "41": "other",
    "49": "other",
    "51": "social_organisation",
    "52": "social_organisation",
    "53": "social_organisation",
    "59": "social_organisation",
    "61": "other",
    "62": "other",
    "69": "other",
    "71": "religious_body",
    "72": "religious_body",
    "79": "religious_body",
    "81": "trade_union",
    "89": "trade_union",
    "91": "enterprise",
    "92": "sole_proprietor",
    "93": "farmers_cooperative",
    "A1": "military_public_institution",
    "A9": "military_public_institution",
    "N1": "rural_collective",
    "N2": "rural_collective",
    "N3": "rural_collective",
    "N9": "rural_collective",
    "Y1": "other",
}


def test_org_kind_values() -> None:
    assert {kind.value for kind in OrgKind} == {
        "enterprise",
        "sole_proprietor",
        "farmers_cooperative",
        "government_organ",
        "public_institution",
        "mass_organisation",
        "legal_service",
        "social_organisation",
        "rural_collective",
        "military_public_institution",
        "other",
        "religious_body",
        "trade_union",
    }
    assert OrgKind("enterprise") == "enterprise"  # StrEnum: compares and serialises as its value


def test_prefix_table() -> None:
    assert {prefix: info.kind.value for prefix, info in KINDS.items()} == EXPECTED
    assert all(info.prefix == prefix for prefix, info in KINDS.items())


def test_every_kind_has_a_prefix() -> None:
    assert {info.kind for info in KINDS.values()} == set(OrgKind)


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_rows_have_labels_and_authorities(prefix: str) -> None:
    info = kind_info(prefix)
    assert info is not None
    assert info.label_en and info.label_zh
    assert info.authority is AUTHORITIES[prefix[0]]
    assert all(c in ALPHABET for c in prefix)


def test_labels_for_display() -> None:
    info = KINDS["92"]
    assert (info.label_en, info.label_zh) == ("sole proprietor (individual business)", "个体工商户")
    assert info.authority.label_en == "market regulation"


def test_authorities() -> None:
    assert sorted(AUTHORITIES) == sorted("123456789ANY")


def test_unknown_prefix() -> None:
    assert kind_info("94") is None
    assert kind_info("9") is None


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        KINDS["94"] = KINDS["91"]  # type: ignore[index]
