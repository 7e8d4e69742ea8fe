"""The review pages keep every judgement: a pair's history (/review/{link}), the clerks' latest judgements
on /review, from which a mistaken join is found and split; none of it for anyone but a department."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from test_selfservice import post, sign_in_department, sign_in_organisation, sign_out

from credence.subjects.service import LinkService

from helpers import USCC_A, listing, notice_all, write_csv

NAME = "北京某某食品有限公司"
REASON = "The notice of the bank gives this USCC."


def rows(page: str, table: str) -> list[str]:
    found = re.search(rf'<table id="{table}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert found, f"no table #{table}"
    return re.findall(r"<tr data-link=.*?</tr>", found.group(1), re.S)


def test_a_clerk_finds_a_mistaken_join_in_the_recent_judgements_and_splits_it_from_its_history(
    client: TestClient, service, engine, clock, tmp_path: Path
) -> None:
    wb = listing("WB-1", NAME, "CN")
    service.ingest_file(write_csv(tmp_path / "wb.csv", [wb]), "WB")
    notice_all(engine, service)
    LinkService(engine, clock, auto=0.99, review=0.3).resolve()
    sign_in_department(client, "SAMR")
    queue = client.get("/review").text
    assert 'id="judged">No clerk has judged a pair yet.' in queue
    (waiting,) = [r for r in rows(queue, "queue") if f"uscc:{USCC_A}" in r]
    model_link = re.search(r'data-link="(\d+)"', waiting).group(1)
    pair = client.get(f"/review/{model_link}").text
    (model,) = rows(pair, "history")
    assert "the linkage model" in model and "(holds)" in model and 'id="waterfall"' in pair
    judged = post(client, f"/review/{model_link}", f"/review/{model_link}", judgement="same", reason=REASON)
    assert judged.status_code == 200 and f"/organisations/{USCC_A}" in str(judged.url)

    clock.advance(timedelta(hours=2))
    recent = rows(client.get("/review").text, "judged")
    assert len(recent) == 1 and "(SAMR)" in recent[0]
    assert "Same organisation" in recent[0] and "since judged again" not in recent[0]
    clerk_link = re.search(r'href="/review/(\d+)"', recent[0]).group(1)
    assert clerk_link != model_link
    pair = client.get(f"/review/{clerk_link}").text
    history = rows(pair, "history")
    assert [("the linkage model" in h, REASON in h, "(holds)" in h) for h in history] == [
        (True, False, False),
        (False, True, True),
    ]
    assert f'href="/review/{model_link}"' in history[0]  # the model's judgement, with its weights
    assert 'id="waterfall"' not in pair  # a clerk's judgement has no model weights of its own
    split = post(
        client, f"/review/{clerk_link}", f"/review/{clerk_link}", judgement="not_same", reason="Mistaken."
    )
    assert split.status_code == 200 and str(split.url).endswith("/review"), split.url
    recent = rows(split.text, "judged")
    assert ["Not the same" in r for r in recent] == [True, False]
    assert "since judged again" in recent[1] and "since judged again" not in recent[0]
    history = rows(client.get(f"/review/{clerk_link}").text, "history")
    assert ["(holds)" in h for h in history] == [False, False, True] and "Mistaken." in history[2]

    # None of it for an organisation, nor for anyone signed out: only a department's clerks.
    sign_out(client)
    for url in ("/review", f"/review/{clerk_link}"):
        page = client.get(url)
        assert REASON not in page.text and "Mistaken." not in page.text and 'id="history"' not in page.text
    sign_in_organisation(client, USCC_A)
    for url in ("/review", f"/review/{clerk_link}"):
        page = client.get(url)
        assert page.status_code == 403 and REASON not in page.text and 'id="history"' not in page.text
