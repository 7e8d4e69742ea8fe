"""What was typed where an identifier (or another name in a path or query) belongs is never repeated in the
answer: it may be a person's resident identity number, with or without spaces, or a telephone number.
Found in use: the organisation's own routes (/inbox, /objections ...), the profile, the report PDF, the
eligibility checks, /organisations/{code}/reads and the links API answered "'<text>' is not a valid
identifier" (or "no subject '<text>'") with the text as given. Each answer says what was expected instead.

One test over every such route: its status, its error code, and that the text appears nowhere in the body
(nor the text without its spaces)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credence.access import tokens
from credence.access.principal import Role

from helpers import USCC_A

PERSON = "11010519491231002X"  # a resident identity number (a valid one)
TYPED = {
    "resident_id": PERSON,
    "resident_id_spaced": "110105 19491231 002X",
    "mobile": "13812345678",
    "phone_spaced": "+86 138 1234 5678",
    "landline": "0571-88881234",
}
PERSONS = {"resident_id", "resident_id_spaced"}  # refused as natural_person where an identifier is read
CHECK_REASONS = {"mobile": "length", "phone_spaced": "inner_separator", "landline": "inner_separator"}
OWN = ("reads", "inbox", "objections", "repairs", "list-entries", "commitments")


def identifier(typed: str) -> str:
    """The code of an organisation route given what was typed: natural_person, else invalid_identifier."""
    return "natural_person" if typed in PERSONS else "invalid_identifier"


def csrf(page: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def organisation_token(client: TestClient) -> dict[str, str]:
    """An organisation's own token (organisation A)."""
    registry = client.app.state.registry  # type: ignore[attr-defined]
    with registry.engine.begin() as conn:
        _, text = tokens.create_token(
            conn,
            name="A's system",
            role=Role.ORGANISATION,
            organisation_code=USCC_A,
            days=1,
            now=registry.clock.now(),
        )
    return {"Authorization": f"Bearer {text}"}


# Each route: how to ask it with the text typed, and the status and error code it answers (a page: the
# status alone; the bidders file: 200 and the line's error).
Ask = Callable[[TestClient, str], Any]
ROUTES: dict[str, tuple[Ask, Callable[[str], tuple[int, str | None]]]] = {
    **{
        f"GET /api/v1/organisations/{{code}}/{own}": (
            lambda c, t, own=own: c.get(f"/api/v1/organisations/{t}/{own}"),
            lambda t: (422, identifier(t)),
        )
        for own in OWN
    },
    "GET /api/v1/organisations/{code}/inbox (its own token)": (
        lambda c, t: c.get(f"/api/v1/organisations/{t}/inbox", headers=organisation_token(c)),
        lambda t: (422, identifier(t)),
    ),
    "GET /api/v1/organisations/{code}": (
        lambda c, t: c.get(f"/api/v1/organisations/{t}"),
        lambda t: (422, identifier(t)),
    ),
    "GET /api/v1/organisations/{code}/records": (
        lambda c, t: c.get(f"/api/v1/organisations/{t}/records"),
        lambda t: (422, identifier(t)),
    ),
    "DELETE /api/v1/organisations/{code}": (
        lambda c, t: c.delete(f"/api/v1/organisations/{t}"),
        lambda t: (405, "method_not_allowed"),
    ),
    "POST /api/v1/objections (filed_by, its own token)": (
        lambda c, t: c.post(
            "/api/v1/objections",
            json={
                "department": "SAMR",
                "source_record_id": "XZCF-2026-0001",
                "ground": "content",
                "statement": "The fine was paid.",
                "filed_by": f"organisation:{t}",
            },
            headers=organisation_token(c),
        ),
        lambda t: (403, "not_yours"),
    ),
    "GET /api/v1/checks": (
        lambda c, t: c.get("/api/v1/checks", params={"subject": t, "domain": "public_procurement"}),
        lambda t: (422, "natural_person" if t in PERSONS else CHECK_REASONS[t]),
    ),
    "POST /api/v1/checks (a bidders file)": (
        lambda c, t: c.post(
            "/api/v1/checks",
            params={"domain": "public_procurement"},
            content=f"subject_id\n{TYPED[t]}\n".encode(),
            headers={"content-type": "text/csv"},
        ),
        lambda t: (200, None),
    ),
    "POST /api/v1/links": (
        lambda c, t: c.post(
            "/api/v1/links",
            json={
                "department": "SAMR",
                "left": f"uscc:{USCC_A}",
                "right": t,
                "judgement": "same",
                "actor": "SAMR clerk Li",
                "reason": "The same firm.",
            },
        ),
        lambda t: (404, "not_found"),
    ),
    "POST /api/v1/links (department)": (
        lambda c, t: c.post(
            "/api/v1/links",
            json={
                "department": t,
                "left": f"uscc:{USCC_A}",
                "right": f"uscc:{USCC_A}",
                "judgement": "same",
                "actor": "SAMR clerk Li",
                "reason": "The same firm.",
            },
        ),
        lambda t: (422, "unknown_department"),
    ),
    "GET /api/v1/records/{department}/{source_record_id}": (
        lambda c, t: c.get(f"/api/v1/records/SAMR/{t}"),
        lambda t: (404, "not_found"),
    ),
    "GET /api/v1/departments/{department}/inbox": (
        lambda c, t: c.get(f"/api/v1/departments/{t}/inbox"),
        lambda t: (404, "not_found"),
    ),
    "GET /api/v1/outbox?department=": (
        lambda c, t: c.get("/api/v1/outbox", params={"department": t}),
        lambda t: (404, "not_found"),
    ),
    "page GET /organisations/{code}": (lambda c, t: c.get(f"/organisations/{t}"), lambda t: (422, None)),
    "page POST /organisations/{code}/report.pdf": (
        lambda c, t: c.post(f"/organisations/{t}/report.pdf"),
        lambda t: (422, None),
    ),
    "page GET /checks": (
        lambda c, t: c.get("/checks", params={"subject": t, "domain": "public_procurement"}),
        lambda t: (422, None),
    ),
    "page POST /sign-in": (
        lambda c, t: c.post(
            "/sign-in", data={"csrf": csrf(c.get("/sign-in")), "kind": "organisation", "organisation": t}
        ),
        lambda t: (422, None),
    ),
    "page POST /sign-in (department)": (
        lambda c, t: c.post(
            "/sign-in", data={"csrf": csrf(c.get("/sign-in")), "kind": "department", "department": t}
        ),
        lambda t: (422, None),
    ),
    "page GET /records/{department}/{source_record_id}": (
        lambda c, t: c.get(f"/records/SAMR/{t}"),
        lambda t: (404, None),
    ),
    "page GET /lists/{kind}": (lambda c, t: c.get(f"/lists/{t}"), lambda t: (404, None)),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_what_was_typed_is_never_repeated(client: TestClient, route: str) -> None:
    ask, expected = ROUTES[route]
    for typed, text in TYPED.items():
        response = ask(client, typed if "bidders" in route else text)
        status, code = expected(typed)
        assert response.status_code == status, (typed, response.text)
        if code is not None:
            assert response.json()["error"]["code"] == code, (typed, response.text)
        if "bidders" in route:
            line = response.text.splitlines()[1]
            assert line.startswith("2,,") and "subject_id: " in line, line  # the error is on its line
        for shown in {text, text.replace(" ", ""), text.replace("-", "")}:
            assert shown not in response.text, (typed, response.text)
        if code == "invalid_identifier":  # it says what was expected instead
            message = response.json()["error"]["message"]
            assert "expected a USCC (18 characters) or an LEI (20)" in message, message


@pytest.mark.parametrize("typed", sorted(TYPED.values()))
def test_a_purpose_that_is_none_is_refused_without_repeating_it(typed: str) -> None:
    """A department's purpose is one of the fixed purposes; what was typed instead is not repeated."""
    from credence.access.reads import PURPOSES, UnknownPurpose, check_purpose

    with pytest.raises(UnknownPurpose) as refused:
        check_purpose(typed)
    assert typed not in str(refused.value) and typed.replace(" ", "") not in str(refused.value)
    assert ", ".join(PURPOSES) in str(refused.value)
