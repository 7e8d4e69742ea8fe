"""The checks page: a file of bidders shows its progress (the page's id for the file, a progress endpoint
that gives counts only), the form still answers without the script, and the page reads in Chinese."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from browser_support import ARTEFACTS, CHROMIUM, served
from helpers import USCC_A, USCC_B

JOB = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def test_a_file_sent_with_an_id_tells_how_far_it_has_come(client: TestClient) -> None:
    assert client.get(f"/checks/progress/{JOB}").json() == {"state": "waiting", "done": 0, "total": None}
    bidders = f"subject_id\n{USCC_A}\n{USCC_B}\n11010519491231002X\n".encode()
    answer = client.post(
        "/checks/file", data={"domain": "licensing", "job": JOB}, files={"bidders": ("b.csv", bidders)}
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert [line[0] for line in lines[1:]] == ["2", "3", "4"]
    assert "110105" not in answer.text and "31002X" not in answer.text  # a person's number is never repeated
    told = client.get(f"/checks/progress/{JOB}")
    assert told.json() == {"state": "finished", "done": 3, "total": 3}
    assert told.headers["cache-control"] == "no-store"
    assert "subject_id" not in told.text and USCC_A not in told.text  # counts only
    # An id that is not one the page makes is refused; the form without an id answers as before.
    assert client.get("/checks/progress/x").status_code == 404
    plain = client.post("/checks/file", data={"domain": "licensing"}, files={"bidders": ("b.csv", bidders)})
    assert plain.status_code == 200 and plain.text == answer.text
    # A bad file is refused on the page, naming the line, and its id says it finished.
    bad = client.post(
        "/checks/file",
        data={"domain": "licensing", "job": JOB[::-1]},
        files={"bidders": ("b.csv", b"code\nX\n")},
    )
    assert bad.status_code == 422 and 'id="error"' in bad.text and "line 1" in bad.text
    assert client.get(f"/checks/progress/{JOB[::-1]}").json()["state"] == "finished"


def test_the_page_has_its_progress_bar_and_script(client: TestClient) -> None:
    page = client.get("/checks").text
    assert '<progress id="file-progress"' in page and 'role="status" aria-live="polite"' in page
    assert '<script src="/static/checks.js"></script>' in page and 'name="job"' in page
    assert client.get("/static/checks.js").status_code == 200


def test_the_checks_page_in_chinese(client: TestClient) -> None:
    page = client.get(
        "/checks", params={"subject": USCC_B, "domain": "licensing"}, headers={"Accept-Language": "zh-CN"}
    )
    assert page.status_code == 200 and '<html lang="zh' in page.text
    assert 'id="answer">快速办理<' in page.text
    for words in ("投标人文件", "查询并下载", "如何纠正", "按名称查询", "已查询 {done} / {total} 个投标人"):
        assert words in page.text, words
    assert "Check and download" not in page.text
    english = client.get("/checks", params={"lang": "en"}).text
    assert "Check and download" in english and "投标人文件" not in english


@pytest.fixture
def server(api_settings, clock, populated) -> Iterator[str]:
    with served(api_settings, clock) as url:
        yield url


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_browser_uploads_a_file_and_sees_it_finish(server: str, tmp_path) -> None:
    from playwright.sync_api import expect, sync_playwright

    bidders = tmp_path / "bidders.csv"
    bidders.write_text("subject_id\n" + f"{USCC_A}\n{USCC_B}\n" * 300, "utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        try:
            for lang, done in (("en", "Done: 600 bidders checked"), ("zh", "完成：已查询 600 个投标人")):
                page = browser.new_page(accept_downloads=True, locale="zh-CN" if lang == "zh" else "en-GB")
                page.goto(f"{server}/checks?lang={lang}")
                page.locator("#file input[type=file]").set_input_files(str(bidders))
                page.locator("#file select").select_option("licensing")
                with page.expect_download() as downloading:
                    page.locator("#file button[type=submit]").click()
                download = downloading.value
                assert download.suggested_filename == "checks-licensing.csv"
                saved = tmp_path / f"answer-{lang}.csv"
                download.save_as(saved)
                assert len(saved.read_text("utf-8-sig").splitlines()) == 601
                expect(page.locator("#file-status")).to_contain_text(done)
                expect(page.locator("#file-progress")).to_have_attribute("value", "600")
                expect(page.locator("#file-answer")).to_be_visible()
                ARTEFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTEFACTS / f"checks-file-{lang}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
