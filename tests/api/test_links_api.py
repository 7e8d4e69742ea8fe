"""The review queue's API: the pairs the model could not settle, side by side with the weight of each
comparison; a clerk's judgement joins the files and rates them; refusals are named and change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from credence.settings import Settings
from credence.store.models import Notice, Organisation
from credence.subjects.service import LinkService

from helpers import USCC_A, USCC_B, assert_error, counts, notice_all, write_csv
from helpers import listing as debarment

NAME = "北京某某食品有限公司"  # organisation A's name, as a bank lists it without its code


@pytest.fixture
def settings(store_url: str) -> Settings:
    # Rated under policy 2026.1, which counts a development bank's debarment: since 2026.2 no record
    # without an identifier counts in a grade (a decision abroad has effect only in its own domain), and
    # these tests hold that a join brings a listing's records into the file's rating and a split takes
    # them out.
    return Settings(database_url=store_url, ingest_chunk_rows=50, rating_policy="2026.1")


def listed(service, engine, clock, tmp_path: Path) -> None:
    wb = debarment("WB-1", NAME, "CN")
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
        "/api/v1/links",
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
    assert_error(client.post("/api/v1/links", json=body), 422, "two_identified", "are two organisations")
    missing = {**body, "right": "unresolved:nope"}
    assert_error(
        client.post("/api/v1/links", json=missing),
        404,
        "not_found",
        "right: no subject by this key",
    )
    assert_error(client.get("/api/v1/links/99"), 404, "not_found", "no link 99")
    assert counts(engine) == before


ORG = f"organisation:{USCC_A}"


def joined(client: TestClient, service, engine, clock, tmp_path: Path) -> str:
    """Organisation A's file joined by SAMR's clerk to the bank's listing of its name; the listing's key."""
    listed(service, engine, clock, tmp_path)
    (pair,) = [
        p
        for p in client.get("/api/v1/links/queue").json()["items"]
        if f"uscc:{USCC_A}" in (p["left"]["key"], p["right"]["key"])
    ]
    listing = pair["left"]["key"] if pair["right"]["key"] == f"uscc:{USCC_A}" else pair["right"]["key"]
    body = {"department": "SAMR", "left": USCC_A, "right": listing, "judgement": "same"}
    made = client.post("/api/v1/links", json={**body, "actor": "SAMR clerk Li", "reason": "Same."})
    assert made.status_code == 201, made.text
    return listing


def test_not_us_is_the_usual_objection_answered_by_the_linking_department(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    before = client.get(f"/api/v1/organisations/{USCC_A}").json()
    joined(client, service, engine, clock, tmp_path)
    own = {"department": "SAMR", "source_record_id": "XZCF-2026-0001", "ground": "not_us", "filed_by": ORG}
    refused = client.post("/api/v1/objections", json={**own, "statement": "Not ours."})
    assert_error(refused, 409, "not_allowed", "is listed under your own identifier: object to its content")
    objection = {"department": "WB", "source_record_id": "WB-1", "ground": "not_us", "filed_by": ORG}
    filed = client.post("/api/v1/objections", json={**objection, "statement": "We were never debarred."})
    assert filed.status_code == 201, filed.text
    assert filed.json()["department"] == "SAMR"  # whose clerk made the link, not the bank
    inbox = client.get("/api/v1/departments/SAMR/inbox").json()
    assert ("objection", filed.json()["id"]) in [(i["kind"], i["id"]) for i in inbox["items"]]
    answer = {"department": "SAMR", "actor": "SAMR reviewer", "reason": "Another firm of that name."}
    wrong = client.post(
        f"/api/v1/objections/{filed.json()['id']}/answer", json={**answer, "outcome": "withdrawn"}
    )
    assert_error(wrong, 409, "not_allowed", "answer corrected (the link is split) or upheld")
    done = client.post(
        f"/api/v1/objections/{filed.json()['id']}/answer", json={**answer, "outcome": "corrected"}
    )
    assert done.status_code == 200 and done.json()["state"] == "corrected", done.text
    after = client.get(f"/api/v1/organisations/{USCC_A}").json()
    assert after["also_listed_as"] == [] and after["score"] == before["score"]
    assert client.get("/api/v1/records/WB/WB-1").status_code == 200  # the bank's listing stays, as it was
    with engine.connect() as conn:
        told = conn.execute(select(Notice.message).where(Notice.kind == "objection")).scalars().all()
    assert any("no longer count in your file" in m for m in told), told


def test_an_unanswered_not_us_objection_splits_the_link(
    client: TestClient, service, engine, clock, tmp_path: Path, process
) -> None:
    from datetime import timedelta

    listing = joined(client, service, engine, clock, tmp_path)
    objection = {"department": "WB", "source_record_id": "WB-1", "ground": "not_us", "filed_by": ORG}
    assert client.post("/api/v1/objections", json={**objection, "statement": "Not us."}).status_code == 201
    clock.advance(timedelta(days=45))
    process.tick()
    profile = client.get(f"/api/v1/organisations/{USCC_A}").json()
    assert profile["also_listed_as"] == [], profile["also_listed_as"]
    assert client.get("/api/v1/records/WB/WB-1").status_code == 200
    assert listing.startswith("unresolved:")


def test_the_organisation_sees_the_linked_listing_in_its_own_file_and_objects_not_us_on_the_page(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    import re

    def post(url: str, page: str, **fields: str) -> Any:
        """A form sent as a browser sends it, with the CSRF token of a page just served."""
        found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
        assert found, f"no form on {page}"
        return client.post(url, data={"csrf": found.group(1), **fields})

    joined(client, service, engine, clock, tmp_path)
    post("/sign-in", "/sign-in", kind="organisation", organisation=USCC_A)
    me = client.get("/me").text
    assert 'data-record="WB/WB-1"' in me and f"listed as {NAME}, joined to your file by a clerk" in me
    page = client.get("/me/records/WB/WB-1")
    assert page.status_code == 200 and 'id="linked"' in page.text
    assert 'value="not_us" checked' in page.text and 'value="content"' not in page.text
    assert 'id="repair"' not in page.text  # a listing that is not about it is not its to repair
    filed = post("/me/records/WB/WB-1/objection", "/me/records/WB/WB-1", ground="not_us", statement="Not us.")
    assert filed.status_code == 200 and "SAMR must answer by" in filed.text, filed.text[-800:]


def test_nothing_about_a_listing_is_shown_before_its_notice_and_a_clerks_reason_is_screened(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    """A listing whose record still awaits its notice may be joined to a file (it is the clerk's to
    judge), but the profile names nothing of it until the record is published; the link's log entry is not
    public; a clerk's reason goes to the organisation and the profile, so it is screened as a record's
    text is, and a refusal stores nothing but its logged refusal."""
    from credence.records.service import IngestService  # noqa: F401  (the service screens the reason)
    from credence.store.models import LogEntry, SubjectLink

    wb = debarment("WB-2", NAME, "CN")
    service.ingest_file(write_csv(tmp_path / "wb.csv", [wb]), "WB")  # no notice delivered
    with engine.connect() as conn:
        listing = conn.execute(
            select(Organisation.key).where(Organisation.scheme == "unresolved")
        ).scalar_one()
    body = {
        "department": "SAMR",
        "left": USCC_A,
        "right": listing,
        "judgement": "same",
        "actor": "SAMR clerk",
    }
    refused = client.post(
        "/api/v1/links", json={**body, "reason": "The manager is a Communist Party member."}
    )
    assert_error(refused, 422, "rejected", "reason")
    with engine.connect() as conn:
        assert conn.execute(select(SubjectLink)).first() is None
    made = client.post("/api/v1/links", json={**body, "reason": "The bank's notice gives this USCC."})
    assert made.status_code == 201, made.text
    profile = client.get(f"/api/v1/organisations/{USCC_A}").json()
    assert profile["also_listed_as"] == []  # its only record awaits notice
    assert listing not in client.get(f"/organisations/{USCC_A}").text
    with engine.connect() as conn:
        public = conn.execute(select(LogEntry.public).where(LogEntry.kind == "link.judged")).scalars().all()
    assert public == [False]
    notice_all(engine, service)
    shown = client.get(f"/api/v1/organisations/{USCC_A}").json()["also_listed_as"]
    assert [(a["key"], a["sources"]) for a in shown] == [(listing, ["WB"])]


def test_a_pairs_history_and_the_judgements_made_to_find_a_mistake_and_reverse_it(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    """A pair answers with every judgement on it, oldest first (the model's, then each clerk's with its
    department and reason); GET /api/v1/links lists the judgements newest first, by who made them and by
    department, each saying whether it still holds; a clerk finds a mistaken join there and splits it."""
    from datetime import timedelta

    listing = joined(client, service, engine, clock, tmp_path)
    made = client.get("/api/v1/links", params={"judged_by": "clerk"}).json()
    assert made["total"] == 1 and made["page"] == 1
    (mine,) = made["items"]
    assert (mine["judgement"], mine["basis"], mine["actor"], mine["department"], mine["reason"]) == (
        "same",
        "clerk",
        "SAMR clerk Li",
        "SAMR",
        "Same.",
    )
    assert {mine["left"]["key"], mine["right"]["key"]} == {f"uscc:{USCC_A}", listing} and mine["holds"]
    pair = client.get(f"/api/v1/links/{mine['link']}").json()
    assert (pair["basis"], pair["actor"], pair["department"]) == ("clerk", "SAMR clerk Li", "SAMR")
    assert [(h["basis"], h["judgement"]) for h in pair["history"]][1:] == [("clerk", "same")]
    assert pair["history"][0]["basis"] == "model"  # unsure, or same: never alone with an identified file
    model = pair["history"][0]
    assert (
        model["probability"] >= 0.3 and model["actor"] == "the linkage model" and model["department"] is None
    )
    assert model["reason"].startswith("match probability") and pair["history"][-1]["link"] == mine["link"]
    assert set(pair["history"][0]) == {
        "link", "judgement", "basis", "probability", "actor", "department", "reason", "at"
    }  # fmt: skip
    # The model's judgement shows the same history (the queue's pair id leads to it too).
    assert client.get(f"/api/v1/links/{model['link']}").json()["history"] == pair["history"]
    clock.advance(timedelta(hours=1))
    split = client.post(
        "/api/v1/links",
        json={
            "department": "SAMR",
            "left": listing,
            "right": USCC_A,
            "judgement": "not_same",
            "actor": "SAMR clerk Wang",
            "reason": "Mistaken: the bank's firm is registered in another province.",
        },
    )
    assert split.status_code == 201, split.text
    assert client.get(f"/api/v1/organisations/{USCC_A}").json()["also_listed_as"] == []
    now = client.get("/api/v1/links", params={"judged_by": "clerk", "department": "SAMR"}).json()
    assert [(j["judgement"], j["holds"]) for j in now["items"]] == [("not_same", True), ("same", False)]
    history = client.get(f"/api/v1/links/{mine['link']}").json()["history"]
    assert [h["judgement"] for h in history][1:] == ["same", "not_same"]
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    assert (
        client.get("/api/v1/links", params={"judged_by": "clerk", "department": "MEE"}).json()["total"] == 0
    )
    everything = client.get("/api/v1/links", params={"per_page": 1, "page": 2}).json()
    assert everything["total"] == 3 and len(everything["items"]) == 1
    assert everything["items"][0]["link"] == mine["link"]
    models = client.get("/api/v1/links", params={"judged_by": "model"}).json()["items"]
    assert [m["basis"] for m in models] == ["model"]
    assert_error(client.get("/api/v1/links", params={"judged_by": "someone"}), 422, "invalid_request", "")


def test_a_judgement_shows_in_a_profile_at_once(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    """Found in use: the app kept each organisation's row, its file included, for as long as it ran, so
    after a clerk joined an LEI subject into organisation A's file its profile went on showing its own file
    until the server restarted. The same app, across the judgements: joined at once, and split at once."""
    from helpers import LEI_A, row

    penalty = row("LEI-1", subject_id=LEI_A, subject_name="Example Holdings Ltd.", decided_on="2026-05-01")
    service.ingest_file(write_csv(tmp_path / "lei.csv", [penalty]), "SAMR")
    notice_all(engine, service)
    lei = f"lei:{LEI_A}"

    def profile() -> tuple[str, list[str]]:
        found = client.get(f"/api/v1/organisations/{LEI_A}")
        assert found.status_code == 200, found.text
        records = client.get(f"/api/v1/organisations/{lei}/records").json()["items"]
        return found.json()["key"], sorted(r["source_record_id"] for r in records)

    assert profile() == (lei, ["LEI-1"])  # read once: the app has its row
    body = {
        "department": "SAMR",
        "left": f"uscc:{USCC_A}",
        "right": lei,
        "actor": "SAMR clerk Li",
        "reason": "The LEI record names the USCC.",
    }
    joined = client.post("/api/v1/links", json={**body, "judgement": "same"})
    assert joined.status_code == 201, joined.text
    assert profile() == (f"uscc:{USCC_A}", ["LEI-1", "XZCF-2026-0001"])
    assert (
        client.get(f"/api/v1/organisations/{LEI_A}").json()
        == client.get(f"/api/v1/organisations/{USCC_A}").json()
    )
    split = client.post("/api/v1/links", json={**body, "judgement": "not_same"})
    assert split.status_code == 201, split.text
    assert profile() == (lei, ["LEI-1"])


def test_a_profile_shows_the_judgement_that_joins_now_after_a_join_a_split_and_a_join(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    """Found in use: a profile was kept by its file's records and the sum of the subjects joined into it,
    which a join, a split and a join again give twice over; the second join showed the first's clerk and
    reason under "also listed as". The judgement shown is the one that joins the subject now."""
    from helpers import LEI_A, row

    penalty = row("LEI-1", subject_id=LEI_A, subject_name="Example Holdings Ltd.", decided_on="2026-05-01")
    service.ingest_file(write_csv(tmp_path / "lei.csv", [penalty]), "SAMR")
    notice_all(engine, service)
    body = {"department": "SAMR", "left": f"uscc:{USCC_A}", "right": f"lei:{LEI_A}"}

    def judge(judgement: str, actor: str, reason: str) -> None:
        made = client.post(
            "/api/v1/links", json={**body, "judgement": judgement, "actor": actor, "reason": reason}
        )
        assert made.status_code == 201, made.text

    def joined_by() -> list[tuple[str, str]]:
        profile = client.get(f"/api/v1/organisations/{USCC_A}").json()
        return [
            (link["actor"], link["reason"]) for also in profile["also_listed_as"] for link in also["links"]
        ]

    judge("same", "SAMR clerk Li", "The LEI record names the USCC.")
    assert joined_by() == [("SAMR clerk Li", "The LEI record names the USCC.")]
    judge("not_same", "SAMR clerk Wang", "Another company of the same name.")
    assert joined_by() == []
    judge("same", "SAMR clerk Zhao", "The register confirms it after all.")
    assert joined_by() == [("SAMR clerk Zhao", "The register confirms it after all.")]
