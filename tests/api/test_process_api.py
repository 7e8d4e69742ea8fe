"""The due-process routes: outbox and delivery, objections, repairs, inboxes; refusals are 4xx with the
one error shape and change nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_api import assert_error, assert_page

from credence.server import create_app

from helpers import USCC_A, USCC_B, row, write_csv

ORG = f"organisation:{USCC_A}"
RECORD = "/api/v1/records/SAMR/XZCF-2026-0001"


def test_outbox_delivery_publishes(client: TestClient, service, tmp_path) -> None:
    service.ingest_file(
        write_csv(tmp_path / "late.csv", [row(40, subject_id=USCC_B, severity="serious")]), "SAMR"
    )
    outbox = client.get("/api/v1/outbox", params={"department": "SAMR"}).json()
    assert_page(outbox)
    (notice,) = outbox["items"]
    assert notice["record"]["source_record_id"] == "XZCF-2026-0040" and notice["delivered_at"] is None
    assert client.get("/api/v1/records/SAMR/XZCF-2026-0040").status_code == 404
    delivered = client.post(
        f"/api/v1/notices/{notice['notice']}/delivery", json={"actor": "SAMR clerk", "channel": "in person"}
    )
    assert delivered.status_code == 200 and delivered.json()["delivery"] == "delivered"
    assert client.get("/api/v1/records/SAMR/XZCF-2026-0040").status_code == 200
    assert client.get("/api/v1/outbox", params={"after": notice["notice"]}).json()["items"] == []
    assert_error(
        client.post(f"/api/v1/notices/{notice['notice']}/delivery", json={"actor": "a", "channel": "b"}),
        409,
        "illegal_transition",
        "is 'delivered' and cannot be delivered",
    )
    inbox = client.get(f"/api/v1/organisations/{USCC_B}/inbox").json()
    assert inbox["items"][0]["notice"] == notice["notice"] and inbox["total"] == 3  # newest first


def test_object_answer_and_repair_through_the_api(client: TestClient) -> None:
    assert client.get(RECORD).json()["under_objection"] is False
    filed = client.post(
        "/api/v1/objections",
        json={
            "department": "SAMR",
            "source_record_id": "XZCF-2026-0001",
            "ground": "content",
            "statement": "The products were within their date.",
            "filed_by": ORG,
        },
    )
    assert filed.status_code == 201, filed.text
    objection = filed.json()
    assert (objection["state"], objection["due_on"]) == ("open", "2026-12-25")
    assert client.get(RECORD).json()["under_objection"] is True
    listed = client.get(f"/api/v1/organisations/{USCC_A}/records").json()["items"]
    assert [r["under_objection"] for r in listed if r["source_record_id"] == "XZCF-2026-0001"] == [True]
    inbox = client.get("/api/v1/departments/SAMR/inbox").json()
    assert [(i["kind"], i["id"], i["days_left"]) for i in inbox["items"]] == [
        ("objection", objection["id"], 30)
    ]
    bad = client.post(
        f"/api/v1/objections/{objection['id']}/answer",
        json={
            "department": "SAMR",
            "outcome": "corrected",
            "actor": "SAMR reviewer",
            "reason": "checked",
            "corrections": {"decided_on": "2026-13-01"},
        },
    )
    assert_error(bad, 422, "rejected", "decided_on")
    assert bad.json()["error"]["details"][0]["field"] == "decided_on"
    assert client.get(RECORD).json()["version"] == 1
    answered = client.post(
        f"/api/v1/objections/{objection['id']}/answer",
        json={
            "department": "SAMR",
            "outcome": "corrected",
            "actor": "SAMR reviewer",
            "reason": "date misread",
            "corrections": {"summary": "Labels corrected on inspection."},
        },
    )
    assert answered.status_code == 200 and answered.json()["state"] == "corrected"
    shown = client.get(RECORD).json()
    assert (shown["version"], shown["summary"], shown["under_objection"]) == (
        2,
        "Labels corrected on inspection.",
        False,
    )
    grade_before = client.get(f"/api/v1/organisations/{USCC_A}").json()["grade"]
    early = client.post(
        "/api/v1/repairs",
        json={
            "department": "SAMR",
            "source_record_id": "XZCF-2026-0001",
            "evidence": "fine paid",
            "commitment": "we comply",
            "applied_by": ORG,
        },
    )
    assert_error(early, 409, "not_allowed", "can be repaired from 2027-06-01")
    assert client.get(f"/api/v1/organisations/{USCC_A}/repairs").json()["items"] == []
    assert client.get(f"/api/v1/organisations/{USCC_A}").json()["grade"] == grade_before


def test_repair_approval_through_the_api(client: TestClient) -> None:
    applied = client.post(
        "/api/v1/repairs",
        json={
            "department": "MOHRSS",
            "source_record_id": "SI-1",
            "evidence": "arrears paid 2026-10-02",
            "commitment": "We pay contributions on time.",
            "applied_by": ORG,
        },
    )
    assert applied.status_code == 201, applied.text
    repair = applied.json()
    assert (repair["decide_by"], repair["complete_by"]) == ("2026-11-30", "2026-12-09")
    assert [i["kind"] for i in client.get("/api/v1/departments/MOHRSS/inbox").json()["items"]] == ["repair"]
    assert_error(
        client.post(
            f"/api/v1/repairs/{repair['id']}/decision",
            json={"department": "SAMR", "approve": True, "actor": "a", "reason": "b"},
        ),
        409,
        "not_allowed",
        "is for MOHRSS to decide",
    )
    decided = client.post(
        f"/api/v1/repairs/{repair['id']}/decision",
        json={"department": "MOHRSS", "approve": True, "actor": "MOHRSS office", "reason": "paid in full"},
    )
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    assert client.get("/api/v1/departments/MOHRSS/inbox").json()["items"] == []
    assert client.get(f"/api/v1/organisations/{USCC_A}/repairs").json()["items"][0]["state"] == "approved"


def test_due_process_routes_need_a_token_outside_demo_mode_and_from_elsewhere(
    settings, clock, populated
) -> None:
    with TestClient(create_app(settings, clock), client=("127.0.0.1", 5)) as closed:
        assert_error(closed.get("/api/v1/outbox"), 401, "unauthenticated", "needs a token")
        assert_error(
            closed.get(f"/api/v1/organisations/{USCC_A}/inbox"), 401, "unauthenticated", "needs a token"
        )
    demo = settings.model_copy(update={"demo_mode": True})
    with TestClient(create_app(demo, clock), client=("10.0.0.8", 5)) as remote:
        assert_error(remote.get("/api/v1/departments/SAMR/inbox"), 401, "unauthenticated", "needs a token")
        body = {
            "department": "SAMR",
            "source_record_id": "XZCF-2026-0001",
            "ground": "content",
            "statement": "x",
            "filed_by": ORG,
        }
        assert_error(remote.post("/api/v1/objections", json=body), 401, "unauthenticated", "needs a token")


def test_control_characters_are_refused_with_where(client: TestClient) -> None:
    body = {
        "department": "SAMR",
        "source_record_id": "XZCF\x01",
        "ground": "content",
        "statement": "x",
        "filed_by": ORG,
    }
    assert_error(
        client.post("/api/v1/objections", json=body),
        422,
        "invalid_request",
        "source_record_id contains a control character at character 5",
    )
    nul = client.post("/api/v1/objections", json={**body, "source_record_id": "XZCF\x00"})
    assert_error(
        nul, 400, "invalid_character", "the body, field source_record_id: a NUL character (U+0000) at 5"
    )
    assert client.get(f"/api/v1/organisations/{USCC_A}/objections").json()["items"] == []
