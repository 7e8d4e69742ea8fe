"""The log and the change feed through the API: checkpoints and the key, entries, proofs that verify against
the signed root, the feed's paging and what it hides, acknowledgements and the consumers page."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from credence.api.log import EntryOut
from credence.log import checkpoint, merkle, store
from credence.server import create_app
from credence.store.models import FeedConsumer, LogCheckpoint, Organisation

from helpers import USCC_A, USCC_B, assert_error

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def assert_refused(response: Any) -> None:
    """Refused to an anonymous caller outside demo mode (who may, is access control's to say)."""
    assert response.status_code in (401, 403), response.text
    assert set(response.json()) == {"error"} and response.json()["error"]["status"] == response.status_code


def organisation(engine: Engine, key: str, code: str | None, never_public: bool = False) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(Organisation)
                .values(
                    key=key,
                    scheme=key.split(":")[0],
                    code=code,
                    name=f"organisation {key}",
                    never_public=never_public,
                    created_at=AT,
                )
                .returning(Organisation.id)
            ).scalar_one()
        )


@pytest.fixture
def client(api_settings: Any, clock: Any) -> Iterator[TestClient]:
    """The API in demo mode, from 127.0.0.1, over an empty store: the log holds only what a test appends."""
    with TestClient(create_app(api_settings, clock), client=("127.0.0.1", 50000)) as c:
        yield c


@pytest.fixture
def logged(client: TestClient, engine: Engine) -> dict[str, int]:
    """Twelve entries: public ones about A, unpublished ones about B, one marked public about a sole
    proprietor (which must stay hidden all the same)."""
    a = organisation(engine, f"uscc:{USCC_A}", USCC_A)
    b = organisation(engine, f"uscc:{USCC_B}", USCC_B)
    hidden = organisation(engine, "unresolved:sole-proprietor", None, never_public=True)
    events = []
    for n in range(12):
        if n % 3 == 0:
            events.append(store.Event("record.submitted", f"record:{n}", {"secret": n}, b, public=False))
        elif n == 5:
            events.append(
                store.Event("record.published", f"record:{n}", {"person": "张三"}, hidden, public=True)
            )
        else:
            events.append(
                store.Event("record.published", f"record:{n}", {"record": n, "fine": "50000"}, a, True)
            )
    with engine.begin() as conn:
        store.append(conn, events[:7], AT)
    with engine.begin() as conn:
        store.append(conn, events[7:], AT)
    return {"a": a, "b": b, "hidden": hidden}


def consumers(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [(r.name, r.acked) for r in conn.execute(select(FeedConsumer).order_by(FeedConsumer.name))]


# --- Checkpoints and the key --------------------------------------------------------------------------


def test_the_latest_checkpoint_is_a_signed_note_under_the_published_key(
    client: TestClient, logged: dict[str, int], engine: Engine
) -> None:
    key = client.get("/api/v1/log/key")
    assert key.status_code == 200 and key.headers["content-type"].startswith("text/plain")
    # The first request finds no checkpoint yet and signs one of the log as it is.
    note = client.get("/api/v1/log/checkpoint")
    assert note.status_code == 200 and note.headers["content-type"].startswith("text/plain")
    signed = checkpoint.open_note(note.text, key.text, origin="credence.localhost/log")
    with engine.connect() as conn:
        assert (signed.size, signed.root) == (12, store.head(conn).root)
    assert client.get("/api/v1/log/checkpoint").text == note.text  # not signed again
    listed = client.get("/api/v1/log/checkpoints").json()
    assert listed["total"] == 1 and listed["items"][0]["note"] == note.text
    assert listed["items"][0]["root"] == signed.root.hex() and listed["items"][0]["size"] == 12


def test_signing_on_demand_is_for_the_operator(
    client: TestClient, logged: dict[str, int], api_settings: Any, clock: Any
) -> None:
    made = client.post("/api/v1/log/checkpoints")
    assert made.status_code == 200 and made.json()["id"] == 1 and made.json()["size"] == 12
    assert client.post("/api/v1/log/checkpoints").json()["id"] == 1  # the log has not grown
    assert client.post("/api/v1/log/checkpoints", params={"force": True}).json()["id"] == 2
    page = client.get("/api/v1/log/checkpoints", params={"page": 2, "per_page": 1}).json()
    assert page["total"] == 2 and [c["id"] for c in page["items"]] == [2]
    closed = api_settings.model_copy(update={"demo_mode": False})
    with TestClient(create_app(closed, clock), client=("127.0.0.1", 50000)) as outside:
        assert_refused(outside.post("/api/v1/log/checkpoints"))
        # Outside demo mode without CREDENCE_LOG_KEY_PATH there is no key to show.
        assert_error(outside.get("/api/v1/log/key"), 503, "no_log_key", "CREDENCE_LOG_KEY_PATH")
        # Checkpoints already signed are still served.
        assert outside.get("/api/v1/log/checkpoints").json()["total"] == 2


# --- Entries and proofs -------------------------------------------------------------------------------


def test_a_public_entry_shows_its_content_and_salt_which_give_its_commitment(
    client: TestClient, logged: dict[str, int]
) -> None:
    entry = client.get("/api/v1/log/entries/4").json()
    assert entry["public"] and entry["ref"] == "record:4" and entry["organisation"] == f"uscc:{USCC_A}"
    assert entry["content"] == '{"fine":"50000","record":4}' and entry["at"] == "2026-11-25T09:30:00.000000Z"
    salt, commitment = bytes.fromhex(entry["salt"]), bytes.fromhex(entry["commitment"])
    about = f"record:4\nuscc:{USCC_A}\n".encode()  # what it is about is committed too (leaf version 2)
    assert hashlib.sha256(salt + about + entry["content"].encode()).digest() == commitment
    at = datetime.strptime(entry["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert entry["leaf_version"] == 2
    assert store.entry_leaf_hash(4, entry["kind"], at, commitment, True).hex() == entry["leaf_hash"]


def test_an_entry_that_is_not_public_shows_nothing_of_what_it_is_about(
    client: TestClient, logged: dict[str, int]
) -> None:
    for index in (3, 5):  # unpublished; and about an organisation whose records are never public
        entry = client.get(f"/api/v1/log/entries/{index}").json()
        assert entry["public"] is False
        assert entry["ref"] is entry["organisation"] is entry["content"] is entry["salt"] is None
        assert set(entry) == set(EntryOut.model_fields)


def test_proofs_verify_against_the_signed_root(
    client: TestClient, logged: dict[str, int], engine: Engine
) -> None:
    first = client.post("/api/v1/log/checkpoints").json()
    with engine.begin() as conn:
        store.append(conn, [store.Event("rating.changed", "organisation:1", {"grade": "B"})] * 5, AT)
    second = client.post("/api/v1/log/checkpoints").json()
    key = client.get("/api/v1/log/key").text
    old = checkpoint.open_note(first["note"], key)
    new = checkpoint.open_note(second["note"], key)
    assert (old.size, new.size) == (12, 17)
    for signed in (old, new):
        for index in range(signed.size):
            leaf = bytes.fromhex(client.get(f"/api/v1/log/entries/{index}").json()["leaf_hash"])
            body = client.get(
                "/api/v1/log/proofs/inclusion", params={"index": index, "size": signed.size}
            ).json()
            proof = [bytes.fromhex(p) for p in body["proof"]]
            assert body["leaf_hash"] == leaf.hex() and body["root"] == signed.root.hex()
            assert merkle.verify_inclusion(leaf, index, signed.size, proof, signed.root)
            assert not merkle.verify_inclusion(leaf, index, signed.size, proof, bytes(32))
    body = client.get("/api/v1/log/proofs/consistency", params={"first": 12, "second": 17}).json()
    proof = [bytes.fromhex(p) for p in body["proof"]]
    assert (body["first_root"], body["second_root"]) == (old.root.hex(), new.root.hex())
    assert merkle.verify_consistency(12, 17, old.root, new.root, proof)
    for first_size in range(0, 18):
        body = client.get("/api/v1/log/proofs/consistency", params={"first": first_size, "second": 17}).json()
        proof = [bytes.fromhex(p) for p in body["proof"]]
        assert merkle.verify_consistency(first_size, 17, bytes.fromhex(body["first_root"]), new.root, proof)


def test_indices_and_sizes_out_of_range_are_named(client: TestClient, logged: dict[str, int]) -> None:
    assert_error(client.get("/api/v1/log/entries/12"), 404, "not_found", "index: the log has no entry 12")
    assert_error(client.get("/api/v1/log/entries/-1"), 422, "invalid_request", "path.index")
    assert_error(client.get(f"/api/v1/log/entries/{2**63}"), 422, "invalid_request", "path.index")
    inclusion = "/api/v1/log/proofs/inclusion"
    assert_error(
        client.get(inclusion, params={"index": 12, "size": 12}),
        422,
        "invalid_index",
        "index: 12 is not an entry of a tree of 12 entries",
    )
    assert_error(
        client.get(inclusion, params={"index": 0, "size": 13}),
        404,
        "not_found",
        "size: the log has no tree of 13 entries; it has 12 entries, 0 to 11",
    )
    assert_error(client.get(inclusion, params={"index": 0, "size": 0}), 422, "invalid_request", "query.size")
    assert_error(client.get(inclusion, params={"size": 3}), 422, "invalid_request", "query.index")
    consistency = "/api/v1/log/proofs/consistency"
    assert_error(
        client.get(consistency, params={"first": 5, "second": 4}), 422, "invalid_size", "first: 5 is larger"
    )
    assert_error(
        client.get(consistency, params={"first": 5, "second": 40}), 404, "not_found", "second: the log has no"
    )
    assert_error(
        client.get(consistency, params={"first": -1, "second": 4}), 422, "invalid_request", "query.first"
    )


# --- The change feed ----------------------------------------------------------------------------------


def test_the_feed_pages_in_log_order_and_resumes_from_its_cursor(
    client: TestClient, logged: dict[str, int]
) -> None:
    seen: list[dict[str, Any]] = []
    after = -1
    while True:
        page = client.get("/api/v1/changes", params={"after": after, "limit": 5}).json()
        assert set(page) == {"items", "next", "size"} and page["size"] == 12
        if not page["items"]:
            assert page["next"] == after
            break
        seen.extend(page["items"])
        after = page["next"]
        assert after == page["items"][-1]["index"]
    assert [e["index"] for e in seen] == list(range(12))
    assert seen == [client.get(f"/api/v1/log/entries/{i}").json() for i in range(12)]
    # Resuming in the middle gives the same entries again.
    assert client.get("/api/v1/changes", params={"after": 6, "limit": 2}).json()["items"] == seen[7:9]
    assert client.get("/api/v1/changes").json()["items"] == seen  # from the start, 100 at a time


def test_the_feed_hides_everything_about_entries_that_are_not_public(
    client: TestClient, logged: dict[str, int]
) -> None:
    items = client.get("/api/v1/changes").json()["items"]
    hidden = [e for e in items if not e["public"]]
    assert [e["index"] for e in hidden] == [0, 3, 5, 6, 9]
    for e in hidden:
        assert e["ref"] is e["organisation"] is e["content"] is e["salt"] is None
    text = client.get("/api/v1/changes").text
    assert (
        "secret" not in text and "张三" not in text and "sole-proprietor" not in text and USCC_B not in text
    )
    assert_error(client.get("/api/v1/changes", params={"limit": 1001}), 422, "invalid_request", "query.limit")
    assert_error(client.get("/api/v1/changes", params={"after": -2}), 422, "invalid_request", "query.after")


def test_a_consumer_acknowledges_and_the_operator_sees_who_lags(
    client: TestClient, logged: dict[str, int], engine: Engine
) -> None:
    done = client.post("/api/v1/changes/ack", json={"consumer": "bank-mirror", "index": 4})
    assert done.status_code == 200, done.text
    assert done.json() | {"acked_at": None} == {
        "consumer": "bank-mirror", "acked": 4, "acked_at": None, "size": 12, "behind": 7,
    }  # fmt: skip
    assert client.post("/api/v1/changes/ack", json={"consumer": "bank-mirror", "index": 4}).status_code == 200
    assert (
        client.post("/api/v1/changes/ack", json={"consumer": "samr-system", "index": 11}).status_code == 200
    )
    assert consumers(engine) == [("bank-mirror", 4), ("samr-system", 11)]
    listed = client.get("/api/v1/changes/consumers").json()
    assert [(c["consumer"], c["behind"]) for c in listed["items"]] == [("bank-mirror", 7), ("samr-system", 0)]
    page = client.get("/operator/consumers")
    assert page.status_code == 200
    assert "bank-mirror" in page.text.split('id="lagging"')[1].split("</table>")[0]
    assert "samr-system" in page.text.split('id="current"')[1]
    assert 'href="/api/v1/changes/consumers"' in page.text


def test_refused_acknowledgements_say_why_and_change_nothing(
    client: TestClient, logged: dict[str, int], engine: Engine, api_settings: Any, clock: Any
) -> None:
    assert client.post("/api/v1/changes/ack", json={"consumer": "mirror", "index": 8}).status_code == 200
    before = consumers(engine)
    ack = "/api/v1/changes/ack"
    assert_error(
        client.post(ack, json={"consumer": "mirror", "index": 12}),
        422,
        "ack_refused",
        "index: index 12 is not an entry of the log: its last entry is 11",
    )
    assert_error(
        client.post(ack, json={"consumer": "new", "index": 99}), 422, "ack_refused", "index: index 99 is not"
    )
    assert_error(
        client.post(ack, json={"consumer": "mirror", "index": 3}),
        422,
        "ack_refused",
        "index: consumer 'mirror' already acknowledged entry 8; an acknowledgement never goes back",
    )
    assert_error(client.post(ack, json={"consumer": " mirror", "index": 9}), 422, "ack_refused", "consumer:")
    assert_error(
        client.post(ack, json={"consumer": "a\x01b", "index": 9}), 422, "invalid_request", "consumer"
    )
    assert_error(
        client.post(ack, json={"consumer": "a\x00b", "index": 9}), 400, "invalid_character", "field consumer"
    )
    assert_error(client.post(ack, json={"consumer": "", "index": 9}), 422, "invalid_request", "body.consumer")
    assert_error(client.post(ack, json={"consumer": "x", "index": -1}), 422, "invalid_request", "body.index")
    assert_error(
        client.post(ack, json={"consumer": "x", "index": 1, "extra": 1}), 422, "invalid_request", "extra"
    )
    closed = api_settings.model_copy(update={"demo_mode": False})
    with TestClient(create_app(closed, clock), client=("127.0.0.1", 50000)) as outside:
        assert_refused(outside.post(ack, json={"consumer": "mirror", "index": 11}))
        assert_refused(outside.get("/api/v1/changes/consumers"))
        refused = outside.get("/operator/consumers")
        assert refused.status_code in (401, 403) and "bank-mirror" not in refused.text
    assert consumers(engine) == before


def test_an_empty_log_has_an_empty_feed_and_a_checkpoint_of_nothing(
    client: TestClient, engine: Engine
) -> None:
    assert client.get("/api/v1/changes").json() == {"items": [], "next": -1, "size": 0}
    signed = checkpoint.open_note(
        client.get("/api/v1/log/checkpoint").text, client.get("/api/v1/log/key").text
    )
    assert (signed.size, signed.root) == (0, merkle.EMPTY_ROOT)
    assert_error(
        client.post("/api/v1/changes/ack", json={"consumer": "early", "index": 0}),
        422,
        "ack_refused",
        "it has no entries yet",
    )
    assert_error(client.get("/api/v1/log/entries/0"), 404, "not_found", "it has no entries yet")
    with engine.connect() as conn:
        assert conn.execute(select(LogCheckpoint.size)).scalars().all() == [0]
