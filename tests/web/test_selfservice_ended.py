"""An ended record offers no action on the organisation's own pages: after a correction ended it (its
publication period is over), or once it is withdrawn, its page says why in words and shows no form to
object or to repair, and a form posted all the same is refused with the store unchanged."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from credence.store.models import Base

from helpers import USCC_A

RECORD = "/me/records/SAMR/XZCF-2026-0001"
TABLES = ("records", "record_versions", "record_events", "objections", "repairs", "notices", "ratings")


def token(page: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, **fields: str) -> Any:
    return client.post("/sign-in", data={"csrf": token(client.get("/sign-in")), **fields})


def post(client: TestClient, url: str, page: str, **fields: str) -> Any:
    return client.post(url, data={"csrf": token(client.get(page)), **fields})


def snapshot(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(t.select())]
            for t in Base.metadata.sorted_tables
            if t.name in TABLES
        }


def state_of(page: Any, record: str) -> str:
    found = re.search(
        rf'<tr data-record="{re.escape(record)}">.*?<td class="state">([^<]*)</td>', page.text, re.S
    )
    assert found, f"{record} is not in the own file"
    return found.group(1)


def correct_to_minor(client: TestClient) -> None:
    """The organisation objects; SAMR answers 'corrected': the violation was minor, and a minor record's
    publication period is none, so the correction ends it."""
    sign_in(client, kind="organisation", organisation=USCC_A)
    filed = post(client, f"{RECORD}/objection", RECORD, ground="content", statement="It was minor.")
    assert filed.status_code == 200 and "Objection 1 filed" in filed.text
    sign_in(client, kind="department", department="SAMR")
    answered = post(
        client,
        "/inbox/objections/1/answer",
        "/inbox/objections/1",
        outcome="corrected",
        reason="A first, minor violation.",
        severity="minor",
    )
    assert answered.status_code == 200 and "Objection 1 answered: corrected" in answered.text
    sign_in(client, kind="organisation", organisation=USCC_A)


def test_a_record_a_correction_ended_offers_no_objection_nor_repair(client: TestClient, engine) -> None:
    correct_to_minor(client)
    own = client.get("/me")
    assert state_of(own, "SAMR/XZCF-2026-0001") == "ended"
    page = client.get(RECORD)
    assert page.status_code == 200 and 'id="state">ended<' in page.text
    assert 'id="object"' not in page.text and 'id="repair"' not in page.text  # no form offered
    assert 'action="/me/records/SAMR/XZCF-2026-0001/objection"' not in page.text
    assert 'id="ended"' in page.text and "its publication period ended on 1 Jun 2026" in page.text
    assert "counts in no grade" in page.text and "nothing to object to or to repair" in page.text

    before = snapshot(engine)
    objected = post(client, f"{RECORD}/objection", RECORD, ground="content", statement="Again.")
    assert objected.status_code == 409 and "Nothing was changed." in objected.text
    assert "The record has ended" in objected.text and "nothing to object to" in objected.text
    repaired = post(client, f"{RECORD}/repair", RECORD, evidence="fine paid", commitment="we comply")
    assert repaired.status_code == 409 and "nothing to repair" in repaired.text
    assert snapshot(engine) == before

    chinese = client.get(RECORD, headers={"Accept-Language": "zh-CN"})
    assert 'id="state">已结束<' in chinese.text and 'id="object"' not in chinese.text
    assert "2026年6月1日" in chinese.text
    refused = client.post(
        f"{RECORD}/objection",
        data={"csrf": token(chinese), "ground": "content", "statement": "再次"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 409 and "该记录已结束" in refused.text and "未作任何更改" in refused.text
    assert snapshot(engine) == before


def test_a_withdrawn_record_says_why_it_offers_nothing(client: TestClient, engine) -> None:
    sign_in(client, kind="organisation", organisation=USCC_A)
    post(client, f"{RECORD}/objection", RECORD, ground="content", statement="Not us at all.")
    sign_in(client, kind="department", department="SAMR")
    withdrawn = post(
        client, "/inbox/objections/1/answer", "/inbox/objections/1", outcome="withdrawn", reason="Our error."
    )
    assert withdrawn.status_code == 200
    sign_in(client, kind="organisation", organisation=USCC_A)
    page = client.get(RECORD)
    assert 'id="state">withdrawn<' in page.text and 'id="object"' not in page.text
    assert 'id="repair"' not in page.text and "The record has ended: it was withdrawn" in page.text
    before = snapshot(engine)
    again = post(client, f"{RECORD}/repair", RECORD, evidence="paid", commitment="we comply")
    assert again.status_code == 409 and "nothing to repair" in again.text
    assert snapshot(engine) == before
