"""A real browser (Debian's chromium, driven by Playwright) searches, opens a profile and reads the grade."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from credence.api.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def server(api_settings, clock, populated):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (make install does)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(api_settings, clock), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


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
