"""A department's outbox (issue 16): paging, filters (state, kind, category, recipient, day produced) and
delivery of several notices at once, in one transaction that a bad notice refuses whole, each delivery
logged as one notice's delivery is; in English and Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credence.identity import build_uscc
from credence.process import notices
from credence.store.models import LogEntry

from browser_support import ARTEFACTS, CHROMIUM, served
from helpers import row, write_csv

SAMR_ROWS = 57  # more than a page of 50


def token(page: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in_department(client: TestClient, code: str = "SAMR") -> Any:
    form = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf": token(form), "kind": "department", "department": code})


def pending(engine: Any, department: str = "SAMR") -> list[Any]:
    with engine.connect() as conn:
        return [n for n in notices.outbox(conn, department, 0, 10_000)]


def state(engine: Any) -> tuple[int, int]:
    """Notices delivered, and entries of the transparency log."""
    with engine.connect() as conn:
        delivered = conn.execute(
            select(func.count())
            .select_from(notices.notices)
            .where(notices.notices.c.delivered_at.is_not(None))
        ).scalar_one()
        logged = conn.execute(select(func.count()).select_from(LogEntry.__table__)).scalar_one()
    return delivered, logged


def shown(page: Any) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-notice="(\d+)">', page.text)]


def test_the_outbox_pages_filters_and_delivers_several_notices_at_once(
    client: TestClient, service, engine, tmp_path
) -> None:
    rows = [
        row(
            f"OUT-{i}",
            subject_id=build_uscc("91", "330100", f"{i + 70000000:08d}"),
            subject_name=f"杭州出件{i}贸易有限公司",
            decided_on="2026-03-01",
        )
        for i in range(SAMR_ROWS)
    ]
    service.ingest_file(write_csv(tmp_path / "out.csv", rows), "SAMR")
    waiting = pending(engine)
    assert len(waiting) >= SAMR_ROWS
    sign_in_department(client)

    first = client.get("/outbox")
    assert first.status_code == 200
    assert f"{len(waiting)} notices match" in first.text and "page 1 of 2" in first.text
    assert shown(first) == [n.id for n in waiting[:50]]
    second = client.get("/outbox", params={"page": 2})
    assert shown(second) == [n.id for n in waiting[50:]]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text

    one = client.get("/outbox", params={"recipient": "出件7贸易"})
    assert "1 notice matches" in one.text and len(shown(one)) == 1
    by_kind = client.get("/outbox", params={"kind": "record", "category": "administrative_penalty"})
    assert len(shown(by_kind)) == 50
    nothing = client.get("/outbox", params={"produced_from": "2020-01-01", "produced_to": "2020-01-02"})
    assert "No notice matches." in nothing.text and shown(nothing) == []
    bad = client.get("/outbox", params={"produced_from": "yesterday"})
    assert bad.status_code == 422 and "produced_from: a date as YYYY-MM-DD" in bad.text

    # Two ticked notices: delivered together, each logged as one delivery is (the record published).
    a, b = waiting[0].id, waiting[1].id
    before = state(engine)
    done = client.post(
        "/outbox/deliveries",
        data={"csrf": token(first), "notice": [str(a), str(b)], "channel": "registered mail"},
    )
    assert done.status_code == 200 and "Delivery of 2 notices logged." in done.text
    after = state(engine)
    assert after[0] == before[0] + 2 and after[1] > before[1]
    with engine.connect() as conn:
        assert {n.channel for n in notices.find_many(conn, [a, b])} == {"registered mail"}

    # A batch with one notice already delivered is refused whole, naming it; nothing changes.
    c = waiting[2].id
    refused = client.post(
        "/outbox/deliveries",
        data={"csrf": token(first), "notice": [str(c), str(a)], "channel": "registered mail"},
    )
    assert refused.status_code == 409 and f"notice {a} is already delivered" in refused.text
    assert state(engine) == after
    foreign = client.post(
        "/outbox/deliveries", data={"csrf": token(first), "notice": [str(c), "999999"], "channel": "x"}
    )
    assert foreign.status_code == 404 and "notice 999999" in foreign.text and state(engine) == after
    future = client.post(
        "/outbox/deliveries",
        data={"csrf": token(first), "notice": [str(c)], "channel": "x", "delivered_on": "2099-01-01"},
    )
    assert future.status_code == 409 and "on or before today" in future.text and state(engine) == after
    none = client.post("/outbox/deliveries", data={"csrf": token(first), "channel": "x"})
    assert none.status_code == 422 and "choose at least one notice" in none.text
    forged = client.post("/outbox/deliveries", data={"csrf": "forged", "notice": [str(c)], "channel": "x"})
    assert forged.status_code == 403 and state(engine) == after

    # Every notice the filter chooses, on the day the form offers: today.
    today = re.search(r'name="delivered_on" value="([0-9-]{10})"', first.text)
    assert today
    chosen = client.post(
        "/outbox/deliveries",
        data={
            "csrf": token(first),
            "all": "1",
            "recipient": "出件1",  # 出件10 ... 出件19 (出件1 is delivered)
            "channel": "in person",
            "delivered_on": today.group(1),
        },
    )
    assert chosen.status_code == 200
    assert "Delivery of 10 notices logged." in chosen.text  # 出件1 was delivered above
    assert state(engine)[0] == after[0] + 10
    delivered = client.get("/outbox", params={"state": "delivered", "recipient": "出件1"})
    assert len(shown(delivered)) == 11 and f"delivered on {today.group(1)}" in delivered.text
    assert 'id="deliveries"' not in delivered.text  # nothing to deliver among the delivered


def test_the_outbox_in_chinese(client: TestClient) -> None:
    sign_in_department(client)
    page = client.get("/outbox", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    for words in ("发件箱", "筛选", "通知类型", "收件组织（名称或代码）", "没有待送达的通知。"):
        assert words in page.text, words
    assert "Log delivery" not in page.text and "Filter" not in page.text


@pytest.fixture
def server(api_settings, clock, populated, service, tmp_path) -> Iterator[str]:
    rows = [
        row(
            f"WEB-{i}",
            subject_id=build_uscc("91", "330100", f"{i + 71000000:08d}"),
            subject_name=f"杭州网页{i}贸易有限公司",
        )
        for i in range(6)
    ]
    service.ingest_file(write_csv(tmp_path / "web.csv", rows), "SAMR")
    with served(api_settings, clock) as url:
        yield url


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_browser_filters_the_outbox_and_delivers_two_notices(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        try:
            for lang, width in (("zh", 390), ("en", 1280)):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{server}/sign-in?lang={lang}")
                page.locator("#department").select_option("SAMR")
                page.locator("#sign-in-department button[type=submit]").click()
                page.wait_for_url("**/inbox")
                page.goto(f"{server}/outbox")
                page.locator("#outbox-filter input[name=recipient]").fill("网页")
                page.locator("#outbox-filter button[type=submit]").click()
                expect(page.locator("#outbox tbody tr")).to_have_count(6 if lang == "zh" else 4)
                boxes = page.locator("#outbox input[type=checkbox]")
                boxes.nth(0).check()
                boxes.nth(1).check()
                page.locator("#bulk button[type=submit]").click()
                said = "已登记 2 份通知的送达。" if lang == "zh" else "Delivery of 2 notices logged."
                expect(page.get_by_text(said)).to_be_visible()
                expect(page.locator("#outbox tbody tr")).to_have_count(4 if lang == "zh" else 2)
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                ARTEFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTEFACTS / f"outbox-{lang}-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
