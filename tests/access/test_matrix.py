"""The authorisation matrix: every API route and web page of the app, called by every role (anonymous; an
organisation's, a department's, the operator's and the auditor's token; and each of their password
sign-ins on the pages), with demo mode off, is allowed or refused exactly as credence.api.rules says:
allowed is any answer but 401 and 403; refused is 401 for anonymous and 403 for the others. A route
without a rule fails the matrix (and is refused to everyone).

The calls are valid (the organisation acts for itself, the department as SAMR), so an allowed call that
answers 401 or 403 is an error of the table or of a route's own checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from credence.access.principal import Role
from credence.api.auth import SIGN_IN_COOKIE, VISIT_COOKIE
from credence.api.rules import RULES, UNGUARDED, rule_for

from .access_support import PASSWORD, Credential, sign_in
from helpers import USCC_A, row

ORG = f"organisation:{USCC_A}"
RECORD = "XZCF-2026-0001"  # organisation A's, submitted by SAMR
CLERK = "SAMR clerk"


@dataclass(frozen=True)
class Who:
    """One caller of the matrix."""

    name: str
    role: Role  # what the rules see: a password sign-in counts as anonymous on the API
    headers: dict[str, str] = field(default_factory=dict)
    cookie: str = ""  # a password sign-in's session cookie

    @property
    def filer(self) -> str:
        return "department:SAMR" if self.role is Role.DEPARTMENT else ORG

    def on(self, path: str) -> Role:
        return Role.PUBLIC if self.cookie and path.startswith("/api/") else self.role


def body(**values: Any) -> dict[str, Any]:
    return {"json": values}


def form(**values: str) -> dict[str, Any]:
    return {"form": values}


# Per route, what a valid call sends besides its path (a Who decides who files and acts).
CALLS: dict[tuple[str, str], Callable[[Who], dict[str, Any]]] = {
    ("GET", "/api/v1/organisations"): lambda w: {"params": {"q": "北京"}},
    ("GET", "/api/v1/checks"): lambda w: {"params": {"subject": USCC_A, "domain": "public_procurement"}},
    ("POST", "/api/v1/checks"): lambda w: {
        "params": {"domain": "public_procurement"},
        "content": f"subject_id\n{USCC_A}\n",
        "headers": {"content-type": "text/csv"},
    },
    ("GET", "/api/v1/log/proofs/inclusion"): lambda w: {"params": {"index": 0, "size": 1}},
    ("GET", "/api/v1/log/proofs/consistency"): lambda w: {"params": {"first": 0, "second": 0}},
    ("POST", "/api/v1/changes/ack"): lambda w: body(consumer=f"{w.role.value} system", index=0),
    ("POST", "/api/v1/objections"): lambda w: body(
        department="SAMR", source_record_id=RECORD, ground="content", statement="Not so.", filed_by=w.filer
    ),
    ("POST", "/api/v1/objections/{objection_id}/extension"): lambda w: body(
        new_information="A lab report.", filed_by=w.filer
    ),
    ("POST", "/api/v1/repairs"): lambda w: body(
        department="SAMR",
        source_record_id=RECORD,
        evidence="Paid.",
        commitment="We comply.",
        applied_by=w.filer,
    ),
    ("POST", "/api/v1/list-entries/{entry_id}/answer"): lambda w: body(statement="No.", filed_by=w.filer),
    ("POST", "/api/v1/commitments"): lambda w: body(
        organisation=USCC_A, template="licence_conditions", department="SAMR", made_by=w.filer
    ),
    ("POST", "/api/v1/records"): lambda w: {"params": {"department": "SAMR"}, "json": [row(90)]},
    ("GET", "/api/v1/outbox"): lambda w: {"params": {"department": "SAMR"}},
    ("POST", "/api/v1/notices/{notice_id}/delivery"): lambda w: body(actor=CLERK, channel="in person"),
    ("POST", "/api/v1/objections/{objection_id}/answer"): lambda w: body(
        department="SAMR", outcome="upheld", actor=CLERK, reason="Checked."
    ),
    ("POST", "/api/v1/repairs/{repair_id}/decision"): lambda w: body(
        department="SAMR", approve=False, actor=CLERK, reason="Not yet."
    ),
    ("POST", "/api/v1/lists/{kind}/entries"): lambda w: body(
        department="SAMR", subject=USCC_A, criterion="contract_abiding", facts="Kept them.", actor=CLERK
    ),
    ("POST", "/api/v1/list-entries/{entry_id}/decision"): lambda w: body(
        department="SAMR", outcome="drop", actor=CLERK, reason="Dropped."
    ),
    ("POST", "/api/v1/list-entries/{entry_id}/cure"): lambda w: body(
        department="SAMR", actor=CLERK, reason="Cured."
    ),
    ("POST", "/api/v1/list-entries/{entry_id}/revocation"): lambda w: body(
        department="SAMR", actor=CLERK, reason="Revoked."
    ),
    ("POST", "/api/v1/commitments/{commitment_id}/outcome"): lambda w: body(
        department="SAMR", kept=True, actor=CLERK, reason="Kept."
    ),
    ("POST", "/api/v1/links"): lambda w: body(
        department="SAMR",
        left=USCC_A,
        right="91440300192203821X",
        judgement="not_same",
        actor=CLERK,
        reason="Checked.",
    ),
    ("GET", "/search"): lambda w: {"params": {"q": "北京"}},
    ("GET", "/search/results"): lambda w: {"params": {"q": "北京"}},
    ("POST", "/checks/file"): lambda w: {
        "files": {"bidders": ("bidders.csv", f"subject_id\n{USCC_A}\n".encode(), "text/csv")},
        "data": {"domain": "public_procurement"},
    },
    ("POST", "/sign-in/password"): lambda w: form(username="organisation.user", password=PASSWORD),
    ("POST", "/sign-out"): lambda w: form(),
    ("POST", "/organisations/{code}/shared"): lambda w: form(purpose="enforcement"),
    ("POST", "/me/records/{department}/{source_record_id}/objection"): lambda w: form(
        ground="content", statement="Not so."
    ),
    ("POST", "/me/records/{department}/{source_record_id}/repair"): lambda w: form(
        evidence="Paid.", commitment="We comply."
    ),
    ("POST", "/me/objections/{objection_id}/extension"): lambda w: form(text="A lab report."),
    ("POST", "/me/list-entries/{entry_id}/answer"): lambda w: form(text="No."),
    ("POST", "/inbox/objections/{objection_id}/answer"): lambda w: form(outcome="upheld", reason="Checked."),
    ("POST", "/inbox/repairs/{repair_id}/decision"): lambda w: form(outcome="refuse", reason="Not yet."),
    ("POST", "/inbox/listings/{entry_id}/decision"): lambda w: form(outcome="drop", reason="Dropped."),
    ("POST", "/outbox/{notice_id}/delivery"): lambda w: form(channel="in person"),
    ("POST", "/outbox/deliveries"): lambda w: form(channel="in person", notice="1"),
    ("POST", "/review/{link_id}"): lambda w: form(judgement="unsure", reason="Checked."),
}
PATH_VALUES = {
    "code": USCC_A,
    "department": "SAMR",
    "source_record_id": RECORD,
    "kind": "honour",
    "index": "0",
    "objection_id": "1",
    "repair_id": "1",
    "entry_id": "1",
    "notice_id": "1",
    "commitment_id": "1",
    "link_id": "1",
    "format": "csv",
    "name": "credence-2026-11-25.csv",
    "job": "0123456789abcdef",
}
LAST = ("POST", "/sign-out")  # it ends the caller's sign-in


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app serves, HEAD aside (it is GET's)."""
    found = set()
    for context in iter_route_contexts(app.routes):
        for method in context.methods or ("GET",):  # a mount (/static) has no methods of its own
            if method != "HEAD" and context.path:
                found.add((method, context.path))
    return sorted(found, key=lambda key: (key == LAST, key[1], key[0]))


def unguarded(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in UNGUARDED)


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


class Caller:
    """Calls a route as one Who: its token or its session cookie, and on forms the CSRF token of its
    sign-in (or, anonymous, of a visit cookie), as a browser would send them."""

    def __init__(self, client: TestClient, who: Who) -> None:
        self.client, self.who = client, who

    def call(self, method: str, path: str) -> int:
        spec = CALLS.get((method, path), lambda w: {})(self.who)
        headers = {**self.who.headers, **spec.pop("headers", {})}
        cookies = {SIGN_IN_COOKIE: self.who.cookie} if self.who.cookie else {}
        if "form" in spec:
            csrf, visit = self.csrf(cookies)
            if visit:
                cookies[VISIT_COOKIE] = visit
            spec["data"] = {"csrf": csrf, **spec.pop("form")}
        if cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.client.cookies.clear()
        response = self.client.request(
            method, concrete(path), headers=headers, follow_redirects=False, **spec
        )
        assert response.status_code < 500, f"{self.who.name}: {method} {path}: {response.text[:500]}"
        return response.status_code

    def csrf(self, cookies: dict[str, str]) -> tuple[str, str | None]:
        self.client.cookies.clear()
        headers = dict(self.who.headers)
        if cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        page = self.client.get("/sign-in/password", headers=headers)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, f"{self.who.name}: no CSRF token on /sign-in/password"
        return found.group(1), page.cookies.get(VISIT_COOKIE)


def callers(client: TestClient, credentials: dict[Role, Credential]) -> list[Who]:
    found = [Who("anonymous", Role.PUBLIC)]
    for role, credential in credentials.items():
        found.append(Who(f"{role.value} token", role, credential.bearer))
    for role, credential in credentials.items():
        cookie = sign_in(client, credential.username)
        found.append(Who(f"{role.value} sign-in", role, cookie=cookie))
    return found


def matrix_problems(app: FastAPI, client: TestClient, who: list[Who]) -> list[str]:
    """Every way the app differs from the rules: a route without a rule, or a call allowed or refused
    against its rule."""
    problems = []
    for method, path in routes(app):
        if unguarded(path):
            continue
        rule = rule_for(method, path)
        if rule is None:
            problems.append(f"{method} {path}: no rule in credence.api.rules")
            continue
        for caller in who:
            role = caller.on(path)
            status = Caller(client, caller).call(method, path)
            if rule.admits(role):
                if status in (401, 403):
                    problems.append(f"{method} {path}: {caller.name} refused ({status}), the rule allows")
            else:
                expected = 401 if role is Role.PUBLIC else 403
                if status != expected:
                    problems.append(
                        f"{method} {path}: {caller.name} got {status}, the rule refuses ({expected})"
                    )
    return problems


@pytest.fixture
def seeded(process, engine):
    """An objection to A's record at SAMR, so the steps on objection 1 reach the service."""
    process.object("SAMR", RECORD, ground="content", statement="Not so.", filed_by=ORG)


def test_every_route_and_page_is_allowed_or_refused_as_the_rules_say(
    secured_app: FastAPI, secured: TestClient, credentials, seeded
) -> None:
    problems = matrix_problems(secured_app, secured, callers(secured, credentials))
    assert not problems, "\n".join(problems)


def test_the_matrix_covers_every_rule_and_every_role(secured_app: FastAPI) -> None:
    served = set(routes(secured_app))
    demo_only = {("GET", "/sign-in"), ("POST", "/sign-in")}  # the demo sign-in exists only in demo mode
    assert set(RULES) - served == demo_only, "a rule names a route the app does not serve"
    roles = {role for rule in RULES.values() for role in rule.roles}
    assert roles == set(Role)
    assert {path for _, path in served if unguarded(path)} == {"/openapi.json", "/static"}


def test_a_route_without_a_rule_fails_the_matrix_and_is_refused_to_everyone(
    secured_app: FastAPI, secured: TestClient, credentials
) -> None:
    @secured_app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "everything"}

    problems = matrix_problems(secured_app, secured, callers(secured, credentials))
    assert problems == ["GET /api/v1/forgotten: no rule in credence.api.rules"]
    for credential in credentials.values():
        refused = secured.get("/api/v1/forgotten", headers=credential.bearer)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_rule"
        assert "everything" not in refused.text
    assert secured.get("/api/v1/forgotten").status_code == 403


def test_a_password_sign_in_is_no_credential_for_the_api(secured: TestClient, credentials) -> None:
    """The API reads tokens only: a signed-in browser cannot be made to call it by another site."""
    cookie = sign_in(secured, credentials[Role.ORGANISATION].username)
    headers = {"cookie": f"{SIGN_IN_COOKIE}={cookie}"}
    assert secured.get("/me", headers=headers).status_code == 200
    refused = secured.get(f"/api/v1/organisations/{USCC_A}/inbox", headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
