"""A real browser (Debian's chromium, driven by Playwright) searches, opens a profile and reads the grade."""

from __future__ import annotations

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
            page.goto(server + "/")
            page.get_by_label("Organisation name").fill("北京某某")  # results come as you type
            result = page.locator("a.result").first
            expect(result).to_have_text("北京某某食品有限公司")
            result.click()
            expect(page.locator("#grade")).to_have_text("C")
            expect(page.locator("#score")).to_have_text("700")
            expect(page.locator("#reasons li").first).to_contain_text("administrative penalty XZCF-2026-0001")
            page.screenshot(path=str(ARTEFACTS / "profile.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTEFACTS / "profile.png").stat().st_size > 10_000
