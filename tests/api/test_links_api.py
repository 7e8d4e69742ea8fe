"""The review queue's API: the pairs the model could not settle, side by side with the weight of each
comparison; a clerk's judgement joins the files and rates them; refusals are named and change nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from credence.store.models import Notice
from credence.subjects.service import LinkService

from helpers import USCC_A, USCC_B, assert_error, counts, notice_all, row, write_csv

NAME = "北京某某食品有限公司"  # organisation A's name, as a bank lists it without its code


def listed(service, engine, clock, tmp_path: Path) -> None:
    wb = row(
        "WB-1",
        category="development_bank_debarment",
        severity=None,
        amount=None,
        currency=None,
        subject_id=None,
        subject_country="CN",
        subject_name=NAME,
        effective_until="2029-01-01",
        legal_basis="World Bank Sanctions Procedures, Section 9.01",
    )
    service.ingest_file(write_csv(tmp_path / "wb.csv", [wb]), "WB")
    notice_all(engine, service)
    LinkService(engine, clock, auto=0.99, review=0.3).resolve()


def test_queue_pair_and_judgement(client: TestClient, service, engine, clock, tmp_path: Path) -> None:
    listed(service, engine, clock, tmp_path)
    queue = client.get("/api/v1/links/queue").json()
    (pair,) = [p for p in queue["items"] if f"uscc:{USCC_A}" in (p["left"]["key"], p["right"]["key"])]
    assert queue["total"] >= 1 and pair["probability"] >= 0.3
    sides = {pair["left"]["key"]: pair["left"], pair["right"]["key"]: pair["right"]}
    listing = next(k for k in sides if k.startswith("unresolved:"))
    assert sides[listing]["sources"] == ["WB"] and sides[listing]["records"][0]["source_record_id"] == "WB-1"
    assert sides[f"uscc:{USCC_A}"]["sources"] == ["MOHRSS", "SAMR"]
    names = [c["name"] for c in pair["comparisons"]]
    assert "chinese" in names and "country" in names
    assert sum(c["weight"] for c in pair["comparisons"]) != 0
    assert client.get(f"/api/v1/links/{pair['link']}").json() == pair
    before = client.get(f"/api/v1/organisations/{USCC_A}").json()
    judged = client.post(
        "/api/v1/links/judgements",
        json={
            "department": "SAMR",
            "left": USCC_A,
            "right": listing,
            "judgement": "same",
            "actor": "SAMR clerk Li",
            "reason": "Same.",
        },
    )
    assert judged.status_code == 201, judged.text
    assert judged.json()["file"] == f"uscc:{USCC_A}" and judged.json()["subjects_whose_file_changed"] == 1
    after = client.get(f"/api/v1/organisations/{USCC_A}").json()
    assert [a["key"] for a in after["also_listed_as"]] == [listing]
    with engine.connect() as conn:  # the organisation is told, by the department whose clerk judged
        (told,) = conn.execute(select(Notice).where(Notice.kind == "link")).all()
    assert told.department == "SAMR" and told.record_id is None
    assert f"the records listed under «{NAME}» ({listing}) now count in it" in told.message
    assert "SAMR clerk Li" in told.message and "tell SAMR" in told.message
    assert after["score"] < before["score"]  # rated by the judgement
    assert all(
        f"uscc:{USCC_A}" not in (p["left"]["key"], p["right"]["key"])
        for p in client.get("/api/v1/links/queue").json()["items"]
    )


def test_refusals_are_named_and_change_nothing(client: TestClient, engine) -> None:
    before = counts(engine)
    body = {
        "department": "SAMR",
        "left": USCC_A,
        "right": USCC_B,
        "judgement": "same",
        "actor": "SAMR clerk",
        "reason": "Alike.",
    }
    assert_error(
        client.post("/api/v1/links/judgements", json=body), 422, "two_identified", "are two organisations"
    )
    missing = {**body, "right": "unresolved:nope"}
    assert_error(
        client.post("/api/v1/links/judgements", json=missing),
        404,
        "not_found",
        "no subject 'unresolved:nope'",
    )
    assert_error(client.get("/api/v1/links/99"), 404, "not_found", "no link 99")
    assert counts(engine) == before
