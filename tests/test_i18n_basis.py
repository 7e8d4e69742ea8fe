"""Legal bases in the reader's language (issue 16): the laws the registry's own files cite (a category's,
a list criterion's, a measure's, a commitment template's) carry their Chinese title and article, and a
Chinese reader sees 《市场监督管理严重违法失信名单管理办法》第十条 where an English one sees "Measures for the
Administration of the List of Seriously Dishonest Entities in Market Regulation, Art. 10". The English
citation is what is compared, stored and given to machines (JSON, CSV), unchanged; a record's own legal
basis, as its department wrote it, is shown as written."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pypdf import PdfReader
from typer.testing import CliRunner

from credence import i18n
from credence.catalog import CatalogError, Citations, LegalBasis, parse_catalog
from credence.cli.main import app
from credence.measures.catalog import load_measures
from credence.process import notices

from helpers import USCC_A, USCC_B, checks_for, debarment, notice_all, row, write_csv

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
SHIPPED = (
    ("credence.catalog", "default_catalog.yaml"),
    ("credence.lists", "default_lists.yaml"),
    ("credence.measures", "default_measures.yaml"),
    ("credence.commitments", "default_templates.yaml"),
)
HONOUR_EN = (
    "Guiding Opinions of the State Council on Joint Incentives for Trustworthiness and Joint Discipline for "
    "Dishonesty, Section 2"
)
HONOUR_ZH = "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》第二部分"
FAST_TRACK_ZH = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》第二部分第（六）项"
)


def legal_bases(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every `legal_basis` of a YAML document as written, with where it is."""
    if isinstance(node, dict):
        if isinstance(node.get("legal_basis"), dict):
            yield f"{where}/{node.get('code', '')}", node["legal_basis"]
        for key, value in node.items():
            yield from legal_bases(value, f"{where}/{key}" if key != "legal_basis" else where)
    elif isinstance(node, list):
        for item in node:
            yield from legal_bases(item, where)


@pytest.mark.parametrize(("package", "name"), SHIPPED)
def test_every_legal_basis_the_registry_ships_is_cited_in_chinese_too(package: str, name: str) -> None:
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    found = list(legal_bases(yaml.safe_load(text)))
    assert found, name
    for where, basis in found:
        assert basis.get("law_zh"), f"{name}{where}: legal_basis has no law_zh"
        assert basis.get("article_zh"), f"{name}{where}: legal_basis has no article_zh"
        cited = LegalBasis(**basis)
        with i18n.language("zh"):
            chinese = cited.cited()
        assert chinese.startswith("《") and cited.article not in chinese, chinese
        assert cited.cited() == str(cited) == f"{basis['law']}, {basis['article']}"


def test_a_citation_in_each_language_and_the_english_one_unchanged() -> None:
    law = "Measures for the Administration of the List of Seriously Dishonest Entities in Market Regulation"
    basis = LegalBasis(
        law=law, article="Art. 10", law_zh="市场监督管理严重违法失信名单管理办法", article_zh="第十条"
    )
    english = f"{law}, Art. 10"
    assert str(basis) == basis.cited() == english
    assert basis.law_cited() == basis.law
    with i18n.language("zh"):
        assert basis.cited() == "《市场监督管理严重违法失信名单管理办法》第十条"
        assert basis.law_cited() == "《市场监督管理严重违法失信名单管理办法》"
        assert str(basis) == english  # what is compared with the catalog and stored
        # Without a Chinese title, the English citation; a title already in 《》 keeps its own brackets.
        assert LegalBasis(law="Some Law", article="Art. 2").cited() == "Some Law, Art. 2"
        assert (
            LegalBasis(law="A", article="Section 4", law_zh="《甲》（2010年）").cited()
            == "《甲》（2010年）Section 4"
        )
    with pytest.raises(ValidationError, match="article_zh is given without law_zh"):
        LegalBasis(law="Some Law", article="Art. 2", article_zh="第二条")


def test_a_stored_citation_is_shown_in_chinese_only_when_it_is_the_registrys_own() -> None:
    basis = LegalBasis(
        law="Civil Code", article="Art. 509", law_zh="中华人民共和国民法典", article_zh="第五百零九条"
    )
    cite = Citations([basis])
    with i18n.language("zh"):
        assert cite("Civil Code, Art. 509") == cite(basis) == "《中华人民共和国民法典》第五百零九条"
        assert cite("Social Insurance Law, Art. 86") == "Social Insurance Law, Art. 86"  # a clerk's text
        assert cite(None) == ""
    assert cite("Civil Code, Art. 509") == "Civil Code, Art. 509"


def test_the_list_page_in_chinese_cites_the_law_in_chinese(client: TestClient) -> None:
    zh = client.get("/lists/honour", headers=ZH).text
    assert f"<td>{HONOUR_ZH}</td>" in zh  # the entry's legal basis, stored in English
    assert f" — {HONOUR_ZH}" in zh  # the criterion's
    assert "Section 2" not in zh
    serious = client.get("/lists/serious_dishonesty", headers=ZH).text
    assert "《市场监督管理严重违法失信名单管理办法》第十条" in serious
    assert "Seriously Dishonest Entities in Market Regulation, Art. 10" not in serious
    en = client.get("/lists/honour").text
    assert f"<td>{HONOUR_EN}</td>" in en and f" — {HONOUR_EN}" in en and "《" not in en
    # Machines read the English citation whatever the language.
    api = client.get("/api/v1/lists/honour", headers=ZH).json()
    assert {e["legal_basis"] for e in api["items"]} == {HONOUR_EN}


def test_a_check_answer_in_chinese_cites_the_measures_law_in_chinese(client: TestClient) -> None:
    params = {"subject": USCC_B, "domain": "licensing"}
    zh = client.get("/checks", params=params, headers=ZH).text
    assert f"<td>{FAST_TRACK_ZH}</td>" in zh and "Section 2(6)" not in zh
    en = client.get("/checks", params=params).text
    assert "Dishonesty, Section 2(6)</td>" in en and "《" not in en
    api = client.get("/api/v1/checks", params=params, headers=ZH).json()
    (measure,) = api["measures"]
    assert measure["legal_basis"].endswith("Joint Discipline for Dishonesty, Section 2(6)")


def test_the_catalog_page_cites_each_categorys_law_in_the_readers_language(client: TestClient) -> None:
    zh = client.get("/catalog", headers=ZH).text
    assert "<td>《中华人民共和国行政处罚法》第四十八条</td>" in zh
    en = client.get("/catalog").text
    assert "<td>Administrative Penalty Law of the People&#39;s Republic of China, Art. 48</td>" in en


def test_a_records_own_legal_basis_is_shown_as_its_department_wrote_it(client: TestClient) -> None:
    page = client.get("/records/SAMR/XZCF-2026-0001", headers=ZH)
    assert page.status_code == 200
    assert "<td>Food Safety Law, Art. 124</td>" in page.text  # data, never translated


def test_the_report_in_chinese_cites_the_laws_of_its_entries_and_measures_in_chinese(
    client: TestClient,
) -> None:
    issued = client.post(f"/organisations/{USCC_B}/report.pdf", headers=ZH)
    assert issued.status_code == 200
    text = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(issued.content)).pages
    )
    assert HONOUR_ZH in text and FAST_TRACK_ZH in text
    # The honour's own record keeps the legal basis it was stored with (a record's, shown as written).
    assert text.count("JointIncentives") == 1
    english = client.post(f"/organisations/{USCC_B}/report.pdf")
    text = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(english.content)).pages
    )
    assert "JointDisciplineforDishonesty,Section2(6)" in text and "《" not in text
    # The content the fingerprint covers keeps the English citation.
    code = issued.headers["x-verification-code"]
    answer = client.get(f"/api/v1/reports/{code}").json()
    assert (answer["genuine"], answer["current"]) == (True, True)


def test_a_chinese_title_that_cites_a_denied_law_is_refused_like_the_english_one() -> None:
    text = resources.files("credence.catalog").joinpath("default_catalog.yaml").read_text(encoding="utf-8")
    assert "      law_zh: 中华人民共和国行政处罚法\n" in text
    with pytest.raises(CatalogError) as refused:
        parse_catalog(
            text.replace("      law_zh: 中华人民共和国行政处罚法\n", "      law_zh: 宗教事务条例\n", 1)
        )
    assert "administrative_penalty" in str(refused.value) and "religio" in str(refused.value)


def test_a_decision_abroad_names_the_agreement_in_the_readers_language(process, catalog, tmp_path) -> None:
    listed = debarment("wb-1", decided_on="2026-01-10", until="2028-12-31")
    process.ingest.ingest_file(write_csv(tmp_path / "wb.csv", [listed]), "WB")
    notice_all(process.engine, process.ingest)
    checks = checks_for(process)
    with i18n.language("zh"):
        (zh,) = checks.check(USCC_A, "mdb_financed_procurement").applied
        assert (
            checks.citations(zh.measure.legal_basis)
            == "《多边开发银行相互执行取消资格决定协议》（2010年）第四节"
        )
    (en,) = checks.check(USCC_A, "mdb_financed_procurement").applied
    assert "依据《多边开发银行相互执行取消资格决定协议》（2010年）在境内产生效力" in zh.because
    # The decision's own legal basis, as its maker published it.
    assert zh.decision is not None and "(World Bank Sanctions Procedures, Section 9.01)" in zh.decision
    assert en.because.endswith(
        "; Agreement for Mutual Enforcement of Debarment Decisions among Multilateral Development Banks "
        "(2010) gives it effect here"
    )


def test_the_command_lines_check_cites_the_law_in_the_language_of_its_environment(
    store_url, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def cli(*args: str, **env: str) -> Any:
        return runner.invoke(
            app, list(args), env={"CREDENCE_DATABASE_URL": store_url, "COLUMNS": "400", **env}
        )

    licence = row(1, category="administrative_licence", severity=None, amount=None, currency=None)
    assert cli("ingest", str(write_csv(tmp_path / "l.csv", [licence])), "--department", "SAMR").exit_code == 0
    entry = ("lists", "enter", USCC_A, "--criterion", "unreachable", "--department", "SAMR")
    assert cli(*entry, "--facts", "Mail returned.", "--decision", "AB-1", "--actor", "clerk").exit_code == 0
    assert cli("records", "notice", "SAMR", "LIST-1", "--actor", "clerk", "--channel", "post").exit_code == 0
    check = ("check", USCC_A, "--domain", "public_procurement")
    chinese = cli(*check, CREDENCE_LANG="zh").output
    assert "《中华人民共和国政府采购法实施条例》第十七条" in chinese
    english = cli(*check, CREDENCE_LANG="en").output
    assert "Regulations for the Implementation of the Government Procurement Law, Art. 17" in english
    assert "《" not in english
    machine = json.loads(cli(*check, "--json", CREDENCE_LANG="zh").stdout)
    (measure,) = machine["measures"]
    assert (
        measure["legal_basis"]
        == "Regulations for the Implementation of the Government Procurement Law, Art. 17"
    )


def test_a_proposal_notice_cites_the_criterions_law_in_the_language_it_is_written_in(
    process, tmp_path
) -> None:
    licence = row(1, category="administrative_licence", severity=None, amount=None, currency=None)
    process.ingest.ingest_file(write_csv(tmp_path / "l.csv", [licence]), "SAMR")
    notice_all(process.engine, process.ingest)
    with i18n.language("zh"):
        entry = process.lists.propose(
            "SAMR", USCC_A, "grave_food_drug_safety", facts="F.", decision_ref="D-1", actor="SAMR clerk"
        )
    with process.engine.connect() as conn:
        (told,) = [n.message for n in notices.inbox(conn, entry.organisation_id) if n.kind == "list_proposal"]
    assert "；《市场监督管理严重违法失信名单管理办法》第五条）" in told and "Art. 5" not in told


def test_the_profile_cites_its_entries_law_in_the_readers_language(client: TestClient) -> None:
    assert f"({HONOUR_ZH})" in client.get(f"/organisations/{USCC_B}", headers=ZH).text
    assert f"({HONOUR_EN})" in client.get(f"/organisations/{USCC_B}").text


@pytest.mark.parametrize(
    ("package", "name", "chinese"),
    [
        ("credence.lists", "default_lists.yaml", "      law_zh: 市场监督管理严重违法失信名单管理办法\n"),
        ("credence.measures", "default_measures.yaml", "      law_zh: 中华人民共和国政府采购法\n"),
        (
            "credence.commitments",
            "default_templates.yaml",
            "      law_zh: 国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见\n",
        ),
    ],
)
def test_a_list_measure_or_commitment_citing_a_denied_law_in_chinese_only_is_refused(
    catalog, tmp_path, package: str, name: str, chinese: str
) -> None:
    """The hard line holds in both languages: a criterion, measure or commitment template whose Chinese
    citation names a denied law does not load, whatever its English citation says."""
    from credence.catalog.loader import Refused
    from credence.commitments.templates import load_templates
    from credence.lists.config import load_lists

    load = {"credence.lists": load_lists, "credence.measures": load_measures}.get(package, load_templates)
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    assert chinese in text
    shipped, changed = tmp_path / "shipped.yaml", tmp_path / "changed.yaml"
    shipped.write_text(text, encoding="utf-8")
    changed.write_text(text.replace(chinese, "      law_zh: 宗教事务条例\n", 1), encoding="utf-8")
    load(catalog, shipped)  # as shipped: loads
    with pytest.raises(Refused) as refused:
        load(catalog, changed)
    assert "religio" in str(refused.value), str(refused.value)
