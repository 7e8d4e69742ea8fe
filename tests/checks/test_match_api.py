"""The match API (issue 14, "Screening by name"): POST /api/v1/match answers the registry's organisations a
name may be, best first, with the model's probability and each comparison, in the spirit of yente's
/match. Variant spellings find the right file; a shared identifier decides outright; a person's name, a
religious body and a trade union are refused as ingest refuses them, and not repeated; a sole
proprietor, whose file is never public, is never among the candidates."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from credence.checks.names import NameQuery
from credence.checks.service import CheckService
from credence.log.events import flush
from credence.measures.catalog import load_measures
from credence.store.models import Organisation
from credence.subjects import links
from credence.subjects.candidates import candidates
from credence.subjects.links import Judgement
from credence.subjects.model import Candidate, Model

from .conftest import A_CHINESE, A_LATIN, AUTO, B_NAME, KENYA, REVIEW, SOLE, SOLE_NAME, deliver_all
from helpers import USCC_A, USCC_B, assert_error, row, write_csv


def match(client: TestClient, *names: str, country: str | None = None, **more: Any) -> Any:
    response = client.post("/api/v1/match", json={"names": list(names), "country": country, **more})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("names", "country", "key"),
    [
        ((B_NAME,), "CN", f"uscc:{USCC_B}"),
        (
            ("SHENZHEN EXAMPLE ELECTRONICS CO., LTD.",),
            "cn",
            f"uscc:{USCC_B}",
        ),  # case, a country in lower case
        (
            ("Shenzhen Example Electronics Company Limited",),
            "CN",
            f"uscc:{USCC_B}",
        ),  # Co., Ltd. / Company Limited
        (("“Shenzhen-Example” Electronics Co Ltd",), "Cn", f"uscc:{USCC_B}"),  # quotes and punctuation
        (("beijing example foods ltd",), "cn", f"uscc:{USCC_A}"),  # the English name beside a Chinese one
        ((A_CHINESE,), "CN", f"uscc:{USCC_A}"),
        (("NAIROBI ROADS BUILDERS LTD",), "ke", None),  # a listing without a code: its unresolved key
    ],
)
def test_variant_names_find_the_right_file(client: TestClient, screened, names, country, key) -> None:
    body = match(client, *names, country=country)
    assert body["thresholds"] == {"match": AUTO, "review": REVIEW}
    assert body["query"]["country"] == country.upper()
    best = body["results"][0]
    if key is None:
        assert best["key"].startswith("unresolved:") and best["name"] == KENYA and best["identifier"] is None
    else:
        assert best["key"] == key and best["identifier"] == key.split(":")[1]
    assert REVIEW <= best["score"] <= 1 and best["basis"] == "model"
    assert best["match"] is (best["score"] >= AUTO)
    # Explained: the levels the pair fell in, whose weights add up to the match weight less the prior's.
    levels = {c["comparison"]: c["level"] for c in best["comparisons"]}
    assert levels["country"] == "same country"
    assert "name" in levels or "chinese" in levels
    assert all(c["weight"] is not None for c in best["comparisons"])
    assert {r["key"] for r in body["results"]} <= {f"uscc:{USCC_A}", f"uscc:{USCC_B}", best["key"]}


def test_names_in_two_scripts_are_a_match_and_a_shared_identifier_decides(
    client: TestClient, screened
) -> None:
    both = match(client, A_LATIN.upper(), A_CHINESE, country="cn")["results"][0]
    assert both["key"] == f"uscc:{USCC_A}" and both["score"] >= AUTO and both["match"] is True
    assert {c["comparison"]: c["level"] for c in both["comparisons"]}["chinese"] == "same Chinese name"
    # Another country: the names alone are not enough.
    elsewhere = match(client, "Beijing Example Foods Ltd", country="GB")["results"]
    assert all(r["score"] < AUTO for r in elsewhere)
    # A USCC names its organisation, whatever the name says.
    coded = match(client, "Completely Other Trading Ltd", country="CN", identifiers={"uscc": USCC_B})
    (found,) = [r for r in coded["results"] if r["key"] == f"uscc:{USCC_B}"]
    assert found["score"] == 1.0 and found["match"] is True and found["basis"] == "identifier:uscc"
    assert found["match_weight"] is None and coded["query"]["identifiers"] == {"uscc": USCC_B}
    assert match(client, "Completely Other Trading Ltd", country="CN")["results"] == []
    assert len(match(client, B_NAME, country="CN", limit=1)["results"]) == 1


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("PIERRE SAVIGNAC", "natural_person"),  # no sign of an organisation
        ("Mr. Chen Wei", "natural_person"),  # a personal title
        ("110105194912310021", "natural_person"),  # a resident identity number
        ("张伟", "natural_person"),
        ("Nairobi Central Baptist Church", "religious_body"),
        ("Kenya Federation of Trade Unions", "trade_union"),
    ],
)
def test_refused_names_are_not_screened_and_not_repeated(client: TestClient, screened, name, code) -> None:
    response = client.post("/api/v1/match", json={"names": [B_NAME, name], "country": "KE"})
    assert_error(response, 422, code)
    assert name not in response.text and name.lower() not in response.text.lower()
    assert response.json()["error"]["details"][0]["where"] == "names[1]"


def test_a_sole_proprietor_is_never_a_candidate(client: TestClient, screened) -> None:
    for body in (
        {"names": [SOLE_NAME], "country": "CN"},
        {"names": [SOLE_NAME.upper()], "country": "cn"},
        {"names": [SOLE_NAME], "country": "CN", "identifiers": {"uscc": SOLE}},
    ):
        response = client.post("/api/v1/match", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["results"] == []
        text = response.text.replace(SOLE, "").replace(SOLE_NAME, "").replace(SOLE_NAME.upper(), "")
        assert "92530100" not in text and "Kunming" not in text and "Jiahe" not in text.replace("JIAHE", "")


def test_bad_requests_answer_in_the_one_error_shape(client: TestClient, screened) -> None:
    assert_error(client.post("/api/v1/match", json={"names": []}), 422, "invalid_request")
    assert_error(
        client.post("/api/v1/match", json={"names": ["X Ltd"], "country": "KEN"}), 422, "invalid_request"
    )
    assert_error(client.post("/api/v1/match", json={"names": ["X Ltd"], "extra": 1}), 422, "invalid_request")
    assert_error(
        client.post(
            "/api/v1/match", json={"names": ["X Ltd"], "identifiers": {"uscc": "91110000600037341X"}}
        ),
        422,
        "invalid_identifier",
    )


def test_the_index_follows_the_store_and_equals_the_models_match(
    screened, service, engine, catalog, clock, settings, tmp_path
) -> None:
    process = screened["process"]
    checks = CheckService(
        engine, catalog, load_measures(catalog), process.lists.lists, clock, settings, process.rating
    )
    names = checks.names
    query = names.refuse(NameQuery(("Mombasa Port Logistics Ltd",), "KE"))
    today = checks.today()
    assert names.screen_many([query], today)[0].found == []
    assert names.screen_many([query], today)[0].found == [] and names.index.builds == 1  # not read again
    later = row(
        "WB-KE-2",
        category="development_bank_debarment",
        subject_id=None,
        subject_name="Mombasa Port Logistics Limited",
        subject_country="KE",
        severity=None,
        amount=None,
        currency=None,
        legal_basis="World Bank Sanctions Procedures",
    )
    service.ingest_file(write_csv(tmp_path / "wb-2.csv", [later]), "WB")
    assert names.screen_many([query], today)[0].found == []  # nothing shows of a listing before its notice
    deliver_all(engine, process)
    (found,) = names.screen_many([query], today)[0].found
    assert found.organisation.name == "Mombasa Port Logistics Limited" and names.index.builds == 2
    # The kept index gives the model's own pairs, with the same weights, as matching against the store.
    asked = [
        Candidate(-1, ("SHENZHEN EXAMPLE ELECTRONICS CO LTD",), "cn"),
        Candidate(-2, (A_LATIN, A_CHINESE), "CN"),
        Candidate(-3, ("Mombasa Port Logistics Co. Ltd",), "KE"),
    ]
    kept, _ = names.index.match(asked, 0.01)
    with engine.connect() as conn:
        registry = candidates(conn)
    direct = [p for p in Model.load().match(asked, registry, 0.01) if p.left < 0 <= p.right]
    assert [(p.left, p.right) for p in kept] == [(p.left, p.right) for p in direct] and kept
    assert [p.weight for p in kept] == pytest.approx([p.weight for p in direct], abs=1e-9)
    # One query at a time (scored against every subject it blocked) gives the same pairs again.
    alone = [p for q in asked for p in names.index.match([q], 0.01)[0]]
    assert sorted((p.left, p.right, round(p.weight, 9)) for p in alone) == sorted(
        (p.left, p.right, round(p.weight, 9)) for p in kept
    )


def test_a_file_is_answered_by_its_head_and_a_split_answers_each_again(
    client: TestClient, screened, engine, clock
) -> None:
    """A clerk joins the Kenyan listing to B's file: its name now answers B, the head, saying which of the
    file's subjects it matched; a split answers the listing itself again."""
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Organisation.id, Organisation.name)).all())
    listing = next(i for i, name in ids.items() if name == KENYA)
    b = next(i for i, name in ids.items() if name == B_NAME)

    def judge(judgement: str) -> None:
        with engine.begin() as conn:
            links.judge(
                conn,
                Judgement(listing, b, judgement, "clerk", "SAMR clerk", "checked", department="SAMR"),
                clock.now(),
            )
            flush(conn, clock.now())

    before = match(client, "NAIROBI ROADS BUILDERS LTD", country="KE")["results"][0]
    assert before["key"].startswith("unresolved:") and before["matched_subject"] == before["key"]
    judge("same")
    joined = match(client, "NAIROBI ROADS BUILDERS LTD", country="KE")["results"]
    assert [r["key"] for r in joined] == [f"uscc:{USCC_B}"]
    assert joined[0]["matched_subject"] == before["key"] and joined[0]["score"] == before["score"]
    judge("not_same")
    assert match(client, "NAIROBI ROADS BUILDERS LTD", country="KE")["results"][0]["key"] == before["key"]
