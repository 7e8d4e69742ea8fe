"""Purpose-bound reads: anyone sees an organisation's public records; a department that states a purpose
from the fixed list also sees the records shared with public bodies, and the read is kept and logged;
the organisation sees all its records without a purpose, and sees who read its file and why. An unknown
purpose, or a purpose from someone who is not a department, is refused and leaves nothing behind."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credence.access import tokens
from credence.access.principal import PURPOSES, Role
from credence.server import create_app
from credence.store.models import AccessRead, LogEntry

from .access_support import csrf_of, sign_in
from helpers import USCC_A, USCC_B

RECORDS = f"/api/v1/organisations/{USCC_A}/records"
SHARED = "SI-1"  # A's social-insurance arrears: shared with public bodies
PUBLIC = "XZCF-2026-0001"  # A's administrative penalty: public


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {r["source_record_id"] for r in response.json()["items"]}


def reads_and_log(engine) -> tuple[int, int, int]:
    """Kept reads, log entries, and access.read log entries."""
    with engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(AccessRead)).scalar_one()
        logged = conn.execute(select(func.count()).select_from(LogEntry)).scalar_one()
        read = conn.execute(
            select(func.count()).select_from(LogEntry).where(LogEntry.kind == "access.read")
        ).scalar_one()
    return kept, logged, read


def test_anyone_sees_the_public_records_and_nothing_is_logged(secured: TestClient, engine) -> None:
    before = reads_and_log(engine)
    found = secured.get(RECORDS)
    assert ids(found) == {PUBLIC}
    assert found.json()["items"][0]["publicity"] == "public"
    assert reads_and_log(engine) == before


def test_a_department_reads_shared_records_for_a_purpose_and_the_read_is_logged(
    secured: TestClient, credentials, engine
) -> None:
    samr = credentials[Role.DEPARTMENT].bearer
    before = reads_and_log(engine)
    assert ids(secured.get(RECORDS, headers=samr)) == {PUBLIC}  # no purpose: the public view, no entry
    assert reads_and_log(engine) == before
    found = secured.get(RECORDS, params={"purpose": "licensing_review"}, headers=samr)
    assert ids(found) == {PUBLIC, SHARED}
    assert {r["source_record_id"]: r["publicity"] for r in found.json()["items"]}[SHARED] == "shared"
    kept, logged, read = reads_and_log(engine)
    assert (kept, logged, read) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with engine.connect() as conn:
        row = conn.execute(select(AccessRead)).one()
    assert (row.role, row.department, row.purpose) == ("department", "SAMR", "licensing_review")
    assert "SAMR" in row.actor and "department system" in row.actor  # the token's name
    assert "records of uscc:" in row.what and "public and shared" in row.what


def test_an_unknown_purpose_is_refused_naming_it_and_the_allowed_ones(
    secured: TestClient, credentials, engine
) -> None:
    before = reads_and_log(engine)
    for headers in ({}, credentials[Role.DEPARTMENT].bearer):
        refused = secured.get(RECORDS, params={"purpose": "curiosity"}, headers=headers)
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "unknown_purpose"
        assert "'curiosity'" in error["message"] and all(p in error["message"] for p in PURPOSES)
    assert reads_and_log(engine) == before


def test_only_a_department_reads_for_a_purpose(secured: TestClient, credentials, engine) -> None:
    before = reads_and_log(engine)
    anonymous = secured.get(RECORDS, params={"purpose": "enforcement"})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["message"].startswith("purpose:")
    for role in (Role.OPERATOR, Role.AUDITOR):
        refused = secured.get(RECORDS, params={"purpose": "audit"}, headers=credentials[role].bearer)
        assert refused.status_code == 403 and "only a department" in refused.json()["error"]["message"]
    assert reads_and_log(engine) == before


def test_the_organisation_sees_all_its_records_without_a_purpose_or_a_log_entry(
    secured: TestClient, credentials, engine
) -> None:
    before = reads_and_log(engine)
    own = credentials[Role.ORGANISATION].bearer
    assert ids(secured.get(RECORDS, headers=own)) == {PUBLIC, SHARED}
    assert ids(secured.get(RECORDS, params={"purpose": "audit"}, headers=own)) == {PUBLIC, SHARED}
    other = secured.get(f"/api/v1/organisations/{USCC_B}/records", headers=own)
    assert "SI-1" not in ids(other)  # another organisation's file: the public view
    assert reads_and_log(engine) == before


def test_the_organisation_and_the_auditor_see_who_read_and_why(
    secured: TestClient, credentials, engine, clock
) -> None:
    secured.get(RECORDS, params={"purpose": "procurement_check"}, headers=credentials[Role.DEPARTMENT].bearer)
    own = secured.get(f"/api/v1/organisations/{USCC_A}/reads", headers=credentials[Role.ORGANISATION].bearer)
    assert own.status_code == 200 and own.json()["total"] == 1
    (read,) = own.json()["items"]
    assert read["purpose"] == "procurement_check" and read["purpose_title"] == PURPOSES["procurement_check"]
    assert read["organisation"] == USCC_A and read["department"] == "SAMR"
    with engine.begin() as conn:
        _, b_token = tokens.create_token(
            conn, name="B", role=Role.ORGANISATION, organisation_code=USCC_B, days=1, now=clock.now()
        )
    snooping = secured.get(
        f"/api/v1/organisations/{USCC_A}/reads", headers={"Authorization": f"Bearer {b_token}"}
    )
    assert snooping.status_code == 403 and snooping.json()["error"]["message"].startswith("code:")
    every = secured.get("/api/v1/access/reads", headers=credentials[Role.AUDITOR].bearer).json()
    assert [r["organisation"] for r in every["items"]] == [USCC_A]


def test_on_the_web_a_department_chooses_a_purpose_and_the_organisation_sees_the_read(
    secured: TestClient, credentials, engine
) -> None:
    profile = f"/organisations/{USCC_A}"
    assert "purpose-form" not in secured.get(profile).text  # anonymous: no form, no shared records
    samr = {"cookie": f"credence_session={sign_in(secured, credentials[Role.DEPARTMENT].username)}"}
    page = secured.get(profile, headers=samr)
    assert 'id="purpose-form"' in page.text and "Social-insurance arrears" not in page.text
    before = reads_and_log(engine)
    forged = secured.post(
        f"{profile}/shared", data={"csrf": "x" * 43, "purpose": "enforcement"}, headers=samr
    )
    assert forged.status_code == 403 and "CSRF" in forged.text
    unknown = secured.post(
        f"{profile}/shared", data={"csrf": csrf_of(page), "purpose": "curiosity"}, headers=samr
    )
    assert (
        unknown.status_code == 422
        and "this is not a purpose" in unknown.text
        and "curiosity" not in unknown.text
    )
    assert reads_and_log(engine) == before
    read = secured.post(
        f"{profile}/shared", data={"csrf": csrf_of(page), "purpose": "enforcement"}, headers=samr
    )
    assert read.status_code == 200 and 'id="purpose-read"' in read.text
    assert "Social-insurance arrears" in read.text and "shared with public bodies" in read.text
    assert reads_and_log(engine)[0] == before[0] + 1
    # The organisation sees it on its own page.
    own = {"cookie": f"credence_session={sign_in(secured, credentials[Role.ORGANISATION].username)}"}
    me = secured.get("/me", headers=own)
    found = re.search(r'<table id="reads">.*?</table>', me.text, re.S)
    assert found and "SAMR (account department.user)" in found.group(0)
    assert PURPOSES["enforcement"] in found.group(0) and "profile page of uscc:" in found.group(0)


def test_in_demo_mode_the_demo_department_reads_for_a_purpose(api_settings, clock, populated, engine) -> None:
    with TestClient(create_app(api_settings, clock), client=("127.0.0.1", 50000)) as client:
        form = client.get("/sign-in")
        client.post("/sign-in", data={"csrf": csrf_of(form), "kind": "department", "department": "MOHRSS"})
        page = client.get(f"/organisations/{USCC_A}")
        read = client.post(
            f"/organisations/{USCC_A}/shared", data={"csrf": csrf_of(page), "purpose": "supervision"}
        )
        assert read.status_code == 200 and "Social-insurance arrears" in read.text
    with engine.connect() as conn:
        row = conn.execute(select(AccessRead)).one()
    assert (row.actor, row.purpose) == ("MOHRSS (demo sign-in)", "supervision")
