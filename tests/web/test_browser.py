"""A real browser (Debian's chromium, driven by Playwright) searches, opens a profile and reads the grade."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from browser_support import ARTEFACTS, CHROMIUM, served


@pytest.fixture
def server(api_settings, clock, populated) -> Iterator[str]:
    with served(api_settings, clock) as url:
        yield url


def test_search_open_profile_and_read_the_grade(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(server + "/search?lang=en")  # the browser asks for Chinese; the switch chose English
            page.get_by_label("Organisation name").fill("北京某某")  # results come as you type
            result = page.locator("a.result").first
            expect(result).to_have_text("北京某某食品有限公司")
            result.click()
            expect(page.locator("#grade")).to_have_text("C")
            expect(page.locator("#score")).to_have_text("700")
            expect(page.locator("#reasons tbody tr").nth(1)).to_contain_text("XZCF-2026-0001")
            page.screenshot(path=str(ARTEFACTS / "profile.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTEFACTS / "profile.png").stat().st_size > 10_000


@pytest.fixture
def listed_server(api_settings, clock, populated, service, engine, tmp_path) -> Iterator[str]:
    """The registry with a development bank's published listing of a firm without a code."""
    from helpers import listing, notice_all, write_csv

    service.ingest_file(
        write_csv(tmp_path / "wb.csv", [listing("WB-9", "Kilimanjaro Roads Limited", "KE")]), "WB"
    )
    notice_all(engine, service)
    with served(api_settings, clock) as url:
        yield url


def test_search_finds_a_firm_listed_without_an_identifier_and_opens_its_profile(listed_server: str) -> None:
    """Found in use on the demo: the search row of such a firm led nowhere; now it opens the profile."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page()
            page.goto(listed_server + "/search")
            page.get_by_label("Organisation name").fill("Kilimanjaro")  # results come as you type
            result = page.locator("a.result").first
            expect(result).to_have_text("Kilimanjaro Roads Limited")
            result.click()
            expect(page).to_have_url(re.compile(r"/organisations/unresolved:[0-9a-f]{24}$"))
            expect(page.locator("h1")).to_have_text("Kilimanjaro Roads Limited")
            expect(page.locator("#no-identifier")).to_contain_text("Listed without an identifier.")
            expect(
                page.get_by_role("link", name="Debarment by a multilateral development bank")
            ).to_have_attribute("href", "/records/WB/WB-9")
            expect(page.locator("#report")).to_have_count(0)
        finally:
            browser.close()
