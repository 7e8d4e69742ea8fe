"""The departments as decision-makers: the public page, its JSON twin (the one list shape), open to anyone
outside demo mode, with the deadlines it explains read from the settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from credence.server import create_app

from helpers import USCC_A, USCC_B, notice_all, process_for, row, write_csv

FIGURES = "/api/v1/departments/figures"


@pytest.fixture
def decided(service, engine, clock, tmp_path) -> None:
    """Three published records. SAMR corrects one objection the day it is filed and lets another lapse;
    MOHRSS approves a repair application the day it is made. Then 31 days pass and the tick runs."""
    penalties = [row(1), row(2, subject_id=USCC_B, subject_name="Shenzhen Example Electronics Co. Ltd.")]
    service.ingest_file(write_csv(tmp_path / "samr.csv", penalties), "SAMR")
    # One submission refused on a prohibited ground: counted on the page, its text kept nowhere.
    refused = [row(3, summary="Allowed staff to hold a Falun Gong study session.")]
    service.ingest_file(write_csv(tmp_path / "refused.csv", refused), "SAMR")
    arrears = [
        row(
            "SI-1",
            category="social_insurance_arrears",
            severity=None,
            decided_on="2026-09-01",
            legal_basis="Social Insurance Law, Art. 86",
        )
    ]
    service.ingest_file(write_csv(tmp_path / "mohrss.csv", arrears), "MOHRSS")
    notice_all(engine, service)
    process = process_for(service)
    answered = process.object(
        "SAMR", "XZCF-2026-0001", ground="content", statement="wrong", filed_by=f"organisation:{USCC_A}"
    )
    process.answer_objection(
        answered.id,
        department="SAMR",
        outcome="corrected",
        actor="SAMR review office",
        reason="checked",
        corrections={"summary": "Labels corrected on inspection."},
    )
    process.object(
        "SAMR", "XZCF-2026-0002", ground="period", statement="too long", filed_by=f"organisation:{USCC_B}"
    )
    repair = process.apply_repair(
        "MOHRSS", "SI-1", evidence="paid", commitment="we pay on time", applied_by=f"organisation:{USCC_A}"
    )
    process.decide_repair(repair.id, department="MOHRSS", approve=True, actor="MOHRSS", reason="paid")
    clock.advance(timedelta(days=31))
    assert process.tick().objections_lapsed == 1


@pytest.fixture
def public(settings, clock, decided) -> Iterator[TestClient]:
    """The app outside demo mode, seen from elsewhere than 127.0.0.1: only what is public answers."""
    with TestClient(create_app(settings, clock), client=("10.0.0.8", 5)) as client:
        yield client


def cells(page: str, code: str) -> list[str]:
    """The text of each cell of a department's row."""
    found = re.search(rf'<tr id="department-{code}">(.*?)</tr>', page, flags=re.S)
    assert found, f"no row for {code}"
    raw = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found.group(1), flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in raw]


def test_the_page_shows_every_department_and_how_each_figure_is_computed(public: TestClient, catalog) -> None:
    page = public.get("/departments")
    assert page.status_code == 200
    assert '<a href="/departments">Departments</a>' in page.text
    assert f'<link rel="alternate" type="application/json" href="{FIGURES}">' in page.text
    assert page.text.count('<tr id="department-') == len(catalog.departments)
    assert "As of 26 Dec 2026." in page.text
    assert cells(page.text, "SAMR") == [
        "State Administration for Market Regulation 国家市场监督管理总局 (SAMR)",
        "2",  # records published
        "2",  # objections received
        "0",  # pending
        "50% (1 of 2)",  # answered in time: one corrected that day, one lapsed
        "1",  # lapsed
        "100% (1 of 1)",  # corrected or withdrawn, of those answered
        "0",
        "0",
        "—",
        "1",  # refused on a prohibited ground
    ]
    assert cells(page.text, "MOHRSS")[1:] == ["1", "0", "0", "—", "0", "—", "1", "0", "100% (1 of 1)", "0"]
    # Nothing to count: zeros, and a dash where a percentage would divide by zero.
    assert cells(page.text, "WB") == [
        "World Bank Group (Sanctions System) (WB)",
        *("0", "0", "0", "—", "0", "—", "0", "0", "—", "0"),
    ]
    how = re.search(r'<p id="how">(.*?)</p>', page.text, flags=re.S)
    assert how
    text = re.sub(r"<[^>]+>", "", how.group(1))
    for words in ("within 30 days of its filing", "within 15 days more, once", "within 3 working days"):
        assert words in text, words


def test_the_explanation_follows_the_settings(settings, clock) -> None:
    changed = settings.model_copy(
        update={
            "objection_answer_days": 45,
            "objection_extension_days": 20,
            "repair_decision_working_days": 5,
        }
    )
    with TestClient(create_app(changed, clock)) as client:
        text = client.get("/departments").text
    for words in ("within 45 days of its filing", "within 20 days more, once", "within 5 working days"):
        assert words in text, words


def test_the_json_twin_is_a_public_list_with_the_same_numbers(public: TestClient, catalog) -> None:
    body = public.get(FIGURES).json()
    second = public.get(FIGURES, params={"page": 2, "per_page": 4}).json()
    bad = public.get(FIGURES, params={"per_page": 101})
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (len(catalog.departments), 1, 100)
    assert [i["code"] for i in body["items"]] == list(catalog.departments)
    assert [i["code"] for i in second["items"]] == list(catalog.departments)[4:8]
    items = {i["code"]: i for i in body["items"]}
    assert items["SAMR"] == {
        "code": "SAMR",
        "name": "State Administration for Market Regulation",
        "name_zh": "国家市场监督管理总局",
        "records_published": 2,
        "objections_received": 2,
        "objections_pending": 0,
        "objections_measured": 2,
        "objections_answered": 1,
        "objections_answered_in_time": 1,
        "objections_corrected_or_withdrawn": 1,
        "objections_lapsed": 1,
        "objections_overdue": 0,
        "objections_in_time_rate": 0.5,
        "correction_rate": 1.0,
        "repairs_received": 0,
        "repairs_pending": 0,
        "repairs_measured": 0,
        "repairs_decided": 0,
        "repairs_decided_in_time": 0,
        "repairs_overdue": 0,
        "repairs_in_time_rate": None,
        "refused_prohibited_ground": 1,
    }
    mohrss = items["MOHRSS"]
    assert {k: v for k, v in mohrss.items() if k.startswith("repairs_") or k.endswith("_rate")} == {
        "repairs_received": 1,
        "repairs_pending": 0,
        "repairs_measured": 1,
        "repairs_decided": 1,
        "repairs_decided_in_time": 1,
        "repairs_overdue": 0,
        "repairs_in_time_rate": 1.0,
        "objections_in_time_rate": None,
        "correction_rate": None,
    }
    assert items["WB"]["name_zh"] is None and items["WB"]["records_published"] == 0
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
