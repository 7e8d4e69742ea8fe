"""The web pages, server-rendered: content, JSON twins, publicity rules, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from helpers import USCC_A


def test_search_page_renders_results_with_and_without_script(client: TestClient) -> None:
    empty = client.get("/search")
    assert empty.status_code == 200 and 'id="q"' in empty.text and "/static/search.js" in empty.text
    found = client.get("/search", params={"q": "北京"})
    assert "北京某某食品有限公司" in found.text and f'href="/organisations/{USCC_A}"' in found.text
    assert 'rel="alternate" type="application/json" href="/api/v1/organisations?q=' in found.text
    fragment = client.get("/search/results", params={"q": "shenzhen"})
    assert "<html" not in fragment.text and "Shenzhen Example Electronics" in fragment.text
    control = client.get("/search/results", params={"q": "ab\x01"})
    assert "control character" in control.text
    nul = client.get("/search/results", params={"q": "ab\x00"})  # a 500 on PostgreSQL before
    assert nul.status_code == 400 and "<html" in nul.text
    assert "query parameter q: a NUL character (U+0000) at 3" in nul.text


def test_profile_page_shows_grade_reasons_timeline_and_chart(client: TestClient) -> None:
    page = client.get(f"/organisations/{USCC_A}")
    assert page.status_code == 200
    assert 'id="grade" aria-label="grade C">C</span>' in page.text
    assert "administrative penalty XZCF-2026-0001 of 1 Jun 2026, serious" in page.text
    assert "shared only with public bodies" in page.text and "SI-1" not in page.text
    assert "<svg" in page.text and "Score over time" in page.text
    assert f'href="/api/v1/organisations/{USCC_A}"' in page.text
    assert '<a href="/records/SAMR/XZCF-2026-0001">' in page.text


def test_record_page_has_legal_basis_period_and_provenance(client: TestClient) -> None:
    page = client.get("/records/SAMR/XZCF-2026-0001")
    assert page.status_code == 200
    for words in ("Food Safety Law, Art. 124", "until 31 May 2029", "samr.csv, line 2", "Sold food past"):
        assert words in page.text, words
    assert client.get("/api/v1/records/SAMR/XZCF-2026-0001").json()["published_until"] == "2029-05-31"
    # Shared only with public bodies: not a public page, and not in the API either.
    assert client.get("/records/MOHRSS/SI-1").status_code == 404
    assert client.get("/api/v1/records/MOHRSS/SI-1").json()["error"]["code"] == "not_found"


def test_catalog_policy_and_how_pages(client: TestClient) -> None:
    catalog = client.get("/catalog").text
    assert "Administrative penalty" in catalog and "/api/v1/catalog" in catalog
    policy = client.get("/policy").text
    assert "serious_dishonesty_listing" in policy and "/api/v1/policy" in policy
    how = client.get("/how-ratings-work").text
    assert "starts at 1000 points" in how and "pending decision counts 50%" in how
    assert "the grade is at most D" in how


def test_unknown_and_malformed_organisations(client: TestClient) -> None:
    unknown = client.get("/organisations/91330100799655058B")
    assert unknown.status_code == 404 and "no organisation" in unknown.text
    malformed = client.get("/organisations/91110000600037341X")
    assert malformed.status_code == 422 and "check character is X, expected L" in malformed.text


def test_a_record_under_objection_is_marked_on_its_page_and_the_profile(client: TestClient, service) -> None:
    from helpers import process_for

    assert "under objection" not in client.get("/records/SAMR/XZCF-2026-0001").text.lower()
    process_for(service).object(
        "SAMR", "XZCF-2026-0001", ground="content", statement="wrong date", filed_by=f"organisation:{USCC_A}"
    )
    assert "<strong>Under objection:</strong>" in client.get("/records/SAMR/XZCF-2026-0001").text
    assert '<strong class="objection">under objection</strong>' in client.get(f"/organisations/{USCC_A}").text


def test_a_listing_without_an_identifier_links_to_its_profile_by_its_key(
    client: TestClient, service, engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A development bank's published listing of a firm without a code is found by name, and its row links
    to its profile by its key (unresolved:…), which says plainly that it is listed without an identifier.
    Found in use on the demo: the row named the firm without a link, and the key's page was 422."""
    import re

    from helpers import listing, notice_all, write_csv

    service.ingest_file(
        write_csv(tmp_path / "wb.csv", [listing("WB-9", "Kilimanjaro Roads Limited", "KE")]), "WB"
    )
    notice_all(engine, service)
    for path in ("/search", "/search/results"):
        found = client.get(path, params={"q": "Kilimanjaro"})
        assert found.status_code == 200 and "Kilimanjaro Roads Limited" in found.text
        assert "/organisations/None" not in found.text
        (key,) = re.findall(r'<a class="result" href="/organisations/(unresolved:[0-9a-f]{24})">', found.text)
    page = client.get(f"/organisations/{key}")
    assert page.status_code == 200 and "<h1>Kilimanjaro Roads Limited</h1>" in page.text
    assert "Listed without an identifier." in page.text and "its country (KE)" in page.text
    assert '<a href="/records/WB/WB-9">' in page.text
    assert f'href="/api/v1/organisations/{key}"' in page.text  # its JSON twin
    assert "None" not in page.text and 'id="report"' not in page.text  # no report without an identifier
