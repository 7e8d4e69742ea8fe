"""Screenshots of the main pages for the user guide: after `make run`, in another terminal,

    .venv/bin/python docs/screenshots.py                      # http://127.0.0.1:8000, into docs/pages/
    .venv/bin/python docs/screenshots.py --base http://127.0.0.1:8766 --all

saves the home page, a search, a profile, a list, the statistics and the departments, each at 390 px (a
phone) or 1280 px wide and in English or Chinese, as small PNGs (the top of the page, the window's height;
--all takes every page at both widths in both languages). It drives Debian's chromium through Playwright,
as the browser tests do, and finds the profile to show on the site itself (the first organisation of the
serious-dishonesty list).
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent / "pages"
HEIGHT = {390: 780, 1280: 760}
LANGUAGES = {"en": "en-GB", "zh": "zh-CN"}
# (name, path, width, language): the pictures the user guide shows. {profile} is found on the site.
CHOSEN = [
    ("home", "/", 1280, "en"),
    ("home", "/", 390, "zh"),
    ("search", "/search?q=Hangzou+Wanxiang", 1280, "en"),
    ("search", "/search?q=杭州", 390, "zh"),
    ("profile", "{profile}", 390, "en"),
    ("profile", "{profile}", 1280, "zh"),
    ("list", "/lists/serious_dishonesty", 390, "en"),
    ("statistics", "/statistics", 1280, "zh"),
]
PAGES = {name: path for name, path, _w, _l in CHOSEN} | {"departments": "/departments"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="where the registry is served")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder for the PNGs")
    parser.add_argument("--all", action="store_true", help="every page at both widths in both languages")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    with urllib.request.urlopen(f"{base}/lists/serious_dishonesty", timeout=60) as answer:
        listed = re.findall(r'href="(/organisations/[0-9A-Z]{18})"', answer.read().decode())
    if not listed:
        print("the serious-dishonesty list is empty: is the demo built (make run)?", file=sys.stderr)
        return 1
    every = [(n, p, w, lang) for n, p in PAGES.items() for w in HEIGHT for lang in LANGUAGES]
    shots = every if args.all else CHOSEN
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for name, path, width, lang in shots:
                page = browser.new_page(
                    viewport={"width": width, "height": HEIGHT[width]}, locale=LANGUAGES[lang]
                )
                page.goto(base + path.replace("{profile}", listed[0]), timeout=120_000)
                target = args.out / f"{name}-{lang}-{width}.png"
                page.screenshot(path=str(target))
                page.close()
                print(f"{target} ({target.stat().st_size // 1024} KB)")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
