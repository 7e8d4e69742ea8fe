"""A real browser (Debian's chromium, driven by Playwright) walks the self-service pages: an organisation
objects, its department corrects the record and the grade changes; a repair lifts a procurement
restriction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from credence.process import notices
from credence.rating import repository as rating_repo

from browser_support import ARTEFACTS, CHROMIUM, served
from helpers import USCC_A


@pytest.fixture
def server(api_settings, clock, populated) -> Iterator[str]:
    """The app on a free port, in a thread, with the clock the test moves."""
    with served(api_settings, clock) as url:
        yield url


def deliver_all(process: Any, code: str = USCC_A) -> None:
    """Log delivery of every notice to the organisation still awaiting it."""
    with process.engine.connect() as conn:
        organisation = rating_repo.find_organisation(conn, code)
        pending = [n for n in notices.inbox(conn, organisation.id) if n.delivered_at is None]
    for notice in pending:
        process.deliver_notice(notice.id, actor="SAMR clerk", channel="in person")


@pytest.fixture
def listed(populated, process, clock) -> str:
    """Organisation A on the serious-dishonesty list, its record published, past the record's minimum
    publication period (so it can be repaired): the source id of the listing's record."""
    proposed = process.lists.propose(
        "SAMR", USCC_A, "grave_unfair_competition", facts="Bid rigging.", decision_ref="SAMR-9", actor="SAMR"
    )
    deliver_all(process)
    clock.advance(timedelta(days=31))
    process.lists.decide(proposed.id, department="SAMR", listed=True, actor="SAMR", reason="proven")
    deliver_all(process)
    clock.advance(timedelta(days=366))
    return f"LIST-{proposed.id}"


def sign_in_as_organisation(page: Any, server: str, code: str) -> None:
    page.goto(server + "/sign-in?lang=en")  # the browser asks for Chinese; these walks read English
    page.get_by_label("USCC or LEI").fill(code)
    page.locator("#sign-in-organisation").get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/me")


def sign_in_as_department(page: Any, server: str, code: str) -> None:
    page.goto(server + "/sign-in?lang=en")
    page.locator("#department").select_option(code)
    page.locator("#sign-in-department").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")


@contextmanager
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser.new_page(locale="zh-CN")
        finally:
            browser.close()


def test_object_the_department_corrects_and_the_grade_changes(server: str) -> None:
    from playwright.sync_api import expect

    ARTEFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        sign_in_as_organisation(page, server, USCC_A)
        expect(page.locator("#signed-in")).to_have_text("北京某某食品有限公司")
        expect(page.locator("#demo-user")).to_have_text("北京某某食品有限公司 (demo)")
        before = page.locator("#grade").inner_text()
        row = page.locator('tr[data-record="SAMR/XZCF-2026-0001"]')
        expect(row.locator(".severity")).to_have_text("Serious")
        row.get_by_role("link").click()
        page.get_by_label("its content is wrong").check()
        page.get_by_label("Statement").fill("The violation was general: no product reached consumers.")
        page.get_by_role("button", name="Object").click()
        expect(page.locator("#flash")).to_contain_text("Objection 1 filed, free of charge")
        expect(page.locator("#state")).to_have_text("under objection")
        page.locator("#sign-out").click()
        expect(page.locator("#flash")).to_have_text("Signed out.")

        sign_in_as_department(page, server, "SAMR")
        item = page.locator('tr[data-kind="objection"][data-id="1"]')
        expect(item.locator(".days-left")).to_have_text("30 days left")
        item.get_by_role("link").click()
        expect(page.locator("#statement")).to_contain_text("no product reached consumers")
        page.locator('input[name="outcome"][value="corrected"]').check()
        page.get_by_label("Reason").fill("Checked: no product reached consumers; the violation was general.")
        page.locator('select[name="severity"]').select_option("general")
        page.get_by_role("button", name="Send the answer").click()
        expect(page.locator("#flash")).to_contain_text("Objection 1 answered: corrected")
        page.screenshot(path=str(ARTEFACTS / "selfservice-inbox.png"), full_page=True)
        page.locator("#sign-out").click()

        page.get_by_role("button", name="北京某某食品有限公司").click()  # an example organisation
        page.wait_for_url("**/me")
        row = page.locator('tr[data-record="SAMR/XZCF-2026-0001"]')
        expect(row.locator(".severity")).to_have_text("General")
        expect(row.locator(".state")).to_have_text("published")
        after = page.locator("#grade").inner_text()
        assert (before, after) == ("C", "B")
        expect(page.locator('tr[data-objection="1"] .state')).to_have_text("corrected")
        page.screenshot(path=str(ARTEFACTS / "selfservice-own-file.png"), full_page=True)
    assert (ARTEFACTS / "selfservice-own-file.png").stat().st_size > 10_000


def test_a_repair_lifts_the_procurement_restriction(listed: str, server: str) -> None:
    from playwright.sync_api import expect

    checks = f"{server}/checks?subject={USCC_A}&domain=public_procurement&lang=en"  # the browser asks for zh
    with browser_page() as page:
        page.goto(checks)
        expect(page.locator("#answer")).to_have_text("restricted")
        expect(page.locator("#measures")).to_contain_text("Excluded from government procurement")

        sign_in_as_organisation(page, server, USCC_A)
        row = page.locator(f'tr[data-record="SAMR/{listed}"]')
        expect(row.locator(".state")).to_have_text("published")
        row.get_by_role("link").click()
        page.get_by_label("Evidence").fill("Compliance programme audited by an outside firm.")
        page.get_by_label("Public commitment").fill("We bid fairly and report any approach to rig bids.")
        page.get_by_role("button", name="Apply to repair").click()
        expect(page.locator("#flash")).to_contain_text("Repair application 1 received, free of charge")
        page.goto(checks)
        expect(page.locator("#answer")).to_have_text("restricted")  # applying lifts nothing
        page.goto(server + "/me")
        page.locator("#sign-out").click()

        sign_in_as_department(page, server, "SAMR")
        page.locator('tr[data-kind="repair"][data-id="1"]').get_by_role("link").click()
        page.get_by_role("radio", name="approve").check()
        page.get_by_role("textbox", name="Reason").fill("The audit report shows the programme in place.")
        page.get_by_role("button", name="Decide").click()
        expect(page.locator("#flash")).to_contain_text("Repair application 1 approved")

        page.goto(checks)
        expect(page.locator("#answer")).to_have_text("eligible")


def test_the_organisations_pages_in_chinese_at_a_phones_width_and_a_desktops(server: str) -> None:
    """A browser that asks for Chinese signs in, reads its file and a record, and objects, in Chinese; the
    pages fit 390 px and 1280 px (screenshots in test-artifacts)."""
    from playwright.sync_api import expect

    ARTEFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        page.goto(server + "/sign-in")
        expect(page.locator("h1")).to_have_text("登录（演示）")
        page.get_by_label("统一社会信用代码或 LEI").fill(USCC_A)
        page.locator("#sign-in-organisation").get_by_role("button", name="登录", exact=True).click()
        page.wait_for_url("**/me")
        expect(page.locator("h1")).to_have_text("本单位档案：北京某某食品有限公司")
        row = page.locator('tr[data-record="SAMR/XZCF-2026-0001"]')
        expect(row.locator(".state")).to_have_text("公示中")
        for width, height in ((1280, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(ARTEFACTS / f"selfservice-me-zh-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        row.get_by_role("link").click()
        page.get_by_label("记录内容有误").check()
        page.get_by_label("陈述").fill("违法情节为一般，产品未流入消费者手中。")
        page.get_by_role("button", name="提出异议").click()
        expect(page.locator("#flash")).to_contain_text("异议 1 已提交，不收取任何费用")
        expect(page.locator("#state")).to_have_text("异议处理中")
        for width, height in ((1280, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(ARTEFACTS / f"selfservice-record-zh-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
