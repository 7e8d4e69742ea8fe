"""The home page and the statistics page, with their JSON twin /api/v1/statistics (issue 16).

The figures are checked against counts made here from the store, row by row with the row-level publicity
rules (`record_public`), not with the SQL the registry counts with. A record before its notice, a record of
a category that is not public and a sole proprietor's record show in no count, on no page."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from credence.identity import build_uscc
from credence.records import publicity
from credence.store.models import Organisation, RatingRow, Record

from helpers import USCC_A, USCC_C, assert_error, notice_all, process_for, row, write_csv

STATS = "/api/v1/statistics"
SOLE = build_uscc("92", "530100", "WR9G5XEA")
SOLE_NAME = "昆明佳和建材经营部"


@pytest.fixture
def registry(client: TestClient, service, engine, tmp_path) -> TestClient:
    """The populated store (A: a public penalty and a shared arrear; B: a licence and an honour), and:
    a sole proprietor's penalty, noticed; an objection answered and a repair approved on A's penalty's
    sibling; then a penalty on C that has not been noticed yet."""
    rows = [
        row(50, subject_id=SOLE, subject_name=SOLE_NAME, decided_on="2026-08-03"),
        row(51, decided_on="2026-07-01", summary="Late annual filing of labels."),
    ]
    service.ingest_file(write_csv(tmp_path / "more.csv", rows), "SAMR")
    notice_all(engine, service)
    process = process_for(service)
    objection = process.object(
        "SAMR", "XZCF-2026-0051", ground="content", statement="wrong", filed_by=f"organisation:{USCC_A}"
    )
    process.answer_objection(
        objection.id, department="SAMR", outcome="upheld", actor="SAMR", reason="checked"
    )
    repair = process.apply_repair(
        "SAMR",
        "XZCF-2026-0051",
        evidence="relabelled",
        commitment="we check",
        applied_by=f"organisation:{USCC_A}",
    )
    process.decide_repair(repair.id, department="SAMR", approve=True, actor="SAMR", reason="relabelled")
    unnoticed = [row(60, subject_id=USCC_C, subject_name="杭州某某食品有限公司", decided_on="2026-09-09")]
    service.ingest_file(write_csv(tmp_path / "unnoticed.csv", unnoticed), "SAMR")
    return client


def independent_counts(engine: Any, catalog: Any, today: Any) -> dict[str, Any]:
    """The figures counted here, row by row."""
    with engine.connect() as conn:
        orgs = {o.id: o for o in conn.execute(select(Organisation.__table__))}
        recs = list(conn.execute(select(Record.__table__)))
        ratings = list(conn.execute(select(RatingRow.__table__)))
        public = [
            r
            for r in recs
            if publicity.record_public(
                conn, catalog, r, today, never_public=orgs[r.organisation_id].never_public
            )
        ]
    named = {
        i
        for i, o in orgs.items()
        if not o.never_public and (o.code is not None or any(r.organisation_id == i for r in public))
    }
    return {
        "organisations": len(named),
        "kinds": Counter(orgs[i].kind or "" for i in named),
        "records": Counter(r.department for r in public),
        "categories": Counter(r.category for r in public),
        "months": Counter((r.department, r.decided_on.isoformat()[:7]) for r in public),
        "grades": Counter(r.grade for r in ratings if r.organisation_id in named),
    }


def test_the_json_twin_counts_what_anyone_may_see(registry: TestClient, engine, catalog, clock) -> None:
    body = registry.get(STATS).json()
    today = date.fromisoformat(body["as_of"])
    expected = independent_counts(engine, catalog, today)
    assert body["organisations"] == expected["organisations"]
    assert body["records"] == sum(expected["records"].values()) > 0
    by_department = {d["department"]: d["records"] for d in body["records_by_department"]}
    assert {k: v for k, v in by_department.items() if v} == dict(expected["records"])
    assert by_department["MOHRSS"] == 0  # the arrear is shared, not public
    assert set(by_department) >= set(catalog.departments)  # every department, with zeros
    assert {c["category"]: c["records"] for c in body["records_by_category"]} == dict(expected["categories"])
    assert "social_insurance_arrears" not in {c["category"] for c in body["records_by_category"]}
    assert {k["kind"]: k["organisations"] for k in body["organisations_by_kind"]} == dict(expected["kinds"])
    assert {g["grade"]: g["organisations"] for g in body["grades"] if g["organisations"]} == dict(
        expected["grades"]
    )
    months = {
        (m["department"], m["month"]): m["records_decided"]
        for m in body["departments_by_month"]
        if m["records_decided"]
    }
    window = {m["month"] for m in body["departments_by_month"]}
    assert len(window) == 12 and max(window) == today.isoformat()[:7]
    assert months == {k: v for k, v in expected["months"].items() if k[1] in window}
    assert ("SAMR", "2026-09") not in months  # C's penalty has had no notice
    samr = {m["month"]: m for m in body["departments_by_month"] if m["department"] == "SAMR"}
    assert samr["2026-11"]["objections_received"] == 1 and samr["2026-11"]["objections_answered"] == 1
    assert samr["2026-11"]["repairs_decided"] == samr["2026-11"]["repairs_approved"] == 1
    assert samr["2026-11"]["objection_answer_days"] == 0.0
    lists = {x["list"]: x["entries"] for x in body["lists"]}
    assert lists == {"serious_dishonesty": 0, "abnormal_operation": 0, "honour": 1}
    assert [e["list"] for e in body["recent_list_entries"]] == ["honour"]
    assert [r["department"] for r in body["recent_repairs"]] == ["SAMR"]
    text = registry.get(STATS).text
    for secret in (SOLE, SOLE_NAME, USCC_C, "XZCF-2026-0060", "XZCF-2026-0050"):
        assert secret not in text
    assert registry.get(STATS, params={"part": "grades"}).json()["grades"] == body["grades"]
    assert_error(
        registry.get(STATS, params={"part": "everything"}), 422, "invalid_part", "part: no such part"
    )


def test_the_home_page_in_english(registry: TestClient) -> None:
    body = registry.get(STATS).json()
    response = registry.get("/")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Credence, an open credit registry of organisations</h1>" in html
    assert re.search(r"Last updated \d{1,2} \w{3} \d{4} at \d\d:\d\d UTC", html)
    assert '<form action="/search" method="get" role="search"' in html and 'name="q"' in html
    assert f"<strong>{body['organisations']}</strong> organisations" in html
    assert '<a href="/lists/honour">Honours list</a>: 1 entry in force' in html
    assert '<a href="/lists/serious_dishonesty">' in html
    samr = next(d["records"] for d in body["records_by_department"] if d["department"] == "SAMR")
    assert (
        f'<th scope="row">State Administration for Market Regulation</th><td class="num">{samr}</td>' in html
    )
    assert "Latest list entries" in html and "Latest repairs" in html
    assert (
        'id="recent-repairs"' in html
        and "Shenzhen" not in html.split('id="recent-repairs"')[1].split("</table>")[0]
    )
    assert "<svg" in html and "<title" in html and 'href="/api/v1/statistics"' in html
    for secret in (SOLE, SOLE_NAME, USCC_C, "杭州某某"):
        assert secret not in html


def test_the_home_page_in_chinese(registry: TestClient) -> None:
    html = registry.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert '<html lang="zh-CN">' in html
    assert "开放的组织信用信息登记平台" in html and "最近更新" in html
    assert "按信用等级统计的组织数" in html and "国家市场监督管理总局" in html
    assert "Latest repairs" not in html and "Organisations by kind" not in html


def test_a_search_sent_to_the_home_page_goes_to_the_search_page(registry: TestClient) -> None:
    response = registry.get("/", params={"q": "杭州", "lang": "zh"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/search?q=%E6%9D%AD%E5%B7%9E&lang=zh"


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def test_the_statistics_page_draws_every_figure_with_its_table_and_twin(registry: TestClient) -> None:
    html = registry.get("/statistics").text
    drawn = svgs(html)
    assert len(drawn) == 10
    for svg in drawn:
        assert 'role="img"' in svg and re.search(r"<title id=\"[\w-]+-title\">[^<]+</title>", svg)
        assert "<script" not in svg
    by_department = next(s for s in drawn if 'id="by-department-title"' in s)
    assert ">Department</text>" in by_department and ">Public records</text>" in by_department
    per_month = next(s for s in drawn if 'id="records-per-month-title"' in s)
    assert ">Month</text>" in per_month and re.search(r">\w{3} 2026</text>", per_month)
    assert html.count('class="chart-table"') == 10
    assert 'href="/api/v1/statistics?part=records_by_department"' in html
    assert 'href="/api/v1/statistics?part=departments_by_month"' in html
    assert "Social insurance" not in html
    for secret in (SOLE, SOLE_NAME, USCC_C):
        assert secret not in html


def test_the_statistics_page_in_chinese(registry: TestClient) -> None:
    html = registry.get("/statistics?lang=zh").text
    assert '<html lang="zh-CN">' in html and "统计数据" in html
    per_month = next(s for s in svgs(html) if 'id="records-per-month-title"' in s)
    assert ">月份</text>" in per_month and re.search(r">2026年\d{1,2}月</text>", per_month)
    assert re.search(r"<th scope=\"row\">2026年\d{1,2}月</th>", html)
    assert "Public records by department" not in html


def test_the_charts_are_drawn_ahead_of_their_first_reader(registry: TestClient) -> None:
    """`credence serve` draws the home and statistics charts in the background (web.home.predraw): a
    reader who comes after it, in either language, waits for no drawing."""
    from credence.web import charts, home

    charts._draw.cache_clear()
    assert home.predraw(registry.app.state.registry) == 2 * 11  # ten statistics charts and the home's grades
    before = charts._draw.cache_info()
    assert before.misses > 0
    for path in ("/statistics", "/statistics?lang=zh", "/?lang=en", "/?lang=zh"):
        assert registry.get(path).status_code == 200
    after = charts._draw.cache_info()
    assert after.misses == before.misses, "a page drew a chart that was not drawn ahead"
    assert after.hits > before.hits
