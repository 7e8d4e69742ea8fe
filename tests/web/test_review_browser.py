"""A clerk in a real browser (Debian's chromium, driven by Playwright) works the review queue: from the
queue to a pair side by side with the model's weights, to a judgement with a reason, to the profile that
now shows both listings; then from the clerks' recent judgements to the pair's history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_selfservice_browser import browser_page, sign_in_as_department

from credence.subjects.service import LinkService

from browser_support import ARTEFACTS, served
from helpers import USCC_A, listing, notice_all, write_csv

NAME = "北京某某食品有限公司"


@pytest.fixture
def server(api_settings, clock, populated, service, engine, tmp_path: Path) -> Iterator[str]:
    """Organisation A, and a World Bank listing of its name without its code, which the model queues."""
    wb = listing("WB-1", NAME, "CN")
    service.ingest_file(write_csv(tmp_path / "wb.csv", [wb]), "WB")
    notice_all(engine, service)
    LinkService(engine, clock, auto=0.99, review=0.3).resolve()
    with served(api_settings, clock) as url:
        yield url


def test_from_the_queue_to_a_judgement_to_the_profile(server: str) -> None:
    from playwright.sync_api import expect

    ARTEFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        sign_in_as_department(page, server, "SAMR")
        page.locator("#review-link").click()  # from the inbox
        page.wait_for_url("**/review")
        pair = page.locator("#queue tbody tr").filter(has_text=f"uscc:{USCC_A}")
        expect(pair).to_have_count(1)
        pair.get_by_role("link").click()
        expect(page.locator("#waterfall")).to_be_visible()
        expect(page.locator("#comparisons")).to_contain_text("chinese")
        expect(page.locator(".side")).to_have_count(2)
        expect(page.locator(".side").nth(1)).to_contain_text("WB-1")
        page.screenshot(path=str(ARTEFACTS / "review-pair.png"), full_page=True)
        page.get_by_role("button", name="Same organisation").click()  # no reason yet: the browser asks
        expect(page.locator("#problem")).to_have_count(0)
        page.get_by_label("Reason (what you checked)").fill("The bank's notice gives this USCC.")
        page.get_by_role("button", name="Same organisation").click()
        page.wait_for_url(f"**/organisations/{USCC_A}")
        expect(page.locator("#also")).to_contain_text("listed by WB")
        expect(page.locator("#also")).to_contain_text("The bank's notice gives this USCC.")
        expect(page.locator(".timeline")).to_contain_text("WB")
        page.screenshot(path=str(ARTEFACTS / "review-profile.png"), full_page=True)
        page.goto(server + "/review")
        expect(page.locator("#queue")).not_to_contain_text(f"uscc:{USCC_A}")
        judged = page.locator("#judged tbody tr").filter(has_text=f"uscc:{USCC_A}")  # recently judged
        expect(judged).to_contain_text("Same organisation")
        judged.get_by_role("link").click()
        history = page.locator("#history tbody tr")
        expect(history).to_have_count(2)  # the model's judgement, then the clerk's, which holds
        expect(history.nth(0)).to_contain_text("the linkage model")
        expect(history.nth(1)).to_contain_text("The bank's notice gives this USCC.")
        expect(history.nth(1)).to_contain_text("(holds)")
        page.screenshot(path=str(ARTEFACTS / "review-history.png"), full_page=True)
