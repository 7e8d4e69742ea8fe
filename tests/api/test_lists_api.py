"""The lists and checks routes: public current lists and exports, public checks (one organisation or a
bidders CSV), and the list procedures (demo only); refusals are 4xx in the one error shape."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from test_api import assert_error, assert_page

from credence.clock import today
from credence.lists import exports
from credence.server import create_app

from helpers import USCC_A, USCC_B

SAMR = "SAMR credit office"


def enter_and_publish(client: TestClient) -> dict:
    made = client.post(
        "/api/v1/lists/abnormal_operation/entries",
        json={
            "department": "SAMR",
            "subject": USCC_A,
            "criterion": "unreachable",
            "facts": "Mail returned twice.",
            "decision_ref": "SAMR-AB-1",
            "actor": SAMR,
        },
    )
    assert made.status_code == 201, made.text
    entry = made.json()
    (notice,) = [
        n
        for n in client.get("/api/v1/outbox", params={"department": "SAMR"}).json()["items"]
        if n["record"]["source_record_id"] == f"LIST-{entry['id']}"
    ]
    client.post(f"/api/v1/notices/{notice['notice']}/delivery", json={"actor": "clerk", "channel": "post"})
    return entry


def test_current_lists_and_their_exports_are_public(
    client: TestClient, engine, catalog, clock, api_settings
) -> None:
    honours = client.get("/api/v1/lists/honour").json()
    assert_page(honours)
    (item,) = honours["items"]
    assert (item["identifier"], item["criterion"], item["ends_on"]) == (
        USCC_B,
        "contract_abiding",
        "2028-11-24",
    )
    assert "Guiding Opinions of the State Council" in item["legal_basis"]
    assert client.get("/api/v1/lists/serious_dishonesty").json()["total"] == 0
    entry = enter_and_publish(client)
    csv_file = client.get("/api/v1/lists/abnormal_operation/export")
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert 'filename="abnormal-operation-list.csv"' in csv_file.headers["content-disposition"]
    # A byte-order mark, so Excel shows Chinese names; after it, the list's CSV as the CLI prints it.
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    rest = csv_file.content[3:].decode("utf-8")
    with engine.connect() as conn:
        rows = exports.public_rows(conn, catalog, "abnormal_operation", today(clock, api_settings.timezone))
    assert rest == exports.to_csv(rows)
    lines = rest.splitlines()
    assert (
        lines[0]
        == "entry,list,identifier,organisation,criterion,field,department,legal_basis,listed_from,ends_on"
    )
    assert lines[1].startswith(f"{entry['id']},abnormal_operation,{USCC_A},")
    as_json = json.loads(
        client.get("/api/v1/lists/abnormal_operation/export", params={"format": "json"}).text
    )
    assert [e["entry"] for e in as_json] == [entry["id"]]
    assert_error(client.get("/api/v1/lists/red_list"), 422, "invalid_request", "path.kind: Input should be")


def test_checks_answer_for_one_organisation_and_for_a_file_of_bidders(client: TestClient) -> None:
    assert (
        client.get("/api/v1/checks", params={"subject": USCC_A, "domain": "public_procurement"}).json()[
            "result"
        ]
        == "eligible"
    )
    enter_and_publish(client)
    found = client.get("/api/v1/checks", params={"subject": USCC_A, "domain": "public_procurement"}).json()
    assert found["result"] == "restricted" and found["known"] is True
    (measure,) = found["measures"]
    assert measure["code"] == "procurement_declaration" and measure["until"] == "2029-11-24"
    assert client.get("/api/v1/checks", params={"subject": USCC_B, "domain": "licensing"}).json()[
        "result"
    ] == ("fast_track")
    result = client.post(
        "/api/v1/checks",
        params={"domain": "public_procurement"},
        content=f"subject_id\n{USCC_A}\n{USCC_B}\n123\n".encode(),
        headers={"content-type": "text/csv"},
    )
    assert result.status_code == 200 and result.headers["content-type"].startswith("text/csv")
    lines = result.text.splitlines()
    assert lines[1].startswith(f"2,{USCC_A},") and ",restricted,procurement_declaration," in lines[1]
    assert ",eligible," in lines[2] and lines[3].startswith("4,,,,,,,,subject_id: ")
    assert_error(
        client.get("/api/v1/checks", params={"subject": USCC_A, "domain": "procurement"}),
        422,
        "unknown_domain",
        "domain 'procurement' is not one of public_procurement",
    )
    assert_error(
        client.get("/api/v1/checks", params={"subject": "11010519491231002X", "domain": "subsidies"}),
        422,
        "natural_person",
        "natural persons are not subjects",
    )
    assert_error(
        client.post(
            "/api/v1/checks",
            params={"domain": "subsidies"},
            content=b"code\nX\n",
            headers={"content-type": "text/csv"},
        ),
        422,
        "bad_file",
        "line 1: the CSV needs a subject_id column",
    )


def test_a_serious_listing_through_the_api_and_the_department_inbox(client: TestClient, clock) -> None:
    proposed = client.post(
        "/api/v1/lists/serious_dishonesty/entries",
        json={
            "department": "SAMR",
            "subject": USCC_A,
            "criterion": "grave_food_drug_safety",
            "facts": "Repeated serious food-safety penalties.",
            "decision_ref": "SAMR-2026-0001",
            "actor": SAMR,
        },
    ).json()
    assert proposed["state"] == "proposed"
    (notice,) = [
        n
        for n in client.get("/api/v1/organisations/" + USCC_A + "/inbox").json()["items"]
        if n["kind"] == "list_proposal"
    ]
    assert "list_entry" in notice and "You have 30 days from delivery" in notice["decision"]
    client.post(f"/api/v1/notices/{notice['notice']}/delivery", json={"actor": "clerk", "channel": "post"})
    waiting = client.get("/api/v1/departments/SAMR/inbox").json()["items"]
    assert [(w["kind"], w["id"], w["due_on"]) for w in waiting] == [("listing", proposed["id"], "2026-12-25")]
    answered = client.post(
        f"/api/v1/list-entries/{proposed['id']}/answer",
        json={"statement": "Under appeal.", "hearing": True, "filed_by": f"organisation:{USCC_A}"},
    )
    assert answered.json()["state"] == "answered"
    assert_error(
        client.post(
            f"/api/v1/list-entries/{proposed['id']}/decision",
            json={"department": "SAMR", "outcome": "list", "actor": SAMR, "reason": "r"},
        ),
        409,
        "not_allowed",
        "can be decided from the day after its answer period ends (2026-12-25)",
    )
    own = client.get(f"/api/v1/organisations/{USCC_A}/list-entries").json()
    assert_page(own)
    assert own["items"][0]["hearing_requested"] is True
    assert_error(
        client.post(
            f"/api/v1/list-entries/{proposed['id']}/cure",
            json={"department": "SAMR", "actor": SAMR, "reason": "r"},
        ),
        409,
        "illegal_transition",
        "is 'answered' and cannot be cured",
    )


def test_the_list_procedures_need_a_token_outside_demo_mode(settings, clock, populated) -> None:
    with TestClient(create_app(settings, clock), client=("127.0.0.1", 50000)) as closed:
        assert_error(
            closed.post(
                "/api/v1/list-entries/1/answer", json={"statement": "s", "filed_by": f"organisation:{USCC_A}"}
            ),
            401,
            "unauthenticated",
            "needs a token",
        )
        assert closed.get("/api/v1/lists/honour").status_code == 200


def test_commitments_through_the_api(client: TestClient) -> None:
    templates = client.get("/api/v1/commitment-templates").json()
    assert {t["code"] for t in templates} >= {"licence_conditions", "procurement_bid_truthful"}
    made = client.post(
        "/api/v1/commitments",
        json={
            "organisation": USCC_A,
            "template": "procurement_bid_truthful",
            "department": "MOF",
            "made_by": f"organisation:{USCC_A}",
        },
    )
    assert made.status_code == 201 and made.json()["state"] == "made"
    commitment = made.json()["id"]
    broken = client.post(
        f"/api/v1/commitments/{commitment}/outcome",
        json={"department": "MOF", "kept": False, "actor": "MOF office", "reason": "Hidden fine."},
    ).json()
    assert broken["state"] == "broken" and broken["breach_record_id"] is not None
    assert_error(
        client.post(
            f"/api/v1/commitments/{commitment}/outcome",
            json={"department": "MOF", "kept": True, "actor": "MOF office", "reason": "r"},
        ),
        409,
        "illegal_transition",
        "is 'broken' and cannot be kept",
    )
    own = client.get(f"/api/v1/organisations/{USCC_A}/commitments").json()
    assert_page(own)
    assert [c["id"] for c in own["items"]] == [commitment]


def test_a_public_check_never_names_a_record_shared_only_with_public_bodies(client: TestClient) -> None:
    # A's grade rests on its public penalty and on SI-1, shared only with public bodies.
    found = client.get("/api/v1/checks", params={"subject": USCC_A, "domain": "inspection"}).json()
    assert found["result"] == "restricted" and found["measures"][0]["code"] == "inspection_more_frequent"
    assert "XZCF-2026-0001" in found["measures"][0]["remedy"]
    assert "SI-1" not in json.dumps(found)
    bidders = client.post(
        "/api/v1/checks",
        params={"domain": "inspection"},
        content=f"subject_id\n{USCC_A}\n".encode(),
        headers={"content-type": "text/csv"},
    )
    assert "inspection_more_frequent" in bidders.text and "SI-1" not in bidders.text
