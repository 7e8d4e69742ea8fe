"""The profile adds up (issue 16): its reasons sum to the score, caps and records shared only with public
bodies included, on the page, in the JSON and in both languages; its history chart has dated axes, grade
bands and a point for every change, several on one day included, with the history in a table beneath;
an ended record is not on the page and nothing offers an action about it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from credence.rating import load_policy
from credence.rating.service import RatingService
from credence.server import create_app

from helpers import USCC_A, USCC_B, notice_all, process_for, row, write_csv

PENALTIES = [
    row(1, severity="serious", decided_on="2026-06-01"),
    row(2, severity="serious", decided_on="2026-07-01"),
    row(3, severity="serious", decided_on="2026-08-01"),
]
ARREARS = row(
    "SI-1",
    category="social_insurance_arrears",
    severity=None,
    decided_on="2026-09-01",
    legal_basis="Social Insurance Law, Art. 86",
)


@pytest.fixture
def capped(service, engine, catalog, clock, settings, tmp_path):
    """A with three serious penalties (600 points, capped at 400) whose notices reach it one by one on one
    day, then arrears shared with public bodies only; B clean."""
    rows = [*PENALTIES, row(9, subject_id=USCC_B, category="administrative_licence", severity=None)]
    service.ingest_file(write_csv(tmp_path / "samr.csv", rows), "SAMR")
    service.ingest_file(write_csv(tmp_path / "mohrss.csv", [ARREARS]), "MOHRSS")
    rating = RatingService(engine, catalog, load_policy(catalog), clock, settings)
    rating.rate()
    process = process_for(service)
    for n in (1, 2, 3):
        process.deliver_record_notice("SAMR", f"XZCF-2026-000{n}", actor="SAMR clerk", channel="by hand")
    notice_all(engine, service)
    rating.rate()
    return process


@pytest.fixture
def client(api_settings, clock, capped) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings, clock), client=("127.0.0.1", 50000)) as c:
        yield c


def reasons_table(html: str) -> list[tuple[int, str]]:
    table = re.search(r'<table id="reasons".*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, "the page has no table of reasons"
    rows = re.findall(r'<td class="num">([^<]*)</td><td>(.*?)</td>', table.group(1), re.S)
    return [(int(points.replace(",", "").replace("+", "")), unescape(text)) for points, text in rows]


def test_the_reasons_add_up_to_the_score(client: TestClient) -> None:
    profile = client.get(f"/api/v1/organisations/{USCC_A}").json()
    # 1,000 - 3 x 200 + 200 (the cap of 400) - 100 (arrears, shared only with public bodies) = 500.
    assert (profile["score"], profile["grade"]) == (500, "D")
    assert [(r["kind"], r["points"]) for r in profile["reckoning"]] == [
        ("start", 1000),
        ("record", -200),
        ("record", -200),
        ("record", -200),
        ("cap", 200),
        ("hidden", -100),
    ]
    assert sum(r["points"] for r in profile["reckoning"]) == profile["score"]
    assert profile["reasons"] == [r["text"] for r in profile["reckoning"]]
    assert (
        profile["reasons"][4] == "+200 points: administrative penalty records count at most 400 points in all"
    )
    assert profile["reasons"][5] == "-100 points: 1 record shared only with public bodies"
    assert not any("SI-1" in line or "arrears" in line.lower() for line in profile["reasons"])
    page = client.get(f"/organisations/{USCC_A}").text
    lines = reasons_table(page)
    assert [p for p, _ in lines] == [r["points"] for r in profile["reckoning"]]
    assert sum(p for p, _ in lines) == 500 and re.search(r'<strong id="total">500</strong>', page)
    assert "SI-1" not in page


def test_the_reasons_are_chinese_for_a_chinese_reader(client: TestClient) -> None:
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    profile = client.get(f"/api/v1/organisations/{USCC_A}", headers=zh).json()
    assert profile["reasons"][0] == "1,000 分：起始分"
    assert "行政处罚" in profile["reasons"][1] and "严重" in profile["reasons"][1]
    assert profile["reasons"][5] == "-100 分：1 条仅向公共机构共享的记录"
    # The English profile is not served from the Chinese one's cache, nor the other way round.
    assert (
        client.get(f"/api/v1/organisations/{USCC_A}").json()["reasons"][0]
        == "1,000 points: the starting score"
    )
    page = client.get(f"/organisations/{USCC_A}?lang=zh").text
    for words in ("评分构成", "起始分", "评级历史", "分数", "日期", "原因", "行政处罚"):
        assert words in page, words
    assert "How the score adds up" not in page and "Rating history" not in page


def test_the_history_records_every_change_and_the_chart_shows_each(client: TestClient, engine) -> None:
    history = client.get(f"/api/v1/organisations/{USCC_A}/history").json()["items"]
    # First rated with nothing noticed (A, 1,000); then each notice on the same day: 800, 600, 600 (the
    # third penalty is capped: no change, no row), then the arrears: 500.
    assert [(h["old_grade"], h["new_grade"], h["score"]) for h in history] == [
        (None, "A", 1000),
        ("A", "B", 800),
        ("B", "C", 600),
        ("C", "D", 500),
    ]
    assert len({h["as_of"] for h in history}) == 1  # all on one day
    page = client.get(f"/organisations/{USCC_A}").text
    figure = re.search(r'<figure class="chart" id="history-chart".*?</figure>', page, re.S)
    assert figure, "no history chart"
    chart = figure.group(0)
    svg = re.search(r"<svg.*?</svg>", chart, re.S).group(0)
    assert 'role="img"' in svg and '<title id="history-chart-title">Score over time</title>' in svg
    assert "Several changes on one day" in svg  # the description says so
    # Dated axis and score axis, with their titles; the grade bands with their letters.
    texts = [unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert "Date" in texts and "Score" in texts
    assert any(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} 20\d\d", t) for t in texts), texts
    assert {"A", "B", "C", "D"} <= set(texts)
    assert "1,000" in texts or "1,100" in texts
    # One point per change, the same-day ones one above the other.
    symbols = re.search(r'class="mark-symbol[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    assert symbols and len(re.findall(r"<path", symbols.group(1))) == len(history)
    # The table beneath: every change, with its cause in words.
    body = re.search(r'<table class="chart-table">.*?<tbody>(.*?)</tbody>', chart, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == len(history)
    assert "A → B" in rows[1] and "800" in rows[1] and "notice" in rows[1]


def test_an_ended_record_is_not_on_the_profile_and_offers_nothing(client: TestClient, capped) -> None:
    """A correction that ends a record (minor: no publication period) takes it off the profile: no line
    of the reasons, no entry in the records, no link to it, nothing to object to or repair."""
    objection = capped.object(
        "SAMR",
        "XZCF-2026-0002",
        ground="content",
        statement="It was minor.",
        filed_by=f"organisation:{USCC_A}",
    )
    capped.answer_objection(
        objection.id,
        department="SAMR",
        outcome="corrected",
        actor="SAMR clerk",
        reason="The violation was minor.",
        corrections={"severity": "minor"},
    )
    page = client.get(f"/organisations/{USCC_A}").text
    assert "XZCF-2026-0002" not in page
    assert not re.search(r"(?i)\b(object|objection|repair)\b", re.sub(r"<[^>]+>", " ", page))
    assert client.get("/records/SAMR/XZCF-2026-0002").status_code == 404
    profile = client.get(f"/api/v1/organisations/{USCC_A}").json()
    # Two serious penalties are 400 points, the cap: no cap line any more, the same score.
    assert [r["kind"] for r in profile["reckoning"]] == ["start", "record", "record", "hidden"]
    assert sum(r["points"] for r in profile["reckoning"]) == profile["score"] == 500
