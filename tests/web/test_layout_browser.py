"""Every page fits a phone and passes axe-core: a real browser (Debian's chromium, driven by Playwright) opens
every page of a small demo registry at 390 and at 1280 px wide, in English and in Chinese, and asserts that
nothing makes the page wider than the window (`document.documentElement.scrollWidth`), then runs axe-core
in the page and fails on any serious or critical accessibility violation.

The pages are found from the app's own routes, so a new page is walked without touching this file: every
GET route outside /api and /static that answers HTML. A route with parameters needs an example, found
from the demo by PARAMS below (a page to read and the links on it to follow); a route with parameters
that PARAMS does not know fails the test, naming it. Screenshots of every page at both widths go to
test-artifacts/layout/ (git-ignored).

axe-core comes from the npm registry, installed by `make install` into .venv/node (never fetched at test
time); the test skips, saying so, when it or chromium is absent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from sqlalchemy import select
from typer.testing import CliRunner

from credence.catalog.model import ListKind
from credence.cli.main import app as cli
from credence.clock import SystemClock
from credence.process.errors import NotAllowed
from credence.records.repository import organisations, records
from credence.server import create_app
from credence.settings import Settings
from serving import serving

from browser_support import ARTEFACTS, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("CREDENCE_AXE", ROOT / ".venv/node/node_modules/axe-core/axe.min.js"))
WIDTHS = (390, 1280)
LANGUAGES = {"en": "en-GB", "zh": "zh-CN"}
SHOTS = ARTEFACTS / "layout"

# Routes that answer HTML but are not pages: the search results fragment that search.js puts in a page.
FRAGMENTS = {"/search/results"}

# Pages beyond the routes' bare addresses, with the status each answers: search results (the widest table
# the newcomer met) and the error page a browser gets for an unknown address.
MORE_PAGES = {"/search?q=有限公司": 200, "/no-such-page": 404}

# Who opens a page: the self-service pages need a demo sign-in, as an organisation or as a department.
ORGANISATION_PAGES = ("/me",)
DEPARTMENT_PAGES = ("/inbox", "/outbox", "/review")


@dataclass(frozen=True)
class Example:
    """How to find a route's example in the demo: read `page` (as `who`), follow the first link that
    matches `link`."""

    who: str
    page: str
    link: str


# The routes with parameters, and where their examples come from. `{organisation}` is the organisation
# of the first entry on the serious-dishonesty list (or the first with records) and `{profile}` its page.
PARAMS: dict[str, Example | tuple[str, ...]] = {
    "/organisations/{code}": ("{profile}",),
    "/records/{department}/{source_record_id}": Example("public", "{profile}", r"/records/[A-Z]+/[^\"'?#]+"),
    "/lists/{kind}": tuple(f"/lists/{kind.value}" for kind in ListKind),
    "/verify/{code}": ("{report}",),
    "/me/notices/{notice_id}": Example("organisation", "/me", r"/me/notices/\d+"),
    "/me/records/{department}/{source_record_id}": Example(
        "organisation", "/me", r"/me/records/[A-Z]+/[^\"'?#]+"
    ),
    "/inbox/objections/{objection_id}": Example("department", "/inbox", r"/inbox/objections/\d+"),
    "/inbox/repairs/{repair_id}": Example("department", "/inbox", r"/inbox/repairs/\d+"),
    "/inbox/listings/{entry_id}": Example("department", "/inbox", r"/inbox/listings/\d+"),
    "/review/{link_id}": Example("department", "/review", r"/review/\d+"),
}


def who_opens(path: str) -> str:
    if path.startswith(ORGANISATION_PAGES):
        return "organisation"
    if path.startswith(DEPARTMENT_PAGES):
        return "department"
    return "public"


def page_routes(app: Any) -> list[str]:
    """Every GET route of the app that answers a page of HTML."""
    found = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or "GET" not in (route.methods or set()):
            continue
        if route.path.startswith(("/api/", "/static")) or route.path in FRAGMENTS:
            continue
        answers = getattr(route.response_class, "value", route.response_class)
        if answers is HTMLResponse:
            found.append(route.path)
    return found


@pytest.fixture
def demo(settings: Settings) -> Iterator[tuple[str, Any]]:
    """A small demo registry (300 organisations, 3,000 records, lists, objections, repairs, links to
    review), served in demo mode on a free port: its address and app."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (make install does)")
    if not AXE.exists():
        pytest.skip(f"axe-core is absent at {AXE}: make install puts it there (npm install axe-core)")
    env = {"CREDENCE_DATABASE_URL": settings.database_url}
    built = CliRunner().invoke(cli, ["demo", "--organisations", "300", "--records", "3000"], env=env)
    assert built.exit_code == 0, built.output
    app = create_app(settings.model_copy(update={"demo_mode": True}), SystemClock())
    open_objection_and_repair(app.state.registry)
    with serving(app) as url:
        yield url, app


def open_objection_and_repair(registry: Any) -> None:
    """The demo's objections and repairs are all answered by now: one of each open, to SAMR, so that the
    inbox links to their pages."""
    with registry.engine.connect() as conn:
        rows = conn.execute(
            select(records.c.source_record_id, organisations.c.code)
            .join(organisations, organisations.c.id == records.c.organisation_id)
            .where(records.c.department == DEPARTMENT, records.c.state == "active")
            .where(records.c.category == "administrative_penalty", organisations.c.code.is_not(None))
            .order_by(records.c.decided_on)
            .limit(40)
        ).all()
    objected = repaired = False
    for source_id, code in rows:
        try:
            if not repaired:
                by = f"organisation:{code}"
                registry.process.apply_repair(
                    DEPARTMENT, source_id, evidence="Paid.", commitment="We comply.", applied_by=by
                )
                repaired = True
            elif not objected:
                by = f"organisation:{code}"
                registry.process.object(DEPARTMENT, source_id, ground="content", statement="No.", filed_by=by)
                objected = True
        except NotAllowed:
            continue
    assert objected and repaired, "an objection and a repair filed in the demo"


@dataclass
class Walk:
    url: str
    browser: Any
    contexts: dict[tuple[str, str], Any] = field(default_factory=dict)

    def context(self, who: str, lang: str) -> Any:
        """A browser context in `lang`, signed in as `who` (the demo sign-in)."""
        if (who, lang) not in self.contexts:
            context = self.browser.new_context(
                locale=LANGUAGES[lang], viewport={"width": WIDTHS[0], "height": 800}, bypass_csp=True
            )
            context.set_default_timeout(120_000)  # a busy machine draws the statistics' charts slowly
            page = context.new_page()
            if who == "organisation":
                page.goto(self.url + "/sign-in")
                page.locator("#sign-in-organisation #organisation").fill(ORGANISATION["code"])
                page.locator("#sign-in-organisation button[type=submit]").first.click()
                page.wait_for_url("**/me")
            elif who == "department":
                page.goto(self.url + "/sign-in")
                page.locator("#department").select_option(DEPARTMENT)
                page.locator("#sign-in-department button[type=submit]").click()
                page.wait_for_url("**/inbox")
            page.close()
            self.contexts[(who, lang)] = context
        return self.contexts[(who, lang)]

    def links(self, who: str, path: str, pattern: str) -> list[str]:
        page = self.context(who, "en").new_page()
        try:
            page.goto(self.url + path)
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        finally:
            page.close()
        return [h for h in hrefs if re.fullmatch(pattern, h)]


ORGANISATION: dict[str, str] = {}
DEPARTMENT = "SAMR"


def test_every_page_fits_a_phone_and_passes_axe(demo: tuple[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    url, app = demo
    organisation = r'href="(/organisations/[0-9A-Z]{18})"'
    with httpx.Client(base_url=url, timeout=120) as http:
        listed = re.findall(organisation, http.get("/lists/serious_dishonesty").text)
        assert listed, "the demo lists an organisation"
        profile = listed[0]
        ORGANISATION["code"] = profile.rsplit("/", 1)[1]
        issued = http.post(f"{profile}/report.pdf")
        assert issued.status_code == 200, issued.text[:300]
        report = f"/verify/{issued.headers['X-Verification-Code']}"
    values = {"{profile}": profile, "{report}": report}

    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = AXE.read_text(encoding="utf-8")
    problems: list[str] = []
    unfound: list[str] = []
    widths: dict[str, dict[int, int]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        walk = Walk(url, browser)
        try:
            urls: list[tuple[str, str]] = []  # (who, path)
            for route in page_routes(app):
                if "{" not in route:
                    urls.append((who_opens(route), route))
                    continue
                how = PARAMS.get(route)
                if how is None:
                    problems.append(f"{route}: a page with parameters that PARAMS gives no example of")
                elif isinstance(how, Example):
                    found = walk.links(how.who, values.get(how.page, how.page), how.link)
                    if found:
                        urls.append((how.who, found[0]))
                    else:
                        unfound.append(route)
                else:
                    urls.extend((who_opens(route), values.get(u, u)) for u in how)
            urls.extend(("public", path) for path in MORE_PAGES)
            for who, path in urls:
                for lang in LANGUAGES:
                    page = walk.context(who, lang).new_page()
                    try:
                        for width in WIDTHS:
                            page.set_viewport_size({"width": width, "height": 800})
                            response = page.goto(url + path)
                            assert response is not None
                            if response.status != MORE_PAGES.get(path, 200):
                                problems.append(f"{path} ({lang}, as {who}): HTTP {response.status}")
                                break
                            scroll = page.evaluate("document.documentElement.scrollWidth")
                            widths.setdefault(f"{path} {lang}", {})[width] = scroll
                            if scroll > width:
                                problems.append(f"{path} ({lang}) at {width} px is {scroll} px wide")
                            name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
                            page.screenshot(path=str(SHOTS / f"{name}-{lang}-{width}.png"), full_page=True)
                            if lang == "en" or width == WIDTHS[0]:  # the Chinese desktop adds nothing
                                for v in axe_violations(page, axe):
                                    problems.append(f"{path} ({lang}, {width} px): axe {v}")
                    finally:
                        page.close()
        finally:
            browser.close()
    print("\n".join(f"{k}: {v}" for k, v in sorted(widths.items())))
    if unfound:
        print("no example in the demo for: " + ", ".join(unfound))
    assert len(widths) >= 2 * 20, f"only {len(widths)} pages walked"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def axe_violations(page: Any, source: str) -> list[str]:
    """axe-core's serious and critical violations on the page, each with where it is."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    assert page.evaluate("axe.version"), "axe-core runs in the page"
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                     + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '));
        }"""
    )
    return list(found)
