"""HTTP conventions (issue 13 §6): every 405 names the allowed methods in Allow; HEAD works on every GET
route, with GET's status and headers and no body; a GET writes nothing; a body that is not JSON is 400
invalid_json saying where; the OpenAPI document declares the closed sets, formats and the CSV answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from credence.api.rules import RULES
from credence.server import create_app

from helpers import USCC_A, assert_error, counts

PATH_VALUES = {
    "code": USCC_A,
    "department": "SAMR",
    "source_record_id": "XZCF-2026-0001",
    "kind": "honour",
    "index": "0",
    "objection_id": "1",
    "repair_id": "1",
    "entry_id": "1",
    "notice_id": "1",
    "commitment_id": "1",
    "link_id": "1",
    "format": "csv",
    "name": "credence-2026-11-25.csv",
    "job": "job-0001-abcd",
}
QUERIES: dict[str, dict[str, Any]] = {
    "/api/v1/organisations": {"q": "北京"},
    "/search": {"q": "北京"},
    "/search/results": {"q": "北京"},
    "/api/v1/checks": {"subject": USCC_A, "domain": "public_procurement"},
    "/api/v1/log/proofs/inclusion": {"index": 0, "size": 1},
    "/api/v1/log/proofs/consistency": {"first": 0, "second": 0},
    "/api/v1/outbox": {"department": "SAMR"},
}


def methods_by_path(app: FastAPI) -> dict[str, set[str]]:
    """Every path template the app routes, with the methods it serves (HEAD wherever GET is)."""
    found: dict[str, set[str]] = {}
    for context in iter_route_contexts(app.routes):
        if context.path and context.methods:
            found.setdefault(context.path, set()).update(context.methods)
    for methods in found.values():
        if "GET" in methods:
            methods.add("HEAD")
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


@pytest.fixture
def app(api_settings, clock, populated) -> FastAPI:
    return create_app(api_settings.model_copy(update={"rate_limit": "100000/minute"}), clock)


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """Someone elsewhere than 127.0.0.1, without credentials: the public."""
    with TestClient(app, client=("10.0.0.9", 50000)) as client:
        yield client


# -- 405 and Allow ---------------------------------------------------------------------------------------


def test_every_405_names_the_allowed_methods_in_allow(app: FastAPI, anonymous: TestClient) -> None:
    served = methods_by_path(app)
    assert served["/api/v1/checks"] == {"GET", "HEAD", "POST"}  # two routes, one path: both counted
    for path, methods in served.items():
        refused = anonymous.request("PATCH", concrete(path))
        assert_error(refused, 405, "method_not_allowed")
        allow = {m.strip() for m in refused.headers.get("allow", "").split(",") if m.strip()}
        assert allow == methods, (path, refused.headers.get("allow"))
        for method in methods - {"HEAD"}:
            assert method in refused.json()["error"]["message"], refused.json()
    posted = anonymous.post("/api/v1/health")
    assert posted.headers["allow"] == "GET, HEAD"
    assert posted.json()["error"]["message"] == "POST is not allowed on /api/v1/health: use GET or HEAD"
    assert anonymous.get("/api/v1/records").headers["allow"] == "POST"


# -- HEAD ------------------------------------------------------------------------------------------------


def test_head_works_on_every_get_route_with_gets_headers_and_no_body(
    app: FastAPI, client: TestClient
) -> None:
    """As the demo principal (127.0.0.1, demo mode), which reaches every route."""
    same = ("content-type", "content-length", "content-disposition", "cache-control", "allow", "location")
    paths = [p for p, methods in methods_by_path(app).items() if "GET" in methods]
    paths += ["/static/app.css", "/no/such/page", f"/api/v1/organisations/{USCC_A}X"]
    for path in paths:
        url, params = concrete(path), QUERIES.get(path, {})
        got = client.get(url, params=params, follow_redirects=False)
        head = client.head(url, params=params, follow_redirects=False)
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code, got.text[:200])
        assert head.content == b"", path
        for name in same:
            if name == "content-length" and "transfer-encoding" in got.headers:
                continue
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert client.head("/api/v1/health").headers["content-length"] == str(len(b'{"status":"ok"}'))


# -- GET writes nothing -------------------------------------------------------------------------------------


def test_no_get_writes_to_the_store(app: FastAPI, anonymous: TestClient, engine) -> None:
    """Every public GET route and page, called anonymously, leaves every table as it was (a credit report
    was stored on each download of report.pdf)."""
    before = counts(engine)
    called = 0
    for (method, path), rule in RULES.items():
        if method != "GET" or not rule.public:
            continue
        answer = anonymous.get(concrete(path), params=QUERIES.get(path, {}), follow_redirects=False)
        assert answer.status_code < 500, (path, answer.text[:300])
        called += 1
    report = anonymous.get(f"/organisations/{USCC_A}/report.pdf")
    assert counts(engine) == before
    assert called > 20
    assert_error(report, 405, "method_not_allowed")
    assert report.headers["allow"] == "POST"


# -- malformed bodies ----------------------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_400_invalid_json_saying_where(client: TestClient, engine) -> None:
    before = counts(engine)
    broken = client.post(
        "/api/v1/records",
        params={"department": "SAMR"},
        content=b'[{"source_record_id": "A-1",\n  }]',
        headers={"content-type": "application/json"},
    )
    assert_error(broken, 400, "invalid_json", "line 2, column 3 (character 32)")
    (detail,) = broken.json()["error"]["details"]
    assert detail == {
        "where": "body",
        "line": 2,
        "column": 3,
        "character": 32,
        "message": "Expecting property name enclosed in double quotes",
    }
    cut = client.post(
        "/api/v1/objections", content=b'{"department": ', headers={"content-type": "application/json"}
    )
    assert_error(cut, 400, "invalid_json", "line 1, column 16 (character 16)")
    not_utf8 = client.post(
        "/api/v1/records",
        params={"department": "SAMR"},
        content=b'[{"summary": "caf\xe9"}]',
        headers={"content-type": "application/json"},
    )
    assert_error(not_utf8, 400, "invalid_json", "not UTF-8")
    assert "byte 18" in not_utf8.json()["error"]["message"]
    form = client.post("/checks/file", content=b"garbage", headers={"content-type": "multipart/form-data"})
    assert_error(form, 400, "invalid_body", "could not be read as multipart/form-data")  # was http_error
    assert counts(engine) == before
    # A body that is JSON but of the wrong shape is still 422 invalid_request, naming the field.
    assert_error(client.post("/api/v1/objections", json={"department": 1}), 422, "invalid_request")


# -- the OpenAPI document ------------------------------------------------------------------------------------


def parameter(schema: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    (found,) = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    return found["schema"]  # type: ignore[no-any-return]


def test_the_openapi_document_declares_closed_sets_formats_and_csv(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    domains = ["public_procurement", "subsidies", "licensing", "awards", "pilot_programmes", "inspection"]
    domains.append("mdb_financed_procurement")  # procurement financed by a development bank
    assert parameter(schema, "/api/v1/checks", "get", "domain")["enum"] == domains
    assert parameter(schema, "/api/v1/checks", "post", "domain")["enum"] == domains
    purpose = parameter(schema, "/api/v1/organisations/{code}/records", "get", "purpose")
    purposes = ["licensing_review", "procurement_check", "enforcement", "supervision", "audit"]
    assert purpose["enum"] == purposes
    assert parameter(schema, "/api/v1/lists/{kind}/export", "get", "format")["enum"] == ["csv", "json"]
    kind = parameter(schema, "/api/v1/lists/{kind}", "get", "kind")
    assert "$ref" in kind or kind.get("enum")
    # a NUL is refused in every query parameter (400 invalid_character), so the document says so: the fuzz
    # test's valid data once held one in GET /api/v1/changes?ref=
    ref = parameter(schema, "/api/v1/changes", "get", "ref")
    ref = next((s for s in ref.get("anyOf", [ref]) if s.get("type") == "string"), ref)
    assert re.search(ref["pattern"], "record:123") and not re.search(ref["pattern"], "rec\x00ord:123")

    for path in (
        "/api/v1/organisations/{code}",
        "/api/v1/organisations/{code}/records",
        "/api/v1/organisations/{code}/history",
    ):
        code = parameter(schema, path, "get", "code")
        assert code["format"] == "organisation-key" and code["maxLength"] == 35, path
        assert re.fullmatch(code["pattern"], USCC_A) and re.fullmatch(code["pattern"], f"uscc:{USCC_A}")
        assert re.fullmatch(code["pattern"], "5493001KJTIIGC8Y1R12")
        assert re.fullmatch(code["pattern"], "unresolved:10a77b1b5858030543a039de")  # no identifier
        assert not re.fullmatch(code["pattern"], "unresolved:10a77b1b")
        assert not re.fullmatch(code["pattern"], "schema")
    subject = parameter(schema, "/api/v1/checks", "get", "subject")
    assert subject["format"] == "organisation-code" and subject["maxLength"] == 20
    assert re.fullmatch(subject["pattern"], USCC_A) and not re.fullmatch(subject["pattern"], f"uscc:{USCC_A}")
    verification = parameter(schema, "/api/v1/reports/{code}", "get", "code")
    assert re.fullmatch(verification["pattern"], "K7QF-2M9X-4D8R-T1VW")
    assert re.fullmatch(verification["pattern"], "k7qf2m9x4d8rt1vw")
    assert not re.fullmatch(verification["pattern"], "K7QU-2M9X-4D8R-T1VW")  # U is no code character
    q = parameter(schema, "/api/v1/organisations", "get", "q")
    assert re.fullmatch(q["pattern"], "北京 某某") and not re.fullmatch(q["pattern"], "  ")
    assert not re.fullmatch(q["pattern"], "ab\x00c")

    components = schema["components"]["schemas"]
    assert components["CheckOut"]["properties"]["as_of"]["format"] == "date"
    assert set(components["ObjectionOut"]["properties"]["state"]["enum"]) >= {"open", "upheld", "lapsed"}
    assert set(components["RepairOut"]["properties"]["state"]["enum"]) >= {"applied", "approved"}

    export = schema["paths"]["/api/v1/lists/{kind}/export"]["get"]["responses"]["200"]["content"]
    assert export["text/csv"]["schema"]["type"] == "string"
    assert "application/json" in export
    bidders = schema["paths"]["/api/v1/checks"]["post"]
    assert set(bidders["responses"]["200"]["content"]) == {"text/csv"}
    assert bidders["responses"]["200"]["content"]["text/csv"]["schema"]["type"] == "string"
    assert "text/csv" in bidders["requestBody"]["content"]
    for status in ("400", "405", "413", "429"):
        assert status in bidders["responses"], status


# -- NUL characters -----------------------------------------------------------------------------------------


def query_parameters(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path template, name) for every query parameter of every route, API and pages."""
    found = []
    for route in app.routes:
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        for method in sorted(route.methods - {"HEAD"}):  # type: ignore[attr-defined]
            for name in sorted(query_names(dependant)):
                found.append((method, route.path, name))  # type: ignore[attr-defined]
    return found


def query_names(dependant: Any) -> set[str]:
    """A route's query parameters, its dependencies' too."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_names(sub)
    return names


def test_a_nul_in_any_query_parameter_is_400_naming_it_and_nothing_is_read_or_written(
    app: FastAPI, client: TestClient, engine
) -> None:
    """PostgreSQL refuses text with a NUL in it: GET /api/v1/changes?after=100&ref=%00 was a 500 there
    (found by the fuzz test). A NUL is refused before any route, for every query parameter of every route,
    naming the parameter; a parameter's name with a NUL in it too."""
    before = counts(engine)
    changes = client.get("/api/v1/changes", params={"after": 100, "ref": "\x00"})
    assert_error(changes, 400, "invalid_character", "query parameter ref: a NUL character (U+0000) at 1")
    named = query_parameters(app)
    assert len(named) >= 25, named
    for method, path, name in named:
        params = {**QUERIES.get(path, {}), name: "ab\x00c"}
        refused = client.request(method, concrete(path), params=params)
        words = f"query parameter {name}: a NUL character (U+0000) at 3"
        if path.startswith("/api/"):
            assert_error(refused, 400, "invalid_character", words)
        else:  # a page
            assert refused.status_code == 400 and words in refused.text, (path, refused.text[:300])
    odd = client.get("/api/v1/organisations", params={"q\x00": "x"})
    assert_error(odd, 400, "invalid_character", "the name of query parameter 1")
    assert counts(engine) == before


def test_a_nul_in_a_path_or_a_text_body_is_400_saying_where(client: TestClient, engine) -> None:
    before = counts(engine)
    path = client.get("/api/v1/records/SAMR/A%00B")
    assert_error(path, 400, "invalid_character", "the path: a NUL character (U+0000) at 23")
    page = client.get("/records/SAMR/A%00B")  # a page: the same words, on a page
    assert page.status_code == 400 and "the path: a NUL character (U+0000) at 16" in page.text
    body = client.post(
        "/api/v1/records",
        params={"department": "SAMR"},
        content=b'[{"source_record_id": "A\\u0000"}]',
        headers={"content-type": "application/json"},
    )
    assert_error(
        body, 400, "invalid_character", "the body, field [0].source_record_id: a NUL character (U+0000) at 2"
    )
    broken = client.post(  # not JSON either: where in the body
        "/api/v1/objections", content=b'{"a": "\\u0000', headers={"content-type": "application/json"}
    )
    assert_error(broken, 400, "invalid_character", "the body: a NUL character (U+0000) at character 8")
    escaped = client.post(  # an escaped backslash followed by "u0000" is no NUL: read on, refused later
        "/api/v1/objections",
        content=b'{"department": "\\\\u0000"}',
        headers={"content-type": "application/json"},
    )
    assert escaped.json()["error"]["code"] != "invalid_character"
    form = client.post(
        "/sign-in", content=b"token=a%00b", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert form.status_code == 400 and "the body, field token: a NUL character (U+0000) at 2" in form.text
    assert counts(engine) == before
