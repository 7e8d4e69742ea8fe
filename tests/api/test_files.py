"""An organisation's published file holds the records of every subject links joined to it: its profile
says who they are ("also listed as", with the basis of each link), its records and grade count them, and a
split takes them out again."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from credence.settings import Settings
from credence.store.models import Organisation
from credence.subjects.service import LinkService

from helpers import USCC_A, listing, notice_all, write_csv

WB_ROW = listing("WB-1", "Beijing Example Food Co., Ltd.", "CN")


@pytest.fixture
def settings(store_url: str) -> Settings:
    # Rated under policy 2026.1, which counts a development bank's debarment: since 2026.2 no record
    # without an identifier counts in a grade (a decision abroad has effect only in its own domain), and
    # these tests hold that a join brings a listing's records into the file's rating and a split takes
    # them out.
    return Settings(database_url=store_url, ingest_chunk_rows=50, rating_policy="2026.1")


def test_a_clerks_join_brings_a_listing_into_the_profile_and_a_split_takes_it_out(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    service.ingest_file(write_csv(tmp_path / "wb.csv", [WB_ROW]), "WB")
    notice_all(engine, service)
    before = client.get(f"/api/v1/organisations/{USCC_A}").json()
    records_before = client.get(f"/api/v1/organisations/{USCC_A}/records").json()
    assert before["also_listed_as"] == []
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Organisation.key, Organisation.id)).all())
    listing = next(k for k in ids if k.startswith("unresolved:"))
    links = LinkService(engine, clock, auto=0.99, review=0.5)
    links.judge(
        ids[f"uscc:{USCC_A}"], ids[listing], "same", "SAMR", "SAMR clerk Li", "the notice gives this USCC"
    )
    from credence.rating.policy import load_policy
    from credence.rating.service import RatingService

    policy = load_policy(service.catalog, service.settings.rating_policy)
    RatingService(engine, service.catalog, policy, clock, service.settings).rate()
    after = client.get(f"/api/v1/organisations/{USCC_A}").json()
    (also,) = after["also_listed_as"]
    assert also["key"] == listing and also["name"] == "Beijing Example Food Co., Ltd."
    assert also["sources"] == ["WB"] and also["country"] == "CN"
    assert [(link["basis"], link["actor"]) for link in also["links"]] == [("clerk", "SAMR clerk Li")]
    assert after["score"] < before["score"]
    records = client.get(f"/api/v1/organisations/{USCC_A}/records").json()
    assert records["total"] == records_before["total"] + 1
    assert "WB-1" in [r["source_record_id"] for r in records["items"]]
    page = client.get(f"/organisations/{USCC_A}").text
    assert "Also listed as" in page and listing in page
    links.judge(ids[f"uscc:{USCC_A}"], ids[listing], "not_same", "SAMR", "SAMR clerk Li", "another firm")
    RatingService(engine, service.catalog, policy, clock, service.settings).rate()
    split = client.get(f"/api/v1/organisations/{USCC_A}").json()
    assert split["also_listed_as"] == [] and split["score"] == before["score"]
    assert client.get(f"/api/v1/organisations/{USCC_A}/records").json() == records_before
