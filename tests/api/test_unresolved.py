"""A subject without an identifier (a development bank's listing of a firm without a code, keyed
unresolved:<24 hex>) is found by search with its key, and the key opens its profile, records and history,
read the same way an identified organisation's are. Found in use on the demo: the key was 422 on every
organisation route, so an API user could not go on from a search result.

The hard lines hold on this path: a key that resolves to nothing anyone may see (a subject marked never
public, one joined into a sole proprietor's file, one with no published record yet) answers word for word as
a key the registry does not hold; records awaiting notice never show; errors never repeat personal data."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from credence.access import tokens
from credence.access.principal import Role
from credence.identity import build_uscc
from credence.rating import load_policy
from credence.rating.service import RatingService
from credence.store.models import AccessRead, Organisation
from credence.subjects.service import LinkService

from helpers import (
    USCC_A,
    assert_error,
    listing,
    notice_all,
    process_for,
    row,
    served_content_hash,
    write_csv,
)

NAME = "Kilimanjaro Roads Limited"
KEY_SHAPE = re.compile(r"unresolved:[0-9a-f]{24}")
UNKNOWN = "unresolved:" + "0123456789abcdef01234567"  # well formed; the registry holds nothing on it
SOLE = build_uscc("92", "530100", "WR9G5XEA")  # a sole proprietor: never public
ROUTES = ("/api/v1/organisations/{}", "/api/v1/organisations/{}/records", "/api/v1/organisations/{}/history")


def rate(service: Any) -> None:
    RatingService(
        service.engine, service.catalog, load_policy(service.catalog), service.clock, service.settings
    ).rate()


def join(
    engine: Any, clock: Any, head: str, member: str, reason: str = "the notice gives the USCC"
) -> dict[str, int]:
    """A SAMR clerk judges the subject `member` the same organisation as `head` (both keys); every
    subject's id by its key."""
    found = ids(engine)
    LinkService(engine, clock, auto=0.99, review=0.5).judge(
        found[head], found[member], "same", "SAMR", "SAMR clerk Li", reason
    )
    return found


def keys(engine: Any) -> dict[str, str]:
    """Every subject's key by its name."""
    with engine.connect() as conn:
        return dict(conn.execute(select(Organisation.name, Organisation.key)).all())


def ids(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Organisation.key, Organisation.id)).all())


@pytest.fixture
def listed(client: TestClient, service, engine, tmp_path: Path) -> str:
    """The World Bank's published listing of a Kenyan firm without a code, rated: its key."""
    service.ingest_file(write_csv(tmp_path / "wb.csv", [listing("WB-9", NAME, "KE")]), "WB")
    notice_all(engine, service)
    rate(service)
    key = keys(engine)[NAME]
    assert KEY_SHAPE.fullmatch(key)
    return key


def as_unknown(response: Any, key: str) -> tuple[int, str]:
    """An answer with the key asked for replaced, to compare with the answer about an unknown key."""
    return response.status_code, response.text.replace(key, "<key>").replace(UNKNOWN, "<key>")


def test_a_search_result_carries_a_key_that_opens_the_profile_records_and_history(
    client: TestClient, listed: str
) -> None:
    (found,) = client.get("/api/v1/organisations", params={"q": "Kilimanjaro"}).json()["items"]
    assert found["code"] is None and found["key"] == listed  # code stays null, as before
    identified = client.get("/api/v1/organisations", params={"q": "北京某某"}).json()["items"]
    assert [o["key"] for o in identified] == [f"uscc:{USCC_A}"]  # every result has its key
    profile = client.get(f"/api/v1/organisations/{listed}")
    assert profile.status_code == 200, profile.text
    body = profile.json()
    assert body["key"] == listed and body["code"] is None and body["name"] == NAME
    # Rated, and A: a development bank's debarment counts in no grade (policy 2026.2, issue 15).
    assert (body["grade"], body["reasons"]) == ("A", ["1,000 points: the starting score"])
    records = client.get(f"/api/v1/organisations/{listed}/records").json()
    assert [(r["source_record_id"], r["subject"]) for r in records["items"]] == [("WB-9", listed)]
    history = client.get(f"/api/v1/organisations/{listed}/history")
    assert history.status_code == 200 and history.json()["total"] >= 1
    # Read as people write it: capitals, spaces around it.
    assert client.get(f"/api/v1/organisations/ {listed.upper()} ").json() == body


def test_the_openapi_document_says_what_a_key_is_and_that_the_routes_take_one(
    client: TestClient, listed: str
) -> None:
    document = client.get("/openapi.json").json()
    key = document["components"]["schemas"]["OrganisationOut"]["properties"]["key"]
    assert "unresolved:" in key["description"] and "/api/v1/organisations/" in key["description"]
    code = document["components"]["schemas"]["OrganisationOut"]["properties"]["code"]
    assert "null" in code["description"]
    for path in ("/api/v1/organisations/{code}", "/api/v1/organisations/{code}/records"):
        (parameter,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "code"]
        schema = parameter["schema"]
        assert re.fullmatch(schema["pattern"], listed) and len(listed) <= schema["maxLength"]
        assert "unresolved:" in parameter["description"]


def test_a_listing_joined_into_an_organisations_file_answers_with_that_file(
    client: TestClient, listed: str, service, engine, clock
) -> None:
    """As for any subject that is not the head of its file: the head's profile and the file's records."""
    join(engine, clock, f"uscc:{USCC_A}", listed)
    rate(service)
    head = client.get(f"/api/v1/organisations/{USCC_A}").json()
    assert [a["key"] for a in head["also_listed_as"]] == [listed]
    assert client.get(f"/api/v1/organisations/{listed}").json() == head
    records = [client.get(f"/api/v1/organisations/{k}/records").json() for k in (listed, USCC_A)]
    assert [[r["source_record_id"] for r in page["items"]] for page in records] == [
        ["XZCF-2026-0001", "WB-9"]
    ] * 2


def test_a_files_records_and_history_are_the_same_through_any_of_its_subjects(
    client: TestClient, listed: str, service, engine, clock
) -> None:
    """Each record keeps the subject it was submitted about, so that its logged content hash checks out by
    hand (before, every record was labelled with the subject asked about: the SAMR penalty came out as about
    the Kenyan listing, and neither record checked out through the other's key); the history is the file's,
    as the profile's grade is (before, a joined subject's own, from before the join); and a department's
    read for a purpose through the listing's key is the organisation's to see."""
    found = join(engine, clock, f"uscc:{USCC_A}", listed)
    rate(service)
    for route in ROUTES[1:]:
        assert client.get(route.format(listed)).json() == client.get(route.format(USCC_A)).json(), route
    records = client.get(f"/api/v1/organisations/{listed}/records").json()["items"]
    assert [(r["source_record_id"], r["subject"], r["subject_country"]) for r in records] == [
        ("XZCF-2026-0001", f"uscc:{USCC_A}", "CN"),
        ("WB-9", listed, "KE"),
    ]
    for r in records:
        assert served_content_hash(r) == logged_hash(r), r["source_record_id"]
    history = client.get(f"/api/v1/organisations/{listed}/history").json()["items"]
    assert history[-1]["new_grade"] == client.get(f"/api/v1/organisations/{USCC_A}").json()["grade"]
    with engine.begin() as conn:
        _, token = tokens.create_token(
            conn, name="SAMR system", role=Role.DEPARTMENT, department="SAMR", days=1, now=clock.now()
        )
    read = client.get(
        f"/api/v1/organisations/{listed}/records",
        params={"purpose": "enforcement"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "SI-1" in [r["source_record_id"] for r in read.json()["items"]]  # USCC_A's shared arrears
    with engine.connect() as conn:
        kept = conn.execute(select(AccessRead.organisation_id, AccessRead.what)).all()
    assert kept == [(found[f"uscc:{USCC_A}"], f"records of uscc:{USCC_A} (public and shared), page 1")]


def logged_hash(served: dict[str, Any]) -> str:
    content = served["log"]["entry"]["content"]
    return str((json.loads(content) if isinstance(content, str) else content)["content_hash"])


@pytest.mark.parametrize(
    "text",
    [
        "unresolved:abc",
        "unresolved:" + "g" * 24,
        "unresolved:" + "a" * 25,
        "unresolved:",
        "unresolved:Zhang San Trading",
        "unresolved:张三贸易行",
    ],
)
def test_a_malformed_key_is_422_naming_what_is_expected_and_never_repeating_it(
    client: TestClient, text: str
) -> None:
    for route in ROUTES:
        response = client.get(route.format(text))
        assert_error(response, 422, "invalid_key", "unresolved: and 24 hexadecimal digits")
        assert text.split(":", 1)[1] not in response.json()["error"]["message"] or text == "unresolved:"
    page = client.get(f"/organisations/{text}")
    assert page.status_code == 422 and "24 hexadecimal digits" in page.text
    assert "张三" not in page.text and "Zhang San" not in page.text


def test_a_key_holding_a_resident_identity_number_is_refused_without_repeating_it(
    client: TestClient,
) -> None:
    """Refused as a person's number where the registry sees one; a malformed key is never repeated at all
    (before, 'unresolved:<number>abc' came back in the message, as an invalid identifier)."""
    number = "110105194912310021"
    for text, reason in (
        (f"unresolved:{number}", "natural_person"),
        (f"unresolved:{number}abc", "invalid_key"),
    ):
        for route in ROUTES:
            response = client.get(route.format(text))
            assert_error(response, 422, reason)
            assert number not in response.text
        page = client.get(f"/organisations/{text}")
        assert page.status_code == 422 and number not in page.text


def test_an_unknown_key_is_404(client: TestClient) -> None:
    for route in ROUTES:
        assert_error(client.get(route.format(UNKNOWN)), 404, "not_found", f"no organisation {UNKNOWN}")
    assert client.get(f"/organisations/{UNKNOWN}").status_code == 404


def test_a_subject_marked_never_public_answers_as_an_unknown_key(
    client: TestClient, listed: str, engine
) -> None:
    with engine.begin() as conn:
        conn.execute(update(Organisation).where(Organisation.key == listed).values(never_public=True))
    for route in (*ROUTES, "/organisations/{}"):
        held, unknown = client.get(route.format(listed)), client.get(route.format(UNKNOWN))
        assert held.status_code == 404
        assert as_unknown(held, listed) == as_unknown(unknown, UNKNOWN), route
        assert NAME not in held.text and "Kilimanjaro" not in held.text
    assert client.get("/api/v1/organisations", params={"q": "Kilimanjaro"}).json()["total"] == 0


def test_a_listing_joined_into_a_sole_proprietors_file_answers_as_an_unknown_key(
    client: TestClient, listed: str, service, engine, clock, tmp_path: Path
) -> None:
    """A clerk may join a listing to a sole proprietor; the file stays never public through the key."""
    penalty = row("STA-1", subject_id=SOLE, subject_name="昆明佳和建材经营部", severity="serious")
    service.ingest_file(write_csv(tmp_path / "sole.csv", [penalty]), "SAMR")
    notice_all(engine, service)
    join(engine, clock, f"uscc:{SOLE}", listed, "the same shop")
    rate(service)
    for route in (*ROUTES, "/organisations/{}"):
        held, unknown = client.get(route.format(listed)), client.get(route.format(UNKNOWN))
        assert held.status_code == 404
        assert as_unknown(held, listed) == as_unknown(unknown, UNKNOWN), route
        assert "昆明" not in held.text and "STA-1" not in held.text and SOLE not in held.text
    # Search does not show the listing with the sole proprietor's grade either.
    assert client.get("/api/v1/organisations", params={"q": "Kilimanjaro"}).json()["total"] == 0
    assert client.get("/api/v1/organisations", params={"q": "Kilimanjaro Raods Limted"}).json()["total"] == 0
    assert NAME not in client.get("/search/results", params={"q": "Kilimanjaro"}).text


def test_nothing_awaiting_notice_shows_through_a_key(
    client: TestClient, listed: str, service, engine, clock, tmp_path: Path
) -> None:
    # A second listing of the same firm (same name and country: the same subject) awaits its notice.
    later = listing("WB-10", NAME, "KE", decided_on="2026-10-01")
    service.ingest_file(write_csv(tmp_path / "wb2.csv", [later]), "WB")
    assert keys(engine)[NAME] == listed
    rate(service)
    profile = client.get(f"/api/v1/organisations/{listed}").json()
    assert not any("WB-10" in line for line in profile["reasons"] + profile["what_would_change"])
    records = client.get(f"/api/v1/organisations/{listed}/records").json()
    assert [r["source_record_id"] for r in records["items"]] == ["WB-9"]
    assert "WB-10" not in client.get(f"/organisations/{listed}").text
    process_for(service).deliver_record_notice("WB", "WB-10", actor="WB clerk", channel="e-mail")
    records = client.get(f"/api/v1/organisations/{listed}/records").json()
    assert [r["source_record_id"] for r in records["items"]] == ["WB-10", "WB-9"]


def test_a_listing_whose_records_all_await_notice_answers_as_an_unknown_key(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    """Nothing about a listing is shown before its notice: not its file, not the link that joins it."""
    service.ingest_file(write_csv(tmp_path / "wb.csv", [listing("WB-9", NAME, "KE")]), "WB")
    key = keys(engine)[NAME]
    for route in (*ROUTES, "/organisations/{}"):
        held, unknown = client.get(route.format(key)), client.get(route.format(UNKNOWN))
        assert as_unknown(held, key) == as_unknown(unknown, UNKNOWN), route
    join(engine, clock, f"uscc:{USCC_A}", key)
    for route in (*ROUTES, "/organisations/{}"):
        held, unknown = client.get(route.format(key)), client.get(route.format(UNKNOWN))
        assert as_unknown(held, key) == as_unknown(unknown, UNKNOWN), route
        assert USCC_A not in held.text
    process_for(service).deliver_record_notice("WB", "WB-9", actor="WB clerk", channel="e-mail")
    assert client.get(f"/api/v1/organisations/{key}").json()["key"] == f"uscc:{USCC_A}"


SEARCHES = ("Kilimanjaro", "Roads Limited", "Kilimanjaro Raods Limted")  # prefix, contains, misspelled


def found_by_search(client: TestClient, key: str) -> list[str]:
    """Where search shows the listing (its name or key), over the API and the web page and fragment, by
    name, by part of it and misspelled."""
    shown = []
    for q in SEARCHES:
        api = client.get("/api/v1/organisations", params={"q": q})
        assert api.status_code == 200, api.text
        if api.json()["total"] or NAME in api.text or key in api.text:
            shown.append(f"api {q}")
        for path in ("/search", "/search/results"):
            page = client.get(path, params={"q": q})
            assert page.status_code == 200, page.text
            if NAME in page.text or key in page.text:
                shown.append(f"{path} {q}")
    return shown


def test_search_does_not_list_a_listing_whose_records_all_await_notice(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    """Found in use: search listed a listing before its notice, by name and misspelled, on the API and
    the web page, with a row linking to a page that answered 404. Search shows it by the rule its key
    follows: once a record of its own is published (not before, even when a clerk joined it into a file
    whose head has published records)."""
    service.ingest_file(write_csv(tmp_path / "wb.csv", [listing("WB-9", NAME, "KE")]), "WB")
    rate(service)
    key = keys(engine)[NAME]
    assert found_by_search(client, key) == []
    join(engine, clock, f"uscc:{USCC_A}", key)
    rate(service)
    assert client.get(f"/api/v1/organisations/{USCC_A}").status_code == 200  # the head is published
    assert found_by_search(client, key) == []
    process_for(service).deliver_record_notice("WB", "WB-9", actor="WB clerk", channel="e-mail")
    assert len(found_by_search(client, key)) == 3 * len(SEARCHES)
    (item,) = client.get("/api/v1/organisations", params={"q": "Kilimanjaro"}).json()["items"]
    assert item["key"] == key and client.get(f"/api/v1/organisations/{key}").status_code == 200


def test_search_does_not_list_a_listing_whose_records_left_publication(
    client: TestClient, service, engine, tmp_path: Path
) -> None:
    """A debarment decided more than its category's 1,095 days ago is no longer published: the key
    answers as an unknown key, and search does not list the listing either."""
    old = listing("WB-1", NAME, "KE", decided_on="2023-01-02")
    service.ingest_file(write_csv(tmp_path / "wb.csv", [old]), "WB")
    notice_all(engine, service)
    rate(service)
    key = keys(engine)[NAME]
    assert client.get(f"/api/v1/organisations/{key}").status_code == 404
    assert found_by_search(client, key) == []


SCREENED = (NAME, "Kilimanjaro Roads Ltd", "Kilimanjaro Road Limited")  # as listed, its form, a typo


def found_by_screening(client: TestClient, key: str) -> list[str]:
    """Where screening by name shows the listing (its name or key) in an answer, the question as asked
    aside: the match API's results, a check by name's candidates and organisation, and a bidders file's
    line (its organisation and candidates) for the name without a code."""
    shown = []
    for q in SCREENED:
        match = client.post("/api/v1/match", json={"names": [q], "country": "KE"})
        by_name = client.get(
            "/api/v1/checks/by-name", params={"name": q, "country": "KE", "domain": "public_procurement"}
        )
        bidders = client.post(
            "/api/v1/checks",
            params={"domain": "public_procurement"},
            content=f"subject_id,name,country\n,{q},KE\n".encode(),
            headers={"content-type": "text/csv"},
        )
        for answer in (match, by_name, bidders):
            assert answer.status_code == 200, answer.text
        (line,) = csv.DictReader(io.StringIO(bidders.text))
        answers = {
            "match": json.dumps(match.json()["results"], ensure_ascii=False),
            "by-name": json.dumps(
                [by_name.json()[k] for k in ("candidates", "organisation")], ensure_ascii=False
            ),
            "bidders": f"{line['organisation']} {line['candidates']}",
        }
        for where, text in answers.items():
            if NAME in text or key in text:
                shown.append(f"{where} {q}")
    return shown


def test_screening_by_name_does_not_show_a_listing_whose_records_all_await_notice(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    """Found in use: the match API and the checks by name answered a listing awaiting notice with its name
    and key, which search and its key no longer show. Screening follows the same rule (a subject without
    an identifier once a record of its own is published), also when a clerk joined it into a file."""
    service.ingest_file(write_csv(tmp_path / "wb.csv", [listing("WB-9", NAME, "KE")]), "WB")
    rate(service)
    key = keys(engine)[NAME]
    assert found_by_screening(client, key) == []
    join(engine, clock, f"uscc:{USCC_A}", key)
    rate(service)
    assert found_by_screening(client, key) == []
    process_for(service).deliver_record_notice("WB", "WB-9", actor="WB clerk", channel="e-mail")
    shown = found_by_screening(client, key)
    assert {s.split()[0] for s in shown} == {"match", "by-name"}, shown  # the listing, as matched
    bidders = client.post(  # a bidders line names the file the listing is in: the organisation's
        "/api/v1/checks",
        params={"domain": "public_procurement"},
        content=f"subject_id,name,country\n,{NAME},KE\n".encode(),
        headers={"content-type": "text/csv"},
    )
    assert USCC_A in bidders.text
