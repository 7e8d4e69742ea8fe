"""Lists and measures in the reader's language (issue 16): the list procedures' refusals and the notices they
write, a check's because and remedy, the criteria on the list page and an identifier's registration
authority read in Chinese when the work is in Chinese, and exactly as before in English. Codes, and what a
clerk typed, stay as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credence import i18n
from credence.identity import IdentifierError, parse_uscc
from credence.process import notices
from credence.process.errors import NotAllowed, NotFound

from helpers import USCC_A, USCC_B, checks_for, debarment, notice_all, row, write_csv

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
FACTS = "Three serious food-safety penalties in 2026."


def propose(process: Any, criterion: str = "grave_food_drug_safety") -> Any:
    return process.lists.propose(
        "SAMR", USCC_A, criterion, facts=FACTS, decision_ref="SAMR-2026-0001", actor="SAMR credit office"
    )


def held(process: Any, tmp_path: Path) -> None:
    """A's licence, published: A is in the registry."""
    licence = row(1, category="administrative_licence", severity=None, amount=None, currency=None)
    process.ingest.ingest_file(write_csv(tmp_path / "samr.csv", [licence]), "SAMR")
    notice_all(process.engine, process.ingest)


def test_a_list_procedure_refuses_in_the_readers_language(process) -> None:
    with i18n.language("zh"), pytest.raises(NotAllowed) as zh:
        propose(process, "no_such_criterion")
    assert "“no_such_criterion”不是严重失信主体名单的认定标准" in str(zh.value)  # the code as typed
    assert "grave_food_drug_safety" in str(zh.value) and "criterion of" not in str(zh.value)
    with i18n.language("zh"), pytest.raises(NotFound, match="无名单条目 999"):
        process.lists.cure(999, department="SAMR", actor="SAMR credit office", evidence="filed")
    with pytest.raises(
        NotAllowed, match="'no_such_criterion' is not a criterion of the serious-dishonesty list"
    ):
        propose(process, "no_such_criterion")
    with pytest.raises(NotFound, match="^no list entry 999$"):
        process.lists.cure(999, department="SAMR", actor="SAMR credit office", evidence="filed")


def test_the_proposal_notice_is_written_in_the_language_of_whoever_proposed(process, tmp_path: Path) -> None:
    held(process, tmp_path)
    with i18n.language("zh"):
        entry = propose(process)
    with process.engine.connect() as conn:
        (notice,) = [n for n in notices.inbox(conn, entry.organisation_id) if n.kind == "list_proposal"]
    told = notice.message
    assert told.startswith("SAMR拟依据认定标准“grave_food_drug_safety”（公共卫生和安全；")
    assert FACTS in told  # what the clerk wrote is kept as written
    assert "30 日内进行陈述、申辩" in told and "作出决定前，不予公示任何信息。" in told
    assert "You have" not in told
    # Kept as written: read later in English, it is the same notice.
    with process.engine.connect() as conn:
        again = [n for n in notices.inbox(conn, entry.organisation_id) if n.kind == "list_proposal"]
    assert again[0].message == told


def test_the_proposal_notice_in_english_is_as_it_was(process, tmp_path: Path) -> None:
    held(process, tmp_path)
    entry = propose(process)
    with process.engine.connect() as conn:
        (notice,) = [n for n in notices.inbox(conn, entry.organisation_id) if n.kind == "list_proposal"]
    assert notice.message == (
        "SAMR proposes to put you on the serious-dishonesty list under criterion 'grave_food_drug_safety' "
        "(public health and safety; Measures for the Administration of the List of Seriously Dishonest "
        f"Entities in Market Regulation, Art. 5): {FACTS} You have 30 days from delivery of this notice "
        "to answer, and may ask for a hearing if you dispute the facts. Nothing is published before the "
        "decision."
    )


def test_a_check_answer_in_chinese_gives_its_because_and_remedy_in_chinese(client: TestClient) -> None:
    params = {"subject": USCC_B, "domain": "licensing"}
    zh = client.get("/api/v1/checks", params=params, headers=ZH).json()
    en = client.get("/api/v1/checks", params=params).json()
    assert zh["result"] == en["result"] == "fast_track"  # the codes do not change
    (m_zh,), (m_en,) = zh["measures"], en["measures"]
    assert m_zh["code"] == m_en["code"] == "licensing_fast_track_honour"
    assert m_zh.keys() == m_en.keys()
    assert "列入守信激励名单" in m_zh["because"] and m_zh["because"].endswith("：守合同重信用企业")
    assert "信用修复" in m_zh["remedy"] and "SAMR/LIST-" in m_zh["remedy"]
    assert "Contract-abiding" not in m_zh["because"] and "Apply to repair" not in m_zh["remedy"]
    assert m_en["because"].startswith("honour list entry ")
    assert m_en["because"].endswith(": Contract-abiding and creditworthy enterprise.")
    assert m_en["remedy"].startswith("Apply to repair record SAMR/LIST-")
    assert "free of charge" in m_en["remedy"]


def test_a_decision_abroad_is_explained_in_chinese(process, catalog, tmp_path: Path) -> None:
    listed = debarment("wb-1", decided_on="2026-01-10", until="2028-12-31")
    process.ingest.ingest_file(write_csv(tmp_path / "wb.csv", [listed]), "WB")
    notice_all(process.engine, process.ingest)
    process.rating.rate()
    checks = checks_for(process)
    with i18n.language("zh"):
        (zh,) = checks.check(USCC_A, "mdb_financed_procurement").applied
    (en,) = checks.check(USCC_A, "mdb_financed_procurement").applied
    assert "多边开发银行取消资格决定（至 2028-12-31，期限超过 1 年，列于" in zh.because
    assert zh.remedy.startswith("对该决定有异议的，请向the World Bank's Office of Suspension and Debarment")
    assert (zh.decision, zh.contest, zh.list) == (en.decision, en.contest, en.list)  # data, as published
    assert en.because.startswith(
        "development bank debarment by World Bank Group (Sanctions System) from 2026-01-10 until 2028-12-31, "
        "more than 1 year, on World Bank Listing"
    )
    assert "Credence republishes it and cannot lift it" in en.remedy


def test_the_list_page_in_chinese_shows_the_criteria_in_chinese(client: TestClient) -> None:
    zh = client.get("/lists/honour", headers=ZH).text
    assert '<strong lang="zh">守合同重信用企业</strong> <span lang="en">Contract-abiding' in zh
    assert "<td>守合同重信用企业</td>" in zh  # the entry's criterion
    en = client.get("/lists/honour").text
    assert '<strong>Contract-abiding and creditworthy enterprise.</strong> <span lang="zh">' in en


def test_the_registration_authority_is_named_in_the_readers_language() -> None:
    code = "951100006000373410"  # authority 9 (market regulation) has no entity category 5
    with i18n.language("zh"), pytest.raises(IdentifierError) as zh:
        parse_uscc(code)
    assert "市场监管（工商）" in str(zh.value) and "market regulation" not in str(zh.value)
    with pytest.raises(IdentifierError, match=r"authority '9' \(market regulation\) has no entity category"):
        parse_uscc(code)


def test_only_the_organisation_itself_answers_in_chinese_too(process, tmp_path: Path) -> None:
    held(process, tmp_path)
    entry = propose(process)
    with i18n.language("zh"), pytest.raises(NotAllowed, match="仅拟被列入名单的主体本身"):
        process.lists.answer(entry.id, statement="s", hearing=False, filed_by="organisation:OTHER")
