"""Self-service pages behind the demo sign-in: the organisation's own file and forms, the department's inbox
and outbox; closed outside demo mode and away from 127.0.0.1; refusals change nothing; forms need their
CSRF token and the sign-in cookie cannot be forged."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from credence.process import notices
from credence.rating import repository as rating_repo
from credence.server import create_app
from credence.store.models import Base
from credence.web.selfservice import SESSION_COOKIE, Signer

from helpers import USCC_A, USCC_B, row, write_csv

RECORD = "/me/records/SAMR/XZCF-2026-0001"
TABLES = ("records", "record_versions", "record_events", "objections", "repairs", "notices", "ratings")


def token(page: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, **fields: str) -> Any:
    form = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf": token(form), **fields})


def sign_in_organisation(client: TestClient, code: str = USCC_A) -> Any:
    return sign_in(client, kind="organisation", organisation=code)


def sign_in_department(client: TestClient, code: str = "SAMR") -> Any:
    return sign_in(client, kind="department", department=code)


def sign_out(client: TestClient) -> None:
    assert client.post("/sign-out", data={"csrf": token(client.get("/sign-in"))}).status_code == 200


def post(client: TestClient, url: str, page: str, **fields: str) -> Any:
    """Send a form the way a browser does: with the CSRF token of a page just served."""
    return client.post(url, data={"csrf": token(client.get(page)), **fields})


def grade(page: Any) -> str:
    found = re.search(r'id="grade" aria-label="grade ([A-D])"', page.text)
    assert found, "no grade on the page"
    return found.group(1)


def state_of(page: Any, record: str) -> str:
    found = re.search(
        rf'<tr data-record="{re.escape(record)}">.*?<td class="state">([^<]*)</td>', page.text, re.S
    )
    assert found, f"{record} is not in the own file"
    return found.group(1)


def snapshot(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every due-process and record table, to show a refused step changed nothing."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(t.select())]
            for t in Base.metadata.sorted_tables
            if t.name in TABLES
        }


def test_sign_in_as_an_organisation_then_as_a_department(client: TestClient) -> None:
    home = client.get("/")
    assert '<a href="/sign-in" id="demo-user">Sign in (demo)</a>' in home.text
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert "demo sign-in" in page.text and "exists only in demo mode" in page.text
    assert f'value="{USCC_A}"' in page.text and 'value="SAMR"' in page.text  # examples and the catalog
    signed = sign_in_organisation(client)
    assert signed.status_code == 200 and str(signed.url).endswith("/me")
    assert (
        "Signed in as 北京某某食品有限公司" in signed.text
        and "Your file: 北京某某食品有限公司" in signed.text
    )
    assert '<a href="/me" id="demo-user">北京某某食品有限公司 (demo)</a>' in signed.text
    assert client.get("/inbox").status_code == 403  # an organisation has no department inbox
    sign_out(client)
    assert client.get("/me", follow_redirects=False).headers["location"] == "/sign-in"
    signed = sign_in_department(client)
    assert str(signed.url).endswith("/inbox") and "Inbox of State Administration" in signed.text
    refused = client.get("/me")
    assert refused.status_code == 403 and "GET /me is for organisation, not department" in refused.text


def test_sign_in_refuses_bad_and_unknown_codes(client: TestClient) -> None:
    bad = sign_in_organisation(client, "91110000600037341X")
    assert bad.status_code == 422 and "check character is X, expected L" in bad.text
    unknown = sign_in_organisation(client, "91330100799655058B")
    assert unknown.status_code == 404 and "no organisation uscc:91330100799655058B" in unknown.text
    nowhere = sign_in_department(client, "NOPE")
    assert (
        nowhere.status_code == 422
        and "no such department in the catalog" in nowhere.text
        and "NOPE" not in nowhere.text
    )
    assert client.get("/me", follow_redirects=False).status_code == 303  # still not signed in


def test_the_demo_sign_in_is_absent_outside_demo_mode_and_closed_away_from_127_0_0_1(
    settings, api_settings, clock, populated
) -> None:
    with TestClient(create_app(settings, clock), client=("127.0.0.1", 50000)) as closed:
        assert closed.get("/sign-in").status_code == 404  # no demo sign-in at all
        assert closed.post("/sign-in", data={"kind": "department", "department": "SAMR"}).status_code == 404
        for path in ("/me", "/inbox", "/outbox", "/me/notices/1"):
            page = closed.get(path, follow_redirects=False)
            assert page.status_code == 401 and 'href="/sign-in/password"' in page.text, path
        home = closed.get("/").text
        assert "demo-user" not in home and '<a href="/sign-in/password" id="user">Sign in</a>' in home
        forged = Signer().sign("session", {"n": "n", "k": "organisation", "c": USCC_A, "m": "A"})
        assert closed.get("/me", headers={"cookie": f"{SESSION_COOKIE}={forged}"}).status_code == 401
    with TestClient(create_app(api_settings, clock), client=("10.1.2.3", 50000)) as remote:
        page = remote.get("/sign-in")
        assert page.status_code == 403 and "only from 127.0.0.1" in page.text
        assert remote.get("/me").status_code == 401
        assert "demo-user" not in remote.get("/").text


def test_the_own_file_shows_what_the_public_profile_does_not(client: TestClient, service, tmp_path) -> None:
    late = row(7, severity="minor", summary="Late labelling, not yet noticed.")
    service.ingest_file(write_csv(tmp_path / "late.csv", [late]), "SAMR")
    assert "XZCF-2026-0007" not in client.get(f"/organisations/{USCC_A}").text
    assert client.get("/records/SAMR/XZCF-2026-0007").status_code == 404
    own = sign_in_organisation(client)
    assert state_of(own, "SAMR/XZCF-2026-0007") == "awaiting notice"
    assert state_of(own, "SAMR/XZCF-2026-0001") == "published"
    assert state_of(own, "MOHRSS/SI-1") == "published" and "public bodies only" in own.text
    assert "Social insurance" in own.text or "SI-1" in own.text
    # The notice of the new record is flagged undelivered and says how to object and to repair.
    found = re.search(r'<li class="undelivered"><a href="/me/notices/(\d+)">', own.text)
    assert found, "the undelivered notice is not flagged"
    notice = client.get(f"/me/notices/{found.group(1)}")
    assert notice.status_code == 200 and "Not delivered yet" in notice.text
    assert "How to object" in notice.text and "free of charge" in notice.text
    assert "How to repair" in notice.text and "No fee is ever charged" in notice.text
    # Another organisation's notice is not in this file.
    with client.app.state.registry.engine.connect() as conn:  # type: ignore[attr-defined]
        others = notices.inbox(conn, rating_repo.find_organisation(conn, USCC_B).id)
    assert client.get(f"/me/notices/{others[0].id}").status_code == 404
    assert client.get("/me/records/SAMR/XZCF-2026-0002").status_code == 404  # B's record


def test_object_the_department_answers_corrected_and_the_grade_changes(
    client: TestClient, process, clock
) -> None:
    own = sign_in_organisation(client)
    before = grade(own)
    filed = post(client, f"{RECORD}/objection", RECORD, ground="content", statement="It was not serious.")
    assert filed.status_code == 200 and "Objection 1 filed, free of charge" in filed.text
    assert "must answer by 25 Dec 2026" in filed.text
    assert state_of(client.get("/me"), "SAMR/XZCF-2026-0001") == "under objection"
    # A second objection by B, five days later, is due five days later: the inbox is sorted by deadline.
    clock.advance(timedelta(days=5))
    process.object(
        "SAMR", "XZCF-2026-0002", ground="period", statement="too long", filed_by=f"organisation:{USCC_B}"
    )
    extended = post(client, "/me/objections/1/extension", "/me", text="The lab report of 2026-05-30.")
    assert "the answer is now due by 9 Jan 2027" in extended.text
    again = post(client, "/me/objections/1/extension", "/me", text="More.")
    assert again.status_code == 409 and "cannot be extended" in again.text
    sign_out(client)
    inbox = sign_in_department(client)
    rows = re.findall(r'data-kind="(\w+)" data-id="(\d+)">.*?class="days-left">([^<]*)<', inbox.text, re.S)
    assert rows == [("objection", "2", "30 days left"), ("objection", "1", "40 days left")]
    clock.advance(timedelta(days=31))
    late = client.get("/inbox")
    assert '<tr class="overdue" data-kind="objection" data-id="2">' in late.text
    assert "1 day overdue" in late.text
    page = client.get("/inbox/objections/1")
    assert "It was not serious." in page.text and "The lab report of 2026-05-30." in page.text
    answered = post(
        client,
        "/inbox/objections/1/answer",
        "/inbox/objections/1",
        outcome="corrected",
        reason="The violation was general, not serious.",
        severity="general",
    )
    assert answered.status_code == 200 and "Objection 1 answered: corrected" in answered.text
    assert 'data-id="1"' not in answered.text  # no longer awaiting
    sign_out(client)
    own = sign_in_organisation(client)
    after = grade(own)
    assert (before, after) == ("C", "B")
    assert state_of(own, "SAMR/XZCF-2026-0001") == "published"
    record = client.get(RECORD)
    assert 'id="version">2<' in record.text and 'id="severity">General<' in record.text
    assert "The violation was general, not serious." in own.text  # the answer, in the own file
    assert client.get("/api/v1/records/SAMR/XZCF-2026-0001").json()["severity"] == "general"


def test_refusals_show_their_message_and_change_nothing(client: TestClient, engine) -> None:
    sign_in_organisation(client)
    assert (
        post(client, f"{RECORD}/objection", RECORD, ground="content", statement="Wrong.").status_code == 200
    )
    before = snapshot(engine)
    twice = post(client, f"{RECORD}/objection", RECORD, ground="content", statement="Wrong again.")
    assert twice.status_code == 409 and "already has an open objection" in twice.text
    assert "Nothing was changed." in twice.text
    early = post(client, f"{RECORD}/repair", RECORD, evidence="fine paid", commitment="we comply")
    assert early.status_code == 409 and "can be repaired from 2027-06-01" in early.text
    assert ">fine paid</textarea>" in early.text  # what was written is kept
    empty = post(client, f"{RECORD}/objection", RECORD, ground="period", statement="  ")
    assert empty.status_code == 409 and "statement is required" in empty.text
    control = post(client, f"{RECORD}/objection", RECORD, ground="period", statement="a\x01b")
    assert control.status_code == 422 and "control character at character 2" in control.text
    nul = post(client, f"{RECORD}/objection", RECORD, ground="period", statement="a\x00b")
    assert nul.status_code == 400 and "field statement: a NUL character (U+0000) at 2" in nul.text
    assert post(client, "/me/records/SAMR/NOPE/objection", "/me", statement="x").status_code == 404
    assert snapshot(engine) == before
    sign_out(client)
    sign_in_department(client)
    bad = post(
        client,
        "/inbox/objections/1/answer",
        "/inbox/objections/1",
        outcome="corrected",
        reason="checked",
        decided_on="2026-13-01",
    )
    assert bad.status_code == 422 and "decided_on" in bad.text and "Nothing was changed." in bad.text
    nothing = post(
        client, "/inbox/objections/1/answer", "/inbox/objections/1", outcome="corrected", reason="r"
    )
    assert nothing.status_code == 409 and "a correction needs the corrected fields" in nothing.text
    other = sign_in_department(client, "MOHRSS")
    assert other.status_code == 200
    assert client.get("/inbox/objections/1").status_code == 404  # SAMR's, not MOHRSS's
    stolen = post(client, "/inbox/objections/1/answer", "/inbox", outcome="upheld", reason="mine now")
    assert stolen.status_code == 404 and "no objection 1 for you" in stolen.text
    assert snapshot(engine) == before


def test_forms_without_their_csrf_token_are_refused(client: TestClient, engine) -> None:
    assert client.post("/sign-in", data={"kind": "department", "department": "SAMR"}).status_code == 403
    sign_in_organisation(client)
    before = snapshot(engine)
    missing = client.post(f"{RECORD}/objection", data={"ground": "content", "statement": "x"})
    assert missing.status_code == 403 and "CSRF token is missing or wrong" in missing.text
    wrong = client.post(f"{RECORD}/objection", data={"csrf": "x" * 43, "ground": "content", "statement": "x"})
    assert wrong.status_code == 403
    # A token of another session (another browser) does not pass either.
    with TestClient(client.app, client=("127.0.0.1", 50001)) as other:
        foreign = token(other.get("/sign-in"))
    stolen = client.post(f"{RECORD}/objection", data={"csrf": foreign, "ground": "content", "statement": "x"})
    assert stolen.status_code == 403
    assert snapshot(engine) == before


def _forge(value: dict[str, Any], stamp: str, mac: str) -> str:
    """A cookie in the signed format (payload.time.signature) with another payload."""
    payload = base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{payload}.{stamp}.{mac}"


def test_a_forged_or_edited_cookie_signs_nobody_in(api_settings, clock, populated) -> None:
    app = create_app(api_settings, clock)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        sign_in_organisation(client)
        genuine = client.cookies[SESSION_COOKIE]
        assert client.get("/me").status_code == 200
    payload, stamp, mac = genuine.split(".")
    value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert value["k"] == "organisation"  # the format forged below is the one the server writes
    edited = _forge({**value, "k": "department", "c": "SAMR", "m": "SAMR"}, stamp, mac)  # the old signature
    made_up = _forge({"n": "n", "k": "organisation", "c": USCC_B, "m": "B"}, stamp, "AAAA")
    elsewhere = Signer().sign("session", {"n": "n", "k": "department", "c": "SAMR", "m": "SAMR"})
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        for cookie in (edited, made_up, elsewhere, "garbage", genuine + "x"):
            headers = {"cookie": f"{SESSION_COOKIE}={cookie}"}
            for path in ("/me", "/inbox"):
                page = client.get(path, headers=headers, follow_redirects=False)
                assert (page.status_code, page.headers.get("location")) == (303, "/sign-in"), (cookie, path)
        page = client.get("/me", headers={"cookie": f"{SESSION_COOKIE}={genuine}"})
        assert page.status_code == 200 and "Your file: 北京某某食品有限公司" in page.text


def test_outbox_delivery_and_a_proposed_listing_answered_and_decided(
    client: TestClient, process, clock
) -> None:
    entry = process.lists.propose(
        "SAMR", USCC_B, "grave_unfair_competition", facts="Bid rigging.", decision_ref="SAMR-9", actor="SAMR"
    )
    sign_in_department(client)
    outbox = client.get("/outbox")
    assert 'data-notice="' in outbox.text and "Proposed listing" in outbox.text
    notice = re.search(r'<tr data-notice="(\d+)">', outbox.text)
    assert notice
    delivered = post(client, f"/outbox/{notice.group(1)}/delivery", "/outbox", channel="registered mail")
    assert f"Delivery of notice {notice.group(1)} logged" in delivered.text
    again = post(client, f"/outbox/{notice.group(1)}/delivery", "/outbox", channel="registered mail")
    assert again.status_code == 409 and "cannot be delivered" in again.text
    sign_out(client)
    own = sign_in_organisation(client, USCC_B)
    assert f'<tr data-entry="{entry.id}">' in own.text and "answer by 25 Dec 2026" in own.text
    answered = post(
        client, f"/me/list-entries/{entry.id}/answer", "/me", text="We did not rig bids.", hearing="yes"
    )
    assert "You asked for a hearing." in answered.text
    sign_out(client)
    inbox = sign_in_department(client)
    assert f'data-kind="listing" data-id="{entry.id}"' in inbox.text
    page = f"/inbox/listings/{entry.id}"
    early = post(client, f"{page}/decision", page, outcome="list", reason="proven", hearing="held")
    assert early.status_code == 409 and "can be decided from the day after" in early.text
    clock.advance(timedelta(days=31))
    unheard = post(client, f"{page}/decision", page, outcome="list", reason="proven")
    assert unheard.status_code == 409 and "asked for a hearing" in unheard.text
    listed = post(
        client, f"{page}/decision", page, outcome="list", reason="proven", hearing="Heard 2026-12-20."
    )
    assert listed.status_code == 200 and f"List entry {entry.id}: listed" in listed.text
