"""The source metadata files load and say what they must; the row mapping reads values as documented."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import yaml

from credence.sources import INTERCHANGE_FIELDS, DatasetMapping, Role, RowMapper, list_datasets, load_dataset
from credence.sources.mapping import parse_dataset
from credence.sources.transform import (
    clean_text,
    country_code,
    find_han_name,
    find_identifier,
    is_natural_person,
    parse_date,
    record_id,
)

EXPECTED = {
    # name: (department, format, rows in the January 2025 snapshot)
    "world_bank": ("WB", "xlsx", 1285),
    "idb": ("IDB", "xlsx", 1081),
    "ebrd": ("EBRD", "csv", 1322),
}


def test_the_three_banks_are_shipped() -> None:
    assert list_datasets() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mapping_loads(name: str) -> None:
    dataset = load_dataset(name)
    department, file_format, rows = EXPECTED[name]
    assert dataset.name == name
    assert dataset.department == department
    assert dataset.category == "development_bank_debarment"
    assert dataset.file.format == file_format
    assert dataset.publisher.url.startswith("https://")
    assert dataset.legal_basis
    assert dataset.expected_rows.min <= rows <= dataset.expected_rows.max
    assert dataset.column_for(Role.SUBJECT_NAME) is not None
    assert dataset.column_for(Role.DECIDED_ON) is not None
    assert dataset.column_for(Role.SUBJECT_COUNTRY) is not None
    assert dataset.column_for(Role.EFFECTIVE_UNTIL) is not None
    assert all(column in dataset.columns for column in dataset.record_id.key)


def test_record_id_prefixes_differ() -> None:
    prefixes = [load_dataset(name).record_id.prefix for name in list_datasets()]
    assert len(set(prefixes)) == len(prefixes)


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(LookupError, match="world_bank"):
        load_dataset("asian_development_bank")
    with pytest.raises(LookupError):
        load_dataset("../mapping")


def _ebrd_data() -> dict[str, Any]:
    text = yaml.safe_dump(load_dataset("ebrd").model_dump(mode="json"))
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_a_mapping_round_trips() -> None:
    assert parse_dataset(yaml.safe_dump(_ebrd_data()), "test") == load_dataset("ebrd")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["columns"].update({"Address": "subject_name"}), "several columns"),
        (lambda d: d["columns"].pop("Firm Name"), "subject_name"),
        (lambda d: d["record_id"]["key"].append("Phone"), "not in columns"),
        (lambda d: d["expected_rows"].update({"min": 2000}), "above max"),
        (lambda d: d["country_aliases"].update({"Kosovo": "Kosovo"}), "two capital letters"),
        (lambda d: d["file"].update({"header_rows": [1, 2]}), "exactly one header line"),
        (lambda d: d["file"].update({"skip_rows_matching": ["("]}), "not a regular expression"),
        (lambda d: d["columns"].update({"Address": "postcode"}), "columns.Address"),
        (lambda d: d.update({"severity": "serious"}), "severity"),
    ],
)
def test_bad_mappings_are_refused(change: Any, message: str) -> None:
    data = _ebrd_data()
    change(data)
    with pytest.raises(ValueError, match=message):
        DatasetMapping.model_validate(data)


# --- values ---------------------------------------------------------------------------------------------


def test_clean_text_trims_and_collapses() -> None:
    assert clean_text("  Gezhouba Dangyang  Cement\nCo., Ltd. ") == "Gezhouba Dangyang Cement Co., Ltd."
    assert clean_text("Mr. Md. Abdul Awal \n\n\n") == "Mr. Md. Abdul Awal"
    assert clean_text("  ") is None
    assert clean_text(None) is None
    # Line-wrap spaces inside Chinese names go; spaces between Latin words stay.
    assert clean_text("河南 省地矿建设工程(集团)安徽 有") == "河南省地矿建设工程(集团)安徽有"
    assert clean_text("Tuấn Lưu Đức") == "Tuấn Lưu Đức"


def test_dates() -> None:
    formats = ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d", "%b %d, %Y"]
    assert parse_date("2024-07-01T12:00:59Z", formats) == "2024-07-01"
    assert parse_date("Jul 03, 2024", formats) == "2024-07-03"
    assert parse_date(" 2024-12-10 ", formats) == "2024-12-10"
    assert parse_date(date(2024, 1, 2), formats) == "2024-01-02"
    assert parse_date(datetime(2024, 1, 2, 23, 59), formats) == "2024-01-02"
    # Unreadable dates pass through as published: the ingestion service rejects them, naming the field.
    assert parse_date("31/02/2024", formats) == "31/02/2024"
    assert parse_date("", formats) is None


def test_countries() -> None:
    aliases = {"peoples republic of china": "CN", "kosovo": "XK"}
    assert country_code("Peoples Republic of China", aliases) == "CN"
    assert country_code("People's Republic of China", aliases) == "CN"
    assert country_code("China", aliases) == "CN"
    assert country_code("KOSOVO", aliases) == "XK"
    assert country_code("Viet Nam", aliases) == "VN"
    assert country_code("Korea, Republic of", aliases) == "KR"
    assert country_code("Türkiye", aliases) == "TR"
    assert country_code("Atlantis", aliases) == "Atlantis"
    assert country_code("Indonesia\n\n\nIndonesia", {"indonesia indonesia": "ID"}) == "ID"
    assert country_code(None, aliases) is None


def test_natural_persons_by_title() -> None:
    wb = load_dataset("world_bank").natural_person
    assert is_natural_person("MR. RUFAT MAJIDOV", None, wb)
    assert is_natural_person("MS. LLOLY YANA DE JESUS", None, wb)
    assert is_natural_person("DR.HANS PETER SCHÖNE", None, wb)
    assert is_natural_person("MD. BILLAL HOSSAIN", None, wb)
    assert not is_natural_person("GRAND MOTORS LLC", None, wb)
    assert not is_natural_person("M/S SUNAULA KHIMTI PVT. CONSTRUCTION LTD.", None, wb)
    assert not is_natural_person("MRK CONSULTING", None, wb)
    assert not is_natural_person("MR.", None, wb)
    ebrd = load_dataset("ebrd").natural_person
    assert is_natural_person("Ms Victoria Slisarenko", None, ebrd)
    assert is_natural_person("Ir. Norma Kumalawati", None, ebrd)
    assert not is_natural_person("MS Gul Construction Co.", None, ebrd)  # M/S: Messrs


def test_natural_persons_by_entity_column() -> None:
    idb = load_dataset("idb").natural_person
    assert is_natural_person("Lucília dos Santos Mercês", "Individual", idb)
    assert is_natural_person("Mr. Bekhruz Gulruzov", "Firm", idb)
    assert not is_natural_person("Zytron Systems", "Firm", idb)


def test_identifiers() -> None:
    kinds = ["uscc", "lei"]
    info = "(新疆天山路桥有限责任公司)(91654202798170403M)*647"
    assert find_identifier(info, kinds) == "91654202798170403M"
    twice = "(和田陆港枢纽中心管理有限公司)(91653201MA793N9JXR)(ID: 91653201MA793N9JXR)*647"
    assert find_identifier(twice, kinds) == "91653201MA793N9JXR"
    assert find_identifier("(Tax ID: 91110108801144696L) *536", kinds) == "91110108801144696L"
    lei = "(aka Taihan Cable & Solution Co., Ltd.)(Reg. No. 988400DCPX4WRVN1G369)*647"
    assert find_identifier(lei, kinds) == "988400DCPX4WRVN1G369"
    assert find_identifier(lei, ["uscc"]) is None  # no 18-character code inside the 20-character one
    assert find_identifier("(Reg. No: U452030R1996PTC004295)*594", kinds) is None
    assert find_identifier("(ID: 91654202798170403O)", ["uscc"]) is None  # O is not in the alphabet
    assert find_identifier("*677", kinds) is None
    assert find_identifier(None, kinds) is None


def test_chinese_names() -> None:
    assert find_han_name("(新疆天山路桥有限责任公司)(91654202798170403M)*647") == "新疆天山路桥有限责任公司"
    nested = "(河南省地矿建设工程(集团)安徽有限公司)*638"
    assert find_han_name(nested) == "河南省地矿建设工程(集团)安徽有限公司"
    fullwidth = "(方正国际软件（北京）有限公司)(Tax ID: 91110108801144696L)"
    assert find_han_name(fullwidth) == "方正国际软件（北京）有限公司"
    assert find_han_name("(新疆交通建设集团股份有限公司, 新疆交建)*647") == "新疆交通建设集团股份有限公司"
    assert find_han_name("(f.k.a. XCCG Municipal Works) (新疆交建市政工程有限责任公司) (916501)") == (
        "新疆交建市政工程有限责任公司"
    )
    assert find_han_name("南昌市禾宏建筑有限公司 *611") == "南昌市禾宏建筑有限公司"
    assert find_han_name("(AKA AMANI B.P., LTD.)") is None
    assert find_han_name(None) is None


def test_record_ids_are_deterministic() -> None:
    first = record_id("wb", ["ACME LTD", "China", "2024-01-01", None])
    assert first == record_id("wb", [" acme  ltd ", "CHINA", date(2024, 1, 1), ""])
    assert first.startswith("wb-") and len(first) == len("wb-") + 24
    assert first != record_id("wb", ["ACME LTD", "China", "2024-01-02", None])
    assert first != record_id("idb", ["ACME LTD", "China", "2024-01-01", None])
    # Field boundaries count: moving text from one field to the next changes the id.
    assert record_id("wb", ["AB", "C"]) != record_id("wb", ["A", "BC"])


# --- one row -------------------------------------------------------------------------------------------


def test_ebrd_row() -> None:
    mapper = RowMapper(load_dataset("ebrd"))
    row = mapper(
        {
            "Firm Name": " Silva Matos Const. E Cons. E Comercio Ltda",
            "Address": "Santa Rita Maranhao Brazil",
            "Nationality": "Peoples Republic of China",
            "Ineligible From": "",
            "Notice Effective At EBRD": "2017-05-31T11:27:59Z",
            " Ineligible Until": "Ongoing",
            "Originating Institution": "World Bank Group",
            "Prohibited Practice": "Corrupt Practice",
        }
    )
    assert tuple(row) == INTERCHANGE_FIELDS
    assert row["subject_name"] == "Silva Matos Const. E Cons. E Comercio Ltda"
    assert row["subject_country"] == "CN"
    assert row["decided_on"] == "2017-05-31"
    assert row["effective_until"] == "open-ended"
    assert row["subject_type"] == "organisation"
    assert row["status"] == "final"
    assert row["severity"] is None and row["amount"] is None and row["currency"] is None
    assert row["legal_basis"] == "EBRD Enforcement Policy and Procedures, Section 8"
    summary = row["summary"] or ""
    assert "Corrupt Practice" in summary
    assert "World Bank Group" in summary
    assert "'Notice Effective At EBRD'" in summary
    assert (row["source_record_id"] or "").startswith("ebrd-")


def test_own_sanctions_are_not_called_cross_debarments() -> None:
    mapper = RowMapper(load_dataset("idb"))
    raw = {
        "Title": "Acme S.A.",
        "Entity": "Firm",
        "Nationality": "Bolivia",
        "From": "Jul 03, 2024",
        "To": "Ongoing",
        "Grounds": " Fraud",
        "Source": "IDB",
        "IDB Sanction Type": "Debarment",
    }
    row = mapper(raw)
    assert row["summary"] == "Grounds: Fraud. Sanction type: Debarment."
    assert row["subject_country"] == "BO"
    assert row["decided_on"] == "2024-07-03"
    assert row["effective_until"] == "open-ended"
    crossed = mapper({**raw, "Source": "ADB cross debarment", "IDB Sanction Type": None})
    assert crossed["summary"] == (
        "Grounds: Fraud. Cross-debarment: first sanctioned by Asian Development Bank."
    )
    assert crossed["source_record_id"] != row["source_record_id"]


def test_world_bank_row() -> None:
    mapper = RowMapper(load_dataset("world_bank"))
    row = mapper(
        {
            "Firm Name": "XINJIANG TIANSHAN ROAD AND BRIDGE CO., LTD.",
            "Additional Firm Info": "(新疆天山路桥有限责任公司)(91654202798170403M)*647",
            "Country": "China",
            "Ineligibility Period / From Date": "2024-06-11",
            "Ineligibility Period / To Date": "2999-12-31",
            "Grounds": "Controlled Affiliate of a Sanctioned Entity",
        }
    )
    assert row["subject_id"] == "91654202798170403M"
    assert row["subject_alt_name"] == "新疆天山路桥有限责任公司"
    assert row["subject_country"] == "CN"
    assert row["effective_until"] == "permanent"
    assert row["summary"] == "Grounds: Controlled Affiliate of a Sanctioned Entity."
