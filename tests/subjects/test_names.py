"""Names made comparable: legal forms, two scripts in one field, quotes, cut names, case and width."""

from __future__ import annotations

import pytest

from credence.subjects.names import address_form, country_code, identifier, name_forms, phone_digits, postcode


@pytest.mark.parametrize(
    ("published", "core"),
    [
        ("ACME Construction Co., Ltd.", "acme construction"),
        ("ACME CONSTRUCTION CO.,LTD.", "acme construction"),
        ("Acme Construction Company Limited", "acme construction"),
        ("Acme Construction S.A.", "acme construction"),
        ("Acme Construction GmbH", "acme construction"),
        ("Acme Construction SURL", "acme construction"),
        ("Acme Construction SARL", "acme construction"),
        ("Acme Construction LLC", "acme construction"),
        ("Acme Construction L.L.C.", "acme construction"),
        ("Acme Construction S.R.L.", "acme construction"),
        ("Acme Construction (Pvt.) Ltd", "acme construction"),
        ("Acme Construction Private Limited", "acme construction"),
        ("Acme Construction Ltda.", "acme construction"),
        ("Acme Construction Inc.", "acme construction"),
        ("Acme Construction S.A.S.", "acme construction"),
    ],
)
def test_legal_forms_leave_the_core(published: str, core: str) -> None:
    assert name_forms(published).core == core


@pytest.mark.parametrize(
    "published",
    ["北京某某建设有限公司", "北京某某建设股份有限公司", "北京某某建设有限责任公司", "北京某某建设公司"],
)
def test_chinese_legal_forms_leave_the_chinese_form(published: str) -> None:
    forms = name_forms(published)
    assert forms.chinese == "北京某某建设"
    assert forms.latin == forms.core == ""


def test_forms_of_one_kind_compare_equal_in_the_latin_form() -> None:
    # a limited company is written Ltd, Limited, LLC, GmbH or S.R.L. by publishers of different countries
    latin = {name_forms(f"Acme {form}").latin for form in ["Ltd", "Limited", "LLC", "GmbH", "S.R.L.", "SARL"]}
    assert len(latin) == 1


def test_two_scripts_in_one_field_give_both_forms() -> None:
    forms = name_forms("ACME Construction Co., Ltd. (北京某某建设有限公司)")
    assert forms.core == "acme construction"
    assert forms.chinese == "北京某某建设"
    assert forms.tokens == ("acme", "construction")
    full_width = name_forms("ACME Construction Co., Ltd.（北京某某建设有限公司）")
    assert (full_width.core, full_width.chinese) == (forms.core, forms.chinese)


def test_a_region_in_brackets_stays_in_the_chinese_name() -> None:
    assert name_forms("某某（北京）科技有限公司").chinese == "某某北京科技"


@pytest.mark.parametrize(
    "published",
    [
        '"ACME" Construction Ltd',
        "“ACME” Construction Ltd",
        "'ACME' Construction Ltd",
        "«ACME» Construction Ltd",
    ],
)
def test_quotes_and_punctuation_do_not_count(published: str) -> None:
    assert name_forms(published).core == "acme construction"


def test_case_width_and_accents_are_folded() -> None:
    assert name_forms("ＡＣＭＥ ＣＯＮＳＴＲＵＣＴＩＯＮ").core == "acme construction"
    assert (
        name_forms("Société Générale d'Ingénierie SARL").core
        == name_forms("SOCIETE GENERALE D'INGENIERIE").core
    )


def test_a_name_cut_at_80_characters_is_a_prefix_of_the_whole() -> None:
    whole = "Xinjiang Beixin Road and Bridge Group International Engineering and Construction Company Limited"
    cut = whole[:80]
    assert name_forms(whole).core.startswith(name_forms(cut).core)
    assert len(name_forms(cut).core) >= 25


def test_a_name_that_is_only_a_form_keeps_its_words() -> None:
    assert name_forms("Company Limited").core != ""


def test_countries_coded_differently_are_one() -> None:
    assert country_code("gb") == country_code("UK") == country_code(" GB ") == "GB"
    assert country_code("xk") == "XK"
    assert country_code("") is None
    assert country_code(None) is None


def test_identifiers_phones_postcodes_and_addresses() -> None:
    assert identifier("9111 0000-6000 3734 1l") == "91110000600037341L"
    assert identifier(" ") is None
    assert phone_digits("(773) 285-9902") == phone_digits("2859902") == "2859902"
    assert phone_digits("12") is None
    assert postcode("60615-1234") == postcode("60615") == "60615"
    assert address_form("221 E. 51st Street") == address_form("221 East 51st St.")


def test_a_number_in_brackets_after_a_chinese_name_is_no_latin_name() -> None:
    """天津润泽食品股份有限公司（152）took "152" as its Latin form, which then stood for the subject's Latin
    name and kept its English names from ever being compared (found screening 10,000 bidders by name)."""
    forms = name_forms("天津润泽食品股份有限公司（152）")
    assert (forms.latin, forms.core, forms.tokens) == ("", "", ())
    assert forms.chinese.startswith("天津润泽食品")
    assert name_forms("ACME 2000 Construction Ltd").core == "acme 2000 construction"  # a number inside stays
