"""The list pages show only entries in force with their legal basis and end date; the checks page answers
for one organisation and turns an uploaded file of bidders into a file with a line per bidder."""

from __future__ import annotations

from fastapi.testclient import TestClient

from helpers import USCC_A, USCC_B


def test_the_lists_page_and_a_list_with_its_criteria_and_exports(client: TestClient) -> None:
    index = client.get("/lists").text
    assert 'id="count-honour">1<' in index and 'id="count-serious_dishonesty">0<' in index
    assert '<a href="/api/v1/exports">the exports</a>' in index  # the whole registry as files
    honours = client.get("/lists/honour")
    assert honours.status_code == 200
    assert f'href="/organisations/{USCC_B}"' in honours.text and "2028-11-24" in honours.text
    assert "Contract-abiding and creditworthy enterprise." in honours.text
    assert 'href="/api/v1/lists/honour/export?format=csv"' in honours.text
    serious = client.get("/lists/serious_dishonesty").text
    assert 'id="empty"' in serious
    assert "published for comment on 15 Jan 2026" in serious
    missing = client.get("/lists/red")
    assert missing.status_code == 404 and "no such list" in missing.text
    assert "&#39;red&#39;" not in missing.text  # what was typed is not repeated


def test_the_checks_page_answers_for_one_organisation(client: TestClient) -> None:
    page = client.get("/checks", params={"subject": USCC_B, "domain": "licensing"})
    assert page.status_code == 200 and 'id="answer">fast-track<' in page.text
    assert "Licence applications handled on the fast track" in page.text
    bad = client.get("/checks", params={"subject": USCC_A[:-1] + "0", "domain": "licensing"})
    assert bad.status_code == 422 and 'id="error"' in bad.text and "check character" in bad.text


def test_a_file_of_bidders_comes_back_with_a_line_each(client: TestClient) -> None:
    result = client.post(
        "/checks/file",
        data={"domain": "licensing"},
        files={"bidders": ("bidders.csv", f"subject_id,name\n{USCC_A},A\n{USCC_B},B\n".encode(), "text/csv")},
    )
    assert result.status_code == 200
    assert result.headers["content-disposition"] == 'attachment; filename="checks-licensing.csv"'
    lines = result.text.splitlines()
    assert (
        len(lines) == 3
        and ",eligible," in lines[1]
        and ",fast_track,licensing_fast_track_honour," in lines[2]
    )
    not_utf8 = client.post(
        "/checks/file", data={"domain": "licensing"}, files={"bidders": ("b.csv", b"subject_id\n\xff\xfe\n")}
    )
    assert not_utf8.status_code == 422
    assert (
        "b.csv: line 2: byte 0xFF at character 1 is not valid UTF-8; it is not GB18030 either"
        in not_utf8.text
    )


def test_the_profile_shows_the_entries_in_force(client: TestClient) -> None:
    page = client.get(f"/organisations/{USCC_B}").text
    assert 'id="lists-title">On lists<' in page and 'href="/lists/honour"' in page
    assert "until 24 Nov 2028" in page
    assert 'id="lists-title"' not in client.get(f"/organisations/{USCC_A}").text
