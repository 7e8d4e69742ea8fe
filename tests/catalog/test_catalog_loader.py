"""The catalog as code: the default loads, and a bad catalog is refused naming the category and line."""

from __future__ import annotations

import textwrap

import pytest

from credence.catalog import CatalogError, InformationClass, Publicity, load_catalog, parse_catalog

REQUIRED_CATEGORIES = {
    "administrative_penalty",
    "administrative_licence",
    "court_judgment",
    "dishonest_judgment_debtor",
    "tax_credit_grade",
    "social_insurance_arrears",
    "abnormal_operation",
    "serious_dishonesty_listing",
    "contract_performance",
    "supplier_payment_default",
    "credit_commitment",
    "commitment_breach",
    "honour",
    "inspection_result",
}


def test_default_catalog_covers_the_required_categories() -> None:
    catalog = load_catalog()
    assert REQUIRED_CATEGORIES <= set(catalog.categories)
    for category in catalog.categories.values():
        assert category.legal_basis.law and category.legal_basis.article
        assert category.departments
        assert category.information_class in InformationClass
    penalty = catalog.categories["administrative_penalty"]
    assert penalty.severity_applies and penalty.publicity is Publicity.public
    assert (
        penalty.publication.minor.max_days,
        penalty.publication.general.min_days,
        penalty.publication.general.max_days,
        penalty.publication.serious.min_days,
        penalty.publication.serious.max_days,
    ) == (0, 90, 365, 365, 1095)
    assert catalog.may_submit("SPC", "dishonest_judgment_debtor")
    assert not catalog.may_submit("SAMR", "court_judgment")
    assert {"SAMR", "STA", "SPC", "MEE", "MOHRSS", "MOF"} <= set(catalog.departments)


def test_there_are_exactly_thirteen_national_information_classes() -> None:
    assert len(InformationClass) == 13


def category_yaml(**fields: str) -> str:
    base = {
        "code": "late_filing",
        "title": "Late filing",
        "information_class": "administrative_management",
        "legal_basis": "{law: Some Law, article: Art. 1}",
        "bases": "[{law: Some Law, law_zh: 某法, articles: '1-9'}]",
        "departments": "[SAMR]",
        "severity_applies": "false",
        "publicity": "public",
        "polarity": "adverse",
        "publication": "{any: {min_days: 0, max_days: 365}}",
    }
    base.update(fields)
    body = "\n".join(f"    {k}: {v}" for k, v in base.items() if v != "<omit>")
    return (
        textwrap.dedent("""\
        version: "t1"
        departments:
          - {code: SAMR, name: Market regulation, domain: market_regulation}
        categories:
          - code: fine
            title: Fine
            information_class: administrative_management
            legal_basis: {law: Some Law, article: Art. 2}
            bases: [{law: Some Law, law_zh: 某法, articles: "1-9"}]
            departments: [SAMR]
            severity_applies: true
            publicity: public
            polarity: adverse
        """)
        + "  -"
        + body[3:]
        + "\n"
    )


def refusal(text: str) -> str:
    with pytest.raises(CatalogError) as info:
        parse_catalog(text, "test.yaml")
    return str(info.value)


def test_a_valid_small_catalog_loads_with_default_severity_periods() -> None:
    catalog = parse_catalog(category_yaml(), "test.yaml")
    assert catalog.categories["fine"].publication.general.max_days == 365
    assert set(catalog.categories) == {"fine", "late_filing"}


def test_category_without_legal_basis_is_refused_by_name_and_line() -> None:
    message = refusal(category_yaml(legal_basis="<omit>"))
    assert "category 'late_filing' (line 14): has no legal_basis" in message


def test_legal_basis_without_article_is_refused() -> None:
    message = refusal(category_yaml(legal_basis="{law: Some Law}"))
    assert "category 'late_filing'" in message and "legal_basis.article" in message


def test_unknown_information_class_is_refused() -> None:
    message = refusal(category_yaml(information_class="loyalty"))
    assert "category 'late_filing' (line 14)" in message
    assert "information class 'loyalty' is not one of the national classes" in message


@pytest.mark.parametrize(
    ("title", "ground"),
    [
        ("Not setting up a party organisation", "party-organisation status"),
        ("未建立党组织", "party-organisation status"),
        ("Religious activities on premises", "belief or religion"),
        ("Trade union activity of staff", "union activity"),
        ("Ethnic composition of the board", "ethnicity"),
        ("Staff health status reports", "health"),
        ("Participation in protests", "assembly"),
        ("Political statements by management", "political opinion or affiliation"),
        ("Family members of directors", "family relations"),
        ("Whereabouts of the legal representative", "movements"),
        ("Online comments about the government", "speech"),
    ],
)
def test_prohibited_grounds_are_refused(title: str, ground: str) -> None:
    message = refusal(category_yaml(title=f'"{title}"'))
    assert "category 'late_filing'" in message
    assert f"concerns a prohibited ground ({ground}" in message


def test_prohibited_ground_in_criteria_or_legal_basis_is_refused() -> None:
    assert "union activity" in refusal(category_yaml(criteria='["collective bargaining refused"]'))
    assert "belief or religion" in refusal(
        category_yaml(legal_basis="{law: Regulations on Religious Affairs, article: Art. 1}")
    )


def test_lawful_fields_that_mention_health_or_safety_still_load() -> None:
    text = category_yaml(
        title='"Public health and safety violation"',
        code="public_health_safety",
        information_class="serious_dishonesty",
    )
    assert "public_health_safety" in parse_catalog(text).categories


def test_unknown_department_and_duplicates_are_refused() -> None:
    assert "names department 'TAX', which the catalog does not declare" in refusal(
        category_yaml(departments="[SAMR, TAX]")
    )
    assert "category 'fine'" in refusal(category_yaml(code="fine")) and "appears twice" in refusal(
        category_yaml(code="fine")
    )


def test_publication_periods_are_checked() -> None:
    assert "max_days (30) is shorter than min_days (90)" in refusal(
        category_yaml(publication="{any: {min_days: 90, max_days: 30}}")
    )
    assert "publication.any (min_days, max_days) is required" in refusal(category_yaml(publication="<omit>"))
    assert "less than or equal to 3650" in refusal(
        category_yaml(publication="{any: {min_days: 0, max_days: 99999}}")
    )


def test_invalid_yaml_names_the_line() -> None:
    message = refusal("version: 1\ncategories: [\n")
    assert "(line 3)" in message and "not valid YAML" in message


def test_unknown_keys_are_refused() -> None:
    assert "punishes_relatives" in refusal(category_yaml(punishes_relatives="true"))
