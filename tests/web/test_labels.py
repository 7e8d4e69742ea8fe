"""Codes read as labels: `{{ code|label }}` names a code in the reader's language, from the catalog (titles,
department names, measures) and from the message catalogs for the codes the catalog does not name."""

from __future__ import annotations

from types import SimpleNamespace

from credence import i18n
from credence.catalog import Catalog
from credence.measures.catalog import load_measures
from credence.web.labels import CODES, label
from credence.web.templating import templates


def registry_of(catalog: Catalog) -> SimpleNamespace:
    return SimpleNamespace(catalog=catalog, measures=load_measures(catalog))


def test_codes_read_as_labels_in_english_and_chinese(catalog: Catalog) -> None:
    registry = registry_of(catalog)
    with i18n.language("en"):
        assert label("farmers_cooperative", "kind") == "Farmers' cooperative"
        debtor = label("dishonest_judgment_debtor", registry=registry)
        assert debtor == "Dishonest judgment debtor (enforcement)"
        assert label("administrative_penalty", "category", registry) == "Administrative penalty"
        assert label("SAMR", "department", registry) == "State Administration for Market Regulation"
        assert label("procurement_exclusion", "measure", registry) == "Excluded from government procurement"
        assert label("serious_dishonesty", "list") == "Serious dishonesty list"
        assert label("pending", "status") == "Pending, not final"
        assert label("honour", "list") == "Honours list"  # the kind chooses: honour is also a category
    with i18n.language("zh"):
        assert label("farmers_cooperative") == "农民专业合作社"
        assert label("dishonest_judgment_debtor", registry=registry) == "失信被执行人"
        assert label("administrative_penalty", "category", registry) == "行政处罚"
        assert label("SAMR", "department", registry) == "国家市场监督管理总局"
        assert label("procurement_exclusion", "measure", registry) == "限制参与政府采购活动"
        assert label("serious_dishonesty", "list") == "严重失信主体名单"
        assert label("serious", "severity") == "严重" and label("final", "status") == "已生效"


def test_every_code_named_here_has_a_chinese_label_and_unknown_codes_stay_readable() -> None:
    with i18n.language("zh"):
        for kind, codes in CODES.items():
            for code, english in codes.items():
                assert label(code, kind) != english, f"{kind} {code} is not translated"
    assert label("some_new_kind") == "Some new kind"  # never an error, never a bare code with underscores
    assert label("SAMR") == "SAMR" and label("91110000600037341L") == "91110000600037341L"
    assert label(None) == "" and label("") == ""


def test_the_filter_reads_the_requests_catalog_and_language(catalog: Catalog) -> None:
    env = templates().env
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(registry=registry_of(catalog))))
    page = env.from_string(
        "{{ 'farmers_cooperative'|label('kind') }} | {{ 'dishonest_judgment_debtor'|label }}"
        " | {{ 'SAMR'|label('department') }}"
    )
    with i18n.language("zh"):
        assert page.render(request=request) == "农民专业合作社 | 失信被执行人 | 国家市场监督管理总局"
    with i18n.language("en"):
        assert page.render(request=request) == (
            "Farmers&#39; cooperative | Dishonest judgment debtor (enforcement)"
            " | State Administration for Market Regulation"
        )
    assert env.from_string("{{ 'enterprise'|label }}").render() == "Enterprise"  # no request: no catalog
