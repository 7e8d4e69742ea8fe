"""Eligibility checks of bidders without a code (issue 14, "Screening by name"), on every path: `credence
check --name --country`, the /checks page (and its JSON twin), and files of bidders with name and country
columns and an empty subject_id (the API, the page's upload, `credence check --file`). One file matched
at the auto threshold is checked as if its code had been given, and the answer says it was matched by
name, with the probability; below it the answer is possible_match, naming the candidates, never
restricted, even for a file that is; below the review threshold, no_match. Rows with a code answer as
before."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credence.cli.main import app as cli_app

from .conftest import A_CHINESE, AUTO, REVIEW, SOLE_NAME
from helpers import USCC_A, USCC_B

MATCHED = f"Beijing Example Foods Co., Ltd. ({A_CHINESE})"  # both of A's names, in one field
POSSIBLE = "BEIJING EXAMPLE FOODS CO LTD"  # A's English name alone: a possible match
NOTHING = "Mombasa Port Logistics Ltd"
PERSON = "PIERRE SAVIGNAC"
DOMAIN = "public_procurement"  # A is restricted in it (an abnormal-operation entry)
BIDDERS = (
    "subject_id,name,country\n"
    f"{USCC_A},,\n"
    f',"{MATCHED}",CN\n'
    f",{POSSIBLE},cn\n"
    f",{NOTHING},KE\n"
    f",{PERSON},FR\n"
    f',"{SOLE_NAME}",CN\n'
)


@pytest.fixture
def cli(screened, store_url: str, tmp_path: Path, monkeypatch) -> Any:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {
        "CREDENCE_DATABASE_URL": store_url,
        "CREDENCE_LINK_AUTO_THRESHOLD": str(AUTO),
        "CREDENCE_LINK_REVIEW_THRESHOLD": str(REVIEW),
    }

    def invoke(*args: str) -> Any:
        return runner.invoke(cli_app, list(args), env=env)

    return invoke


def test_the_command_checks_a_bidder_by_name(cli) -> None:
    by_code = json.loads(cli("check", USCC_A, "--domain", DOMAIN, "--json").stdout)
    assert by_code["result"] == "restricted"
    matched = cli("check", "--name", MATCHED, "--country", "cn", "--domain", DOMAIN, "--json")
    assert matched.exit_code == 0, matched.output
    body = json.loads(matched.stdout)
    assert body["result"] == "restricted" and body["matched_by"] == "name" and body["probability"] >= AUTO
    assert body["organisation"]["key"] == f"uscc:{USCC_A}" and body["known"] is True
    assert [m["code"] for m in body["measures"]] == [m["code"] for m in by_code["measures"]]
    words = cli("check", "--name", MATCHED, "--country", "CN", "--domain", DOMAIN)
    assert "matched by name to uscc:91110000600037341L" in words.stdout and ": restricted" in words.stdout
    possible = json.loads(
        cli("check", "--name", POSSIBLE, "--country", "CN", "--domain", DOMAIN, "--json").stdout
    )
    assert possible["result"] == "possible_match" and possible["matched_by"] is None
    assert REVIEW <= possible["probability"] < AUTO and possible["measures"] == []
    assert possible["candidates"][0]["key"] == f"uscc:{USCC_A}"
    shown = cli("check", "--name", POSSIBLE, "--country", "CN", "--domain", DOMAIN)
    assert ": possible_match" in shown.stdout and "Possible match, review" in shown.stdout
    assert "restricted" not in shown.stdout
    nothing = cli("check", "--name", NOTHING, "--country", "KE", "--domain", DOMAIN, "--json")
    assert json.loads(nothing.stdout)["result"] == "no_match"
    refused = cli("check", "--name", PERSON, "--country", "FR", "--domain", DOMAIN)
    assert refused.exit_code != 0 and "natural persons are not subjects" in refused.output
    assert PERSON not in refused.output
    assert cli("check", USCC_A, "--name", MATCHED, "--domain", DOMAIN).exit_code != 0  # one of them only


def test_the_page_checks_a_bidder_by_name(client: TestClient, screened) -> None:
    page = client.get("/checks", params={"name": MATCHED, "country": "cn", "domain": DOMAIN})
    assert page.status_code == 200
    assert 'id="answer">restricted<' in page.text and "Matched by name to" in page.text
    assert 'href="/api/v1/checks/by-name?' in page.text  # the JSON twin
    twin = client.get("/api/v1/checks/by-name", params={"name": MATCHED, "country": "cn", "domain": DOMAIN})
    assert twin.json()["result"] == "restricted" and twin.json()["matched_by"] == "name"
    possible = client.get("/checks", params={"name": POSSIBLE, "country": "CN", "domain": DOMAIN})
    assert 'id="answer">possible match, review<' in possible.text and 'id="candidates"' in possible.text
    assert "91110000600037341L" in possible.text and 'id="answer">restricted<' not in possible.text
    assert 'id="measures"' not in possible.text
    assert client.get("/api/v1/checks/by-name", params={"name": POSSIBLE, "domain": DOMAIN}).json()[
        "result"
    ] in ("possible_match", "no_match")  # without the country the name counts for less
    nothing = client.get("/checks", params={"name": NOTHING, "country": "KE", "domain": DOMAIN})
    assert 'id="answer">no match<' in nothing.text
    refused = client.get("/checks", params={"name": PERSON, "country": "FR", "domain": DOMAIN})
    assert refused.status_code == 422 and "natural persons are not subjects" in refused.text
    assert PERSON not in refused.text
    sole = client.get("/checks", params={"name": SOLE_NAME, "country": "CN", "domain": DOMAIN})
    assert 'id="answer">no match<' in sole.text and "92530100" not in sole.text


def answered(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def assert_bidders(text: str, what: str) -> None:
    by_code, matched, possible, nothing, person, sole = answered(text)
    assert list(by_code)[-5:] == ["name", "country", "matched_by", "probability", "candidates"], what
    assert (by_code["subject_id"], by_code["result"], by_code["matched_by"]) == (USCC_A, "restricted", ""), (
        what
    )
    assert (matched["result"], matched["matched_by"], matched["organisation"]) == (
        "restricted",
        "name",
        A_CHINESE,
    )
    assert float(matched["probability"]) >= AUTO and matched["measures"] == by_code["measures"], what
    assert possible["result"] == "possible_match" and possible["measures"] == "", what
    assert REVIEW <= float(possible["probability"]) < AUTO and possible["name"] == POSSIBLE, what
    assert (
        possible["candidates"].startswith(f"uscc:{USCC_A} ") and "possible match, review" in possible["error"]
    )
    assert (nothing["result"], nothing["candidates"], nothing["country"]) == ("no_match", "", "KE"), what
    assert person["result"] == "" and person["name"] == "" and "natural persons" in person["error"], what
    assert PERSON not in text, what
    assert sole["result"] == "no_match" and "92530100" not in text, (what, sole)


def test_files_of_bidders_without_codes_on_every_path(client: TestClient, cli, tmp_path: Path) -> None:
    api = client.post(
        "/api/v1/checks",
        params={"domain": DOMAIN},
        content=BIDDERS.encode(),
        headers={"content-type": "text/csv"},
    )
    assert api.status_code == 200, api.text
    assert_bidders(api.text, "the API")
    form = client.post(
        "/checks/file", data={"domain": DOMAIN}, files={"bidders": ("bidders.csv", BIDDERS.encode("gb18030"))}
    )
    assert form.status_code == 200, form.text
    assert_bidders(form.text, "the page")
    path = tmp_path / "bidders.csv"
    path.write_text(BIDDERS, "utf-8-sig")
    command = cli("check", "--file", str(path), "--domain", DOMAIN)
    assert command.exit_code == 0, command.output
    assert_bidders(command.stdout, "the command")
    # A file with codes alone answers exactly as before: its columns and its lines.
    coded = client.post(
        "/api/v1/checks",
        params={"domain": "licensing"},
        content=f"subject_id\n{USCC_A}\n{USCC_B}\n".encode(),
        headers={"content-type": "text/csv"},
    )
    assert (
        coded.text.splitlines()[0]
        == "line,subject_id,organisation,result,measures,until,legal_basis,remedy,error"
    )
    # A name column alone will do.
    named = client.post(
        "/api/v1/checks",
        params={"domain": DOMAIN},
        content=f'name,country\n"{MATCHED}",CN\n'.encode(),
        headers={"content-type": "text/csv"},
    )
    assert answered(named.text)[0]["matched_by"] == "name"


def test_a_fuzzy_match_alone_never_restricts(client: TestClient, screened) -> None:
    """Every name close to A's (restricted) but short of the auto threshold answers possible_match."""
    for name, country in (
        (POSSIBLE, "CN"),
        ("Beijing Example Food Co Ltd", "CN"),
        ("Beijing Example Foods Company Limited", "cn"),
        (A_CHINESE, "CN"),
        (MATCHED, "GB"),
        (MATCHED, None),
    ):
        params = {"name": name, "domain": DOMAIN} | ({"country": country} if country else {})
        body = client.get("/api/v1/checks/by-name", params=params).json()
        best = body["candidates"][0]["score"] if body["candidates"] else 0.0
        if best < AUTO:
            assert body["result"] in ("possible_match", "no_match") and body["measures"] == [], (name, body)
        else:
            assert body["result"] == "restricted" and body["matched_by"] == "name", (name, body)
