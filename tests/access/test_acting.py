"""With real credentials, who acts comes from the principal: an organisation files only for itself, a
department submits and decides only as itself; a body that names someone else is 403 naming the field,
and the store is unchanged. Steps that agree go through and record the credential they came with."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from credence.access.principal import Role
from credence.store.models import Base, Notice, Objection

from helpers import USCC_A, USCC_B, row

ORG = f"organisation:{USCC_A}"
TABLES = ("records", "record_versions", "objections", "repairs", "list_entries", "commitments", "notices")


def snapshot(engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(t.select())]
            for t in Base.metadata.sorted_tables
            if t.name in TABLES
        }


def refused(response: Any, field: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "not_yours" and error["message"].startswith(f"{field}:"), error


def objection(filed_by: str) -> dict[str, str]:
    return {
        "department": "SAMR",
        "source_record_id": "XZCF-2026-0001",
        "ground": "content",
        "statement": "Not so.",
        "filed_by": filed_by,
    }


def test_a_body_naming_someone_else_is_refused_naming_the_field(
    secured: TestClient, credentials, engine
) -> None:
    org, samr = credentials[Role.ORGANISATION].bearer, credentials[Role.DEPARTMENT].bearer
    before = snapshot(engine)
    refused(
        secured.post("/api/v1/objections", json=objection(f"organisation:{USCC_B}"), headers=org), "filed_by"
    )
    refused(secured.post("/api/v1/objections", json=objection("department:MOHRSS"), headers=samr), "filed_by")
    refused(
        secured.post("/api/v1/records", params={"department": "MOHRSS"}, json=[row(91)], headers=samr),
        "department",
    )
    refused(secured.get("/api/v1/outbox", params={"department": "MOHRSS"}, headers=samr), "department")
    refused(secured.get("/api/v1/departments/MOHRSS/inbox", headers=samr), "department")
    refused(secured.get(f"/api/v1/organisations/{USCC_B}/inbox", headers=org), "code")
    refused(secured.get(f"/api/v1/organisations/{USCC_B}/commitments", headers=org), "code")
    answer = {"department": "MOHRSS", "outcome": "upheld", "actor": "MOHRSS clerk", "reason": "r"}
    refused(secured.post("/api/v1/objections/1/answer", json=answer, headers=samr), "department")
    answer = {"department": "SAMR", "outcome": "upheld", "actor": "MOHRSS clerk", "reason": "r"}
    refused(secured.post("/api/v1/objections/1/answer", json=answer, headers=samr), "actor")
    commitment = {
        "organisation": USCC_B,
        "template": "licence_conditions",
        "department": "SAMR",
        "made_by": f"organisation:{USCC_B}",
    }
    refused(secured.post("/api/v1/commitments", json=commitment, headers=org), "made_by")
    with engine.connect() as conn:
        mohrss = conn.execute(select(Notice.id).where(Notice.department == "MOHRSS")).scalars().first()
    delivery = {"actor": "SAMR", "channel": "post"}
    refused(secured.post(f"/api/v1/notices/{mohrss}/delivery", json=delivery, headers=samr), "notice")
    assert snapshot(engine) == before


def test_steps_that_agree_go_through_and_record_the_credential(
    secured: TestClient, credentials, engine
) -> None:
    org, samr = credentials[Role.ORGANISATION].bearer, credentials[Role.DEPARTMENT].bearer
    filed = secured.post("/api/v1/objections", json=objection(ORG), headers=org)
    assert filed.status_code == 201 and filed.json()["filed_by"] == ORG
    answer = {"department": "SAMR", "outcome": "upheld", "actor": "SAMR clerk Li", "reason": "Checked."}
    answered = secured.post(f"/api/v1/objections/{filed.json()['id']}/answer", json=answer, headers=samr)
    assert answered.status_code == 200, answered.text
    with engine.connect() as conn:
        decided_by = conn.execute(select(Objection.decided_by)).scalar_one()
    assert decided_by == "SAMR clerk Li (token 'department system' (#2))"
    submitted = secured.post("/api/v1/records", params={"department": "SAMR"}, json=[row(92)], headers=samr)
    assert submitted.status_code == 200 and submitted.json()["accepted"] == 1
    # The catalog, not the token, decides the categories: SAMR cannot submit social-insurance arrears.
    arrears = row(93, category="social_insurance_arrears", severity=None)
    wrong = secured.post("/api/v1/records", params={"department": "SAMR"}, json=[arrears], headers=samr)
    assert wrong.status_code == 200 and wrong.json()["rejected"] == 1 and wrong.json()["accepted"] == 0
