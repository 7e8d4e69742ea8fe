"""Search and browse (issue 16): /search and its JSON twin GET /api/v1/organisations with filters, sort and
pages; a search sent to "/" goes on to /search; a code that fails its check says why, in both languages;
filters read only what anyone may see."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from credence.identity import build_uscc

from helpers import LEI_A, USCC_A, USCC_B, USCC_C, assert_error, notice_all, row, write_csv

API = "/api/v1/organisations"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [o["code"] for o in response.json()["items"]]


def test_a_search_sent_to_the_home_page_goes_on_to_the_search_page(client: TestClient) -> None:
    sent = client.get("/", params={"q": "北京", "grade": "C"}, follow_redirects=False)
    assert sent.status_code == 303
    target = urlsplit(sent.headers["location"])
    assert target.path == "/search" and parse_qs(target.query) == {"q": ["北京"], "grade": ["C"]}
    page = client.get("/", params={"q": "北京"})
    assert page.url.path == "/search" and USCC_A in page.text
    # The results the script fetches as you type keep working, with the filters too.
    fragment = client.get("/search/results", params={"q": "example", "grade": "A"})
    assert "<html" not in fragment.text and USCC_B in fragment.text and USCC_A not in fragment.text


def test_each_result_shows_its_code_and_the_twin_carries_the_filters(client: TestClient) -> None:
    page = client.get("/search", params={"q": "北京", "department": "SAMR", "sort": "name"})
    assert page.status_code == 200
    assert f'<code class="code">{USCC_A}</code>' in page.text
    (twin,) = re.findall(r'<link rel="alternate" type="application/json" href="([^"]+)">', page.text)
    query = parse_qs(urlsplit(twin.replace("&amp;", "&")).query)
    assert query == {
        "q": ["北京"],
        "department": ["SAMR"],
        "sort": ["name"],
        "page": ["1"],
        "per_page": ["20"],
    }
    assert codes(client.get(twin.replace("&amp;", "&"))) == [USCC_A]


def test_filters_read_only_published_public_records_and_lists_in_force(
    client: TestClient, service, tmp_path: Path
) -> None:
    # A third organisation with a SAMR penalty whose notice is not yet delivered: not public.
    waiting = row(
        90, subject_id=USCC_C, subject_name="杭州示例贸易有限公司", category="administrative_penalty"
    )
    service.ingest_file(write_csv(tmp_path / "waiting.csv", [waiting]), "SAMR")
    assert sorted(codes(client.get(API, params={"department": "SAMR"}))) == sorted([USCC_A, USCC_B])
    # A's only MOHRSS record is shared with public bodies: no filter finds A through it.
    assert client.get(API, params={"department": "MOHRSS"}).json()["total"] == 0
    assert_error(
        client.get(API, params={"category": "social_insurance_arrears"}), 422, "invalid_filter", "category"
    )
    assert codes(client.get(API, params={"category": "administrative_licence"})) == [USCC_B]
    assert codes(client.get(API, params={"list": "honour"})) == [USCC_B]
    assert codes(client.get(API, params={"list": "serious_dishonesty"})) == []
    assert codes(client.get(API, params={"grade": "C"})) == [USCC_A]
    assert codes(client.get(API, params={"region": "330100"})) == [USCC_C]  # by name: the code is public
    assert codes(client.get(API, params={"kind": "enterprise", "sort": "grade"}))[:2] == [USCC_B, USCC_A]
    # Each refused value names its filter, in the API and on the page (422, the form kept).
    for name, value in (("grade", "E"), ("region", "999999"), ("kind", "religious_body"), ("list", "x")):
        assert_error(client.get(API, params={name: value}), 422, "invalid_filter", f"{name}:")
        page = client.get("/search", params={"q": "北京", name: value})
        assert page.status_code == 422 and f"{name}:" in page.text and 'value="北京"' in page.text
    assert_error(client.get(API, params={"q": "x", "sort": "best"}), 422, "invalid_filter", "sort:")
    assert_error(client.get(API), 422, "invalid_request", "query.q")


def test_results_come_a_page_at_a_time_with_links_to_every_page(
    client: TestClient, service, engine, tmp_path: Path
) -> None:
    rows = [
        row(
            100 + i,
            subject_id=build_uscc("91", "330100", f"PG{i:06d}"),
            subject_name=f"杭州恒信物流有限公司（{i}）",
        )
        for i in range(45)
    ]
    service.ingest_file(write_csv(tmp_path / "many.csv", rows), "SAMR")
    notice_all(engine, service)
    first = client.get(API, params={"q": "恒信物流", "per_page": 20}).json()
    last = client.get(API, params={"q": "恒信物流", "per_page": 20, "page": 3}).json()
    assert (first["total"], len(first["items"]), last["total"], len(last["items"])) == (45, 20, 45, 5)
    seen = {
        o["code"]
        for p in (1, 2, 3)
        for o in client.get(API, params={"q": "恒信物流", "page": p}).json()["items"]
    }
    assert len(seen) == 45  # a defined order: every result once over the pages
    page = client.get("/search", params={"q": "恒信物流", "page": 2})
    assert "21–40 of 45 organisations" in page.text
    assert 'href="/search?q=%E6%81%92%E4%BF%A1%E7%89%A9%E6%B5%81&amp;page=3"' in page.text
    assert 'rel="prev"' in page.text and 'rel="next"' in page.text and 'aria-current="page">2<' in page.text
    zh = client.get("/search", params={"q": "恒信物流", "page": 3, "lang": "zh"})
    assert "共 45 家机构，当前显示第 41–45 家" in zh.text and "上一页" in zh.text and "下一页" not in zh.text
    browse = client.get(API, params={"region": "330100", "sort": "name", "per_page": 100}).json()
    assert browse["total"] == 45 and len({o["code"] for o in browse["items"]}) == 45


def test_a_code_with_a_wrong_check_character_says_which_and_what_it_should_be(client: TestClient) -> None:
    wrong = USCC_A[:-1] + "M"  # the check character of USCC_A is L
    answer = client.get(API, params={"q": wrong}).json()
    assert answer["total"] == 0 and answer["items"] == []
    explained = answer["explanation"]
    assert (explained["reason"], explained["position"], explained["found"], explained["expected"]) == (
        "check_character",
        18,
        "M",
        "L",
    )
    page = client.get("/search", params={"q": wrong})
    assert "check character (position 18) is M" in page.text and "it should be L" in page.text
    assert "No organisation matches" not in page.text
    zh = client.get("/search/results", params={"q": wrong}, headers={"Accept-Language": "zh-CN"})
    assert "校验码（第 18 位）为 M" in zh.text and "应为 L" in zh.text
    lei = client.get(API, params={"q": LEI_A[:-2] + "00"}).json()["explanation"]
    assert (lei["reason"], lei["found"], lei["expected"]) == ("check_digits", "00", "12")
    # A name is never taken for a code, and a right code finds its organisation with no explanation.
    assert client.get(API, params={"q": "Shenzhen Example"}).json()["explanation"] is None
    assert codes(client.get(API, params={"q": USCC_A})) == [USCC_A]


def test_a_residents_number_is_refused_on_the_search_page_without_repeating_it(client: TestClient) -> None:
    number = "110105194912310021"[:-1] + "6"
    for lang in ("en", "zh"):
        page = client.get("/search", params={"q": number, "lang": lang})
        assert page.status_code == 422 and number not in page.text and 'id="search-error"' in page.text


def test_the_search_page_reads_in_chinese(client: TestClient) -> None:
    page = client.get("/search", params={"q": "北京"}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    for text in ("搜索", "筛选与排序", "全部地区", "相关度", "1 家机构", "统一社会信用代码"):
        assert text in page.text, text
    empty = client.get("/search", params={"q": "没有这样的名字", "lang": "zh"})
    assert "没有与“没有这样的名字”匹配的机构。" in empty.text


def test_db_upgrade_gives_subjects_stored_without_search_terms_theirs(
    client: TestClient, store_url, engine
) -> None:
    """A store migrated to 0016 holds subjects stored before it, without terms: `credence db upgrade`
    makes them, and search finds those subjects by a typo again."""
    from sqlalchemy import text
    from typer.testing import CliRunner

    from credence.cli.main import app

    assert codes(client.get(API, params={"q": "shenzen exampel"})) == [USCC_B]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM search_terms"))
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"CREDENCE_DATABASE_URL": store_url})
    assert result.exit_code == 0 and "database at revision 0019" in result.output, result.output
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT count(DISTINCT organisation_id) FROM search_terms")).scalar_one()
    assert kept == 2  # A and B (a sole proprietor would get none)
    assert codes(client.get(API, params={"q": "shenzen exampel"})) == [USCC_B]
