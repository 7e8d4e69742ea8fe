"""The API: search, profiles with publicity rules, records, history, rules, submission; one error shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from credence.records import repository as repo
from credence.server import create_app

from helpers import USCC_A, USCC_B, assert_error, counts, process_for, row


def assert_page(body: dict[str, Any]) -> None:
    assert set(body) == {"items", "total", "page", "per_page"}


def test_search_by_chinese_latin_prefix_and_identifier(client: TestClient) -> None:
    chinese = client.get("/api/v1/organisations", params={"q": "北京某某"}).json()
    # A page, and the explanation of a query shaped like a code that fails its check (null otherwise).
    assert set(chinese) == {"items", "total", "page", "per_page", "explanation"}
    assert chinese["explanation"] is None
    assert [o["code"] for o in chinese["items"]] == [USCC_A]
    latin = client.get("/api/v1/organisations", params={"q": "shenzhen example"}).json()
    assert [o["code"] for o in latin["items"]] == [USCC_B] and latin["items"][0]["grade"] == "A"
    by_code = client.get("/api/v1/organisations", params={"q": USCC_A.lower()}).json()
    assert by_code["total"] == 1 and by_code["items"][0]["key"] == f"uscc:{USCC_A}"
    assert client.get("/api/v1/organisations", params={"q": "nothing like it"}).json()["total"] == 0
    # No name contains a misspelt query: the names close to it are offered (Latin and Chinese).
    typo = client.get("/api/v1/organisations", params={"q": "shenzen exampel electronic"}).json()
    assert [o["code"] for o in typo["items"]] == [USCC_B]
    typo_zh = client.get("/api/v1/organisations", params={"q": "北京某某食物有限公司"}).json()
    assert [o["code"] for o in typo_zh["items"]][0] == USCC_A
    assert_error(client.get("/api/v1/organisations", params={"q": " "}), 422, "invalid_query", "blank")
    assert_error(client.get("/api/v1/organisations"), 422, "invalid_request", "query.q")
    # Found by the fuzz test on PostgreSQL, which cannot hold a NUL byte in text: a 500 before. A NUL is
    # refused at the edge (credence.api.characters), another control character by the search.
    assert_error(
        client.get("/api/v1/organisations", params={"q": "ab\x00c"}),
        400,
        "invalid_character",
        "query parameter q: a NUL character (U+0000) at 3",
    )
    assert_error(
        client.get("/api/v1/organisations", params={"q": "ab\x01c"}),
        422,
        "invalid_query",
        "control character at character 3",
    )


def test_profile_shows_grade_reasons_and_hides_shared_records(client: TestClient) -> None:
    profile = client.get(f"/api/v1/organisations/{USCC_A}").json()
    assert profile["grade"] == "C" and profile["score"] == 700  # -200 penalty, -100 arrears
    assert profile["policy_version"] == "2026.2" and len(profile["policy_sha256"]) == 64
    assert profile["reasons"][0] == "1,000 points: the starting score"
    assert profile["reasons"][1].startswith("-200 points: administrative penalty XZCF-2026-0001")
    # The arrears are shared with public bodies only: counted, never described; the lines add up.
    assert profile["reasons"][2] == "-100 points: 1 record shared only with public bodies"
    assert sum(line["points"] for line in profile["reckoning"]) == profile["score"]
    assert not any("SI-1" in line for line in profile["reasons"] + profile["what_would_change"])
    records = client.get(f"/api/v1/organisations/{USCC_A}/records").json()
    assert_page(records)
    assert [r["source_record_id"] for r in records["items"]] == ["XZCF-2026-0001"]
    assert records["items"][0]["published_until"] == "2029-05-31"
    history = client.get(f"/api/v1/organisations/uscc:{USCC_A}/history").json()
    assert [(h["old_grade"], h["new_grade"]) for h in history["items"]] == [(None, "C")]


def test_bad_identifiers_and_unknown_organisations_are_4xx(client: TestClient) -> None:
    assert_error(
        client.get("/api/v1/organisations/91110000600037341X"),
        422,
        "invalid_identifier",
        "check character is X, expected L",
    )
    assert_error(
        client.get("/api/v1/organisations/11010519491231002X"),
        422,
        "natural_person",
        "natural persons are not subjects",
    )
    assert_error(client.get("/api/v1/organisations/91330100799655058B"), 404, "not_found", "no organisation")
    assert_error(client.get("/api/v1/nowhere"), 404, "not_found", "Not Found")


def test_catalog_and_policy_are_readable(client: TestClient) -> None:
    catalog = client.get("/api/v1/catalog").json()
    assert {c["code"] for c in catalog["categories"]} >= {
        "administrative_penalty",
        "supplier_payment_default",
    }
    policy = client.get("/api/v1/policy").json()
    assert policy["version"] == "2026.2" and {r["name"] for r in policy["rules"]} >= {"honour"}


def test_submission_uses_the_ingestion_checks(client: TestClient, engine) -> None:
    before = counts(engine)["records"]
    good, bad = row(10, subject_id=USCC_B, severity="serious"), row(11, currency="XYZ")
    response = client.post("/api/v1/records", params={"department": "SAMR"}, json=[good, bad])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["new"], body["rejected"], body["rated"]) == (1, 1, 1)
    assert body["rejections"][0]["field"] == "currency" and body["rejections"][0]["line"] == 2
    assert counts(engine)["records"] == before + 1
    # Stored, but not counted until its notice is logged.
    assert client.get(f"/api/v1/organisations/{USCC_B}").json()["grade"] == "A"
    assert_error(
        client.post("/api/v1/records", params={"department": "XX"}, json=[good]),
        422,
        "unknown_department",
        "unknown department 'XX'",
    )
    assert_error(
        client.post("/api/v1/records", params={"department": "SAMR"}, json={"a": 1}),
        422,
        "invalid_request",
        "body",
    )
    assert counts(engine)["records"] == before + 1


def test_submission_needs_a_token_outside_demo_mode_and_from_elsewhere(
    settings, clock, populated, engine
) -> None:
    """Without credentials, submission is open only to the demo principal (demo mode, 127.0.0.1); the
    authorisation matrix (tests/access) covers it with tokens."""
    before = counts(engine)["records"]
    with TestClient(create_app(settings, clock), client=("127.0.0.1", 5)) as closed:
        assert_error(
            closed.post("/api/v1/records", params={"department": "SAMR"}, json=[row(20)]),
            401,
            "unauthenticated",
            "needs a token",
        )
    demo = settings.model_copy(update={"demo_mode": True})
    with TestClient(create_app(demo, clock), client=("10.0.0.8", 5)) as remote:
        assert_error(
            remote.post("/api/v1/records", params={"department": "SAMR"}, json=[row(20)]),
            401,
            "unauthenticated",
            "needs a token",
        )
    assert counts(engine)["records"] == before
    with engine.connect() as conn:
        assert (
            conn.execute(
                repo.records.select().where(repo.records.c.source_record_id == "XZCF-2026-0020")
            ).first()
            is None
        )


def test_sole_proprietors_have_no_public_profile(client: TestClient, service, tmp_path) -> None:
    from credence.identity import build_uscc

    from helpers import write_csv

    code = build_uscc("92", "110100", "MA01X2Y3")
    service.ingest_file(
        write_csv(tmp_path / "p.csv", [row(30, subject_id=code, subject_name="北京某某小吃店")]), "SAMR"
    )
    assert client.get("/api/v1/organisations", params={"q": "小吃店"}).json()["total"] == 0
    assert client.get("/api/v1/organisations", params={"q": code}).json()["total"] == 0
    assert_error(client.get(f"/api/v1/organisations/{code}"), 404, "not_found", "no organisation")
    assert_error(client.get(f"/api/v1/organisations/{code}/records"), 404, "not_found", "no organisation")
    assert client.get("/api/v1/records/SAMR/XZCF-2026-0030").status_code == 404
    assert client.get(f"/organisations/{code}").status_code == 404


def test_nothing_is_published_or_counted_before_notice(client: TestClient, service, tmp_path) -> None:
    from helpers import write_csv

    grade_before = client.get(f"/api/v1/organisations/{USCC_B}").json()["grade"]
    rows = [row(40, subject_id=USCC_B, severity="serious", decided_on="2026-10-01")]
    service.ingest_file(write_csv(tmp_path / "late.csv", rows), "SAMR")
    profile = client.get(f"/api/v1/organisations/{USCC_B}").json()
    assert profile["grade"] == grade_before and not any("XZCF-2026-0040" in r for r in profile["reasons"])
    listed = client.get(f"/api/v1/organisations/{USCC_B}/records").json()["items"]
    assert "XZCF-2026-0040" not in {r["source_record_id"] for r in listed}
    assert client.get("/api/v1/records/SAMR/XZCF-2026-0040").status_code == 404
    assert client.get("/records/SAMR/XZCF-2026-0040").status_code == 404
    process = process_for(service)
    process.deliver_record_notice("SAMR", "XZCF-2026-0040", actor="SAMR clerk", channel="by hand")
    assert client.get("/api/v1/records/SAMR/XZCF-2026-0040").status_code == 200
    assert client.get(f"/api/v1/organisations/{USCC_B}").json()["grade"] == "B"
    # Profiles are kept between requests, but never past a change: a withdrawal shows at once.
    process.withdraw("SAMR", "XZCF-2026-0040", actor="SAMR clerk", reason="quashed on review")
    assert client.get(f"/api/v1/organisations/{USCC_B}").json()["grade"] == grade_before
    process.reinstate(
        "SAMR", "XZCF-2026-0040", actor="SAMR clerk", reason="review reversed", certified_decision="SAMR-R-7"
    )
    # Reinstated, it is published and counted again only once its new notice is delivered.
    assert client.get(f"/api/v1/organisations/{USCC_B}").json()["grade"] == grade_before
    process.deliver_record_notice("SAMR", "XZCF-2026-0040", actor="SAMR clerk", channel="by hand")
    assert client.get(f"/api/v1/organisations/{USCC_B}").json()["grade"] == "B"
