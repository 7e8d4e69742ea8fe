"""The profile in a real browser (Debian's chromium), at 1280 and 390 pixels, in English and Chinese: the
reasons' table sums to the score shown, the history chart is drawn with its table beneath, and nothing is
wider than the window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_profile_page import capped  # noqa: F401 - the fixture

from browser_support import ARTEFACTS, CHROMIUM, served
from helpers import USCC_A


@pytest.fixture
def server(api_settings, clock, capped) -> Iterator[str]:  # noqa: F811
    with served(api_settings, clock) as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_profile_adds_up_and_fits(server: str, lang: str, width: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / f"profile-{lang}-{width}.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{server}/organisations/{USCC_A}?lang={lang}")
            expect(page.locator("#score")).to_have_text("500")
            points = page.locator("#reasons tbody td.num").all_inner_texts()
            assert sum(int(t.replace(",", "").replace("+", "")) for t in points) == 500
            expect(page.locator("#total")).to_have_text("500")
            chart = page.locator("#history-chart svg")
            expect(chart).to_be_visible()
            assert chart.bounding_box()["width"] <= width  # type: ignore[index]
            expect(page.locator("#history-chart .chart-table tbody tr")).to_have_count(4)
            heading = "Rating history" if lang == "en" else "评级历史"
            expect(page.locator("#history-title")).to_have_text(heading)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(shot), full_page=True)
            assert overflow <= width, f"the page is {overflow} px wide at {width}"
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
