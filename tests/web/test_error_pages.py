"""A browser's errors are pages in the site's frame and the reader's language; API clients keep the JSON;
no error page repeats what was refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from credence.server import create_app

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ZH = {**HTML, "Accept-Language": "zh-CN,zh;q=0.9"}
PERSON = "110101199003077777"  # a resident identity number: never repeated


def test_an_unknown_address_is_a_page_for_a_browser_and_json_for_a_script(client: TestClient) -> None:
    page = client.get(f"/nowhere/{PERSON}", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<title>Not found · Credence</title>" in page.text and 'id="problem"' in page.text
    assert "There is no page at this address" in page.text and 'href="/lists"' in page.text
    assert '<nav aria-label="Site">' in page.text and PERSON not in page.text  # the frame; nothing echoed
    chinese = client.get("/nowhere", headers=ZH)
    assert chinese.status_code == 404 and "<title>未找到 · Credence</title>" in chinese.text
    assert chinese.headers["content-language"] == "zh-CN" and "此网址没有对应的页面" in chinese.text
    script = client.get("/nowhere")
    assert script.status_code == 404 and script.json()["error"]["code"] == "not_found"
    api = client.get("/api/v1/nowhere", headers=HTML)  # the API answers JSON whatever is asked
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"


def test_bad_input_is_titled_for_what_it_is_and_names_the_field_not_the_value(client: TestClient) -> None:
    typed = "K7QF" * 60
    page = client.get("/verify", params={"code": typed}, headers=HTML)
    assert page.status_code == 422 and "<title>Request not accepted · Credence</title>" in page.text
    assert "Not found" not in page.text and "<code>query.code</code>" in page.text and typed not in page.text
    chinese = client.get("/verify", params={"code": typed}, headers=ZH)
    assert "<title>请求未被受理 · Credence</title>" in chinese.text and "错误 422" in chinese.text
    script = client.get("/verify", params={"code": typed})
    assert script.status_code == 422 and script.json()["error"]["code"] == "invalid_request"
    person = client.get(f"/organisations/{PERSON}", headers=HTML)  # a route's own error page
    assert person.status_code == 422 and PERSON not in person.text
    assert "<title>Not found" not in person.text and "Request not accepted" in person.text


def test_a_failure_of_the_server_is_a_page_in_the_readers_language(api_settings, clock, populated) -> None:
    app = create_app(api_settings, clock)
    app.state.registry.policy = None  # the policy page can no longer be drawn: a fault, not a refusal
    with TestClient(app, client=("127.0.0.1", 50000), raise_server_exceptions=False) as client:
        page = client.get("/policy", headers=ZH)
        assert page.status_code == 500 and page.headers["content-language"] == "zh-CN"
        assert "<title>出错了 · Credence</title>" in page.text and "故障已记录" in page.text
        english = client.get("/policy", headers=HTML)
        assert "<title>Something went wrong · Credence</title>" in english.text
        assert "Traceback" not in english.text and "NoneType" not in english.text
        script = client.get("/policy")
        assert script.status_code == 500 and script.json()["error"]["code"] == "internal_error"


def test_the_site_has_an_icon(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg") and client.get("/static/favicon.svg").status_code == 200
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in client.get("/catalog").text


def test_a_nul_in_an_address_is_a_page_in_the_sites_frame_and_language(client: TestClient) -> None:
    """A NUL is refused before any route (credence.api.characters): a page's address answers with the site's
    error page, its frame and its language, saying where the NUL is; the API's paths keep the JSON."""
    page = client.get("/records/SAMR/A%00B", headers=HTML)
    assert page.status_code == 400 and "<title>Request not accepted · Credence</title>" in page.text
    assert '<nav aria-label="Site">' in page.text and 'href="/lists"' in page.text
    assert "the path: a NUL character (U+0000) at 16" in page.text
    chinese = client.get("/records/SAMR/A%00B", headers=ZH)
    assert chinese.status_code == 400 and "<title>请求未被受理 · Credence</title>" in chinese.text
    assert chinese.headers["content-language"] == "zh-CN"
    api = client.get("/api/v1/records/SAMR/A%00B", headers=HTML)
    assert api.status_code == 400 and api.json()["error"]["code"] == "invalid_character"
