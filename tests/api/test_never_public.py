"""Sole proprietors (USCC prefix 92) are never public (issue 13 §3). The registry below holds one with
adverse records (public and shared), delivered notices, a grade, an abnormal-operation entry and the
measures these bring. On every public route and page of the app, enumerated from its route list, the
anonymous answer about it is the answer about a code of the same shape that the registry holds nothing
on, apart from the code itself: no name, no `known`, no grade, no record id, in checks, the bidders
CSV, search, lists, reports, the change feed, exports and errors.

A department's officer with a token and a purpose gets the full check, and the read is kept, logged
and shown to the organisation; the organisation's own token sees its own; anyone else (the operator, an
officer without a purpose) gets the public answer. `credence check` on the command line answers as the
public does, for one organisation and for a file of bidders."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from typer.testing import CliRunner

from credence.access import tokens
from credence.access.principal import Role
from credence.api.rules import rule_for
from credence.cli.main import app as cli_app
from credence.exports.files import EXTENSIONS, ExportFormat
from credence.exports.service import ExportService
from credence.identity import build_uscc
from credence.lists import repository as lists_repo
from credence.log.keys import keygen
from credence.measures.catalog import DOMAINS, load_measures
from credence.process import notices
from credence.rating import repository as rating_repo
from credence.server import create_app
from credence.store.models import AccessRead, LogEntry

from helpers import USCC_A, process_for, row, write_csv

SOLE = build_uscc("92", "530100", "WR9G5XEA")  # 92530100WR9G5XEA08: a sole proprietor in Kunming
UNKNOWN = build_uscc("92", "530100", "MA7Q3K2P")  # the same shape; the registry holds nothing on it
SOLE_NAME = "昆明佳和建材经营部（5240）"
PENALTY = "STA-2025-015998"  # the sole proprietor's public-category penalty, submitted by SAMR
ARREARS = "STA-SI-2025-0077"  # its social-insurance arrears (shared with public bodies), by MOHRSS
SECRETS = (SOLE, SOLE_NAME, "昆明佳和", PENALTY, ARREARS, "WR9G5XEA")
SECRET_KEY = "a test secret of at least thirty-two characters"


@dataclass(frozen=True)
class Subject:
    """What a call names: an organisation's code, one of its record ids, its name."""

    code: str
    record: str
    name: str
    fragment: str  # the start of its name

    def hide(self, text: str) -> str:
        marks = (
            (self.code, "<code>"),
            (self.code.lower(), "<code>"),
            (self.record, "<record>"),
            (self.name, "<name>"),
            (self.fragment, "<fragment>"),
        )
        for value, mark in marks:
            text = text.replace(value, mark).replace(quote(value), mark)  # also as a link has it
        return text


HELD = Subject(SOLE, PENALTY, SOLE_NAME, "昆明佳和")
NOT_HELD = Subject(UNKNOWN, "STA-2025-999999", "昆明某某建材经营部（0000）", "昆明某某")


@pytest.fixture
def sole(populated, service, engine, tmp_path) -> Any:
    """Organisations A and B (populated), and the sole proprietor: a serious penalty (public category)
    and arrears (shared), both noticed; an abnormal-operation entry, noticed; rated (grade D)."""
    process = process_for(service)
    penalty = row(
        PENALTY,
        subject_id=SOLE,
        subject_name=SOLE_NAME,
        severity="serious",
        decided_on="2026-06-01",
        summary="Sold building materials below standard.",
    )
    service.ingest_file(write_csv(tmp_path / "sole-samr.csv", [penalty]), "SAMR")
    arrears = row(
        ARREARS,
        subject_id=SOLE,
        subject_name=SOLE_NAME,
        category="social_insurance_arrears",
        severity=None,
        decided_on="2026-09-01",
        legal_basis="Social Insurance Law, Art. 86",
    )
    service.ingest_file(write_csv(tmp_path / "sole-mohrss.csv", [arrears]), "MOHRSS")
    for notice in pending(engine):
        process.deliver_notice(notice.id, actor="clerk", channel="registered mail")
    entry = process.lists.enter(
        "SAMR",
        SOLE,
        "unreachable",
        facts="Mail returned twice.",
        decision_ref="SAMR-AB-9",
        actor="SAMR clerk",
    )
    for notice in pending(engine):
        process.deliver_notice(notice.id, actor="clerk", channel="registered mail")
    process.rating.rate()
    # What the anonymous answers must not tell: the registry holds all of it.
    with engine.connect() as conn:
        (listed,) = lists_repo.current_of(conn, entry.organisation_id, process.today())
        assert rating_repo.rating_of(conn, entry.organisation_id).grade == "D"  # held down by the list entry
        assert {n.delivered_at is not None for n in notices.inbox(conn, entry.organisation_id)} == {True}
    return listed


def pending(engine) -> list[Any]:
    with engine.connect() as conn:
        return notices.outbox(conn, None, 0, 1000)


@pytest.fixture
def app(settings, clock, sole, tmp_path, engine, catalog) -> FastAPI:
    """Demo mode off, as a real registry runs; with the day's exports written."""
    key = tmp_path / "log-key.pem"
    keygen(key)
    secured = settings.model_copy(
        update={
            "demo_mode": False,
            "secret_key": SecretStr(SECRET_KEY),
            "log_key_path": key,
            "rate_limit": "100000/minute",
            "exports_dir": tmp_path / "exports",
        }
    )
    ExportService(engine, catalog, load_measures(catalog), clock, secured).export()
    return create_app(secured, clock)


@pytest.fixture
def web(app) -> Iterator[TestClient]:
    with TestClient(app, client=("10.0.0.8", 50000)) as client:
        yield client


@pytest.fixture
def bearer(engine, clock, sole) -> Callable[..., dict[str, str]]:
    """A token's Authorization header for a role (a department: SAMR; an organisation: the code given)."""

    def make(role: Role, organisation: str = SOLE) -> dict[str, str]:
        subject: dict[str, str] = {}
        if role is Role.DEPARTMENT:
            subject = {"department": "SAMR"}
        elif role is Role.ORGANISATION:
            subject = {"organisation_code": organisation}
        with engine.begin() as conn:
            _, text = tokens.create_token(
                conn, name=f"{role.value} system", role=role, days=30, now=clock.now(), **subject
            )
        return {"Authorization": f"Bearer {text}"}

    return make


# -- every public route and page ------------------------------------------------------------------------

Call = dict[str, Any]  # a request: method, path and what else it sends


def get(path: str, **params: Any) -> Call:
    return {"method": "GET", "path": path, "params": params}


def bidders(subject: Subject, domain: str) -> Call:
    content = f"subject_id\n{USCC_A}\n{subject.code}\n"
    return {
        "method": "POST",
        "path": "/api/v1/checks",
        "params": {"domain": domain},
        "content": content.encode(),
        "headers": {"content-type": "text/csv"},
    }


def by_name_bidders(subject: Subject, domain: str) -> Call:
    """Bidders without a code: the subject's name, and a name close to it."""
    content = f"subject_id,name,country\n{USCC_A},,\n,{subject.name},CN\n,{subject.fragment}建材经营部,cn\n"
    return {
        "method": "POST",
        "path": "/api/v1/checks",
        "params": {"domain": domain},
        "content": content.encode(),
        "headers": {"content-type": "text/csv"},
    }


def bidders_page(subject: Subject, domain: str) -> Call:
    content = f"subject_id\n{subject.code}\n{USCC_A}\n"
    return {
        "method": "POST",
        "path": "/checks/file",
        "files": {"bidders": ("bidders.csv", content.encode(), "text/csv")},
        "data": {"domain": domain},
    }


LISTS = ("serious_dishonesty", "abnormal_operation", "honour")
CHECKED = (*DOMAINS, "no_such_domain")
# Per public route: the calls that may name the subject (its code, a record id, its name), and the others.
CALLS: dict[tuple[str, str], Callable[[Subject, int], list[Call]]] = {
    ("GET", "/api/v1/health"): lambda s, n: [get("/api/v1/health")],
    ("GET", "/api/v1/organisations"): lambda s, n: [
        get("/api/v1/organisations", q=q)
        for q in (s.code, s.code.lower(), f"uscc:{s.code}", s.name, s.fragment)
    ],
    ("GET", "/api/v1/organisations/{code}"): lambda s, n: [
        get(f"/api/v1/organisations/{c}") for c in (s.code, f"uscc:{s.code}")
    ],
    ("GET", "/api/v1/organisations/{code}/records"): lambda s, n: [
        get(f"/api/v1/organisations/{s.code}/records"),
        get(f"/api/v1/organisations/{s.code}/records", purpose="enforcement"),
    ],
    ("GET", "/api/v1/organisations/{code}/history"): lambda s, n: [
        get(f"/api/v1/organisations/{s.code}/history")
    ],
    ("GET", "/api/v1/records/{department}/{source_record_id}"): lambda s, n: [
        get(f"/api/v1/records/SAMR/{s.record}")
    ],
    ("GET", "/api/v1/catalog"): lambda s, n: [get("/api/v1/catalog")],
    ("GET", "/api/v1/policy"): lambda s, n: [get("/api/v1/policy")],
    ("GET", "/api/v1/departments/figures"): lambda s, n: [get("/api/v1/departments/figures")],
    ("GET", "/api/v1/statistics"): lambda s, n: [get("/api/v1/statistics")],
    ("GET", "/api/v1/lists/{kind}"): lambda s, n: [get(f"/api/v1/lists/{k}") for k in LISTS],
    ("GET", "/api/v1/lists/{kind}/export"): lambda s, n: [
        get(f"/api/v1/lists/{k}/export", format=f) for k in LISTS for f in ("csv", "json")
    ],
    ("GET", "/api/v1/exports"): lambda s, n: [get("/api/v1/exports")],
    ("GET", "/api/v1/exports/latest/{format}"): lambda s, n: [
        get(f"/api/v1/exports/latest/{f.value}") for f in ExportFormat
    ],
    ("GET", "/api/v1/exports/files/{name}"): lambda s, n: [
        get(f"/api/v1/exports/files/credence-2026-11-25.{e}") for e in EXTENSIONS.values()
    ],
    ("GET", "/api/v1/checks"): lambda s, n: [
        *(get("/api/v1/checks", subject=c, domain=d) for c in (s.code, s.code.lower()) for d in CHECKED),
        get("/api/v1/checks", subject=s.code, domain="inspection", purpose="supervision"),  # 401, no token
    ],
    ("POST", "/api/v1/checks"): lambda s, n: [
        *(bidders(s, d) for d in CHECKED),
        *(by_name_bidders(s, d) for d in CHECKED),
    ],
    ("GET", "/api/v1/checks/by-name"): lambda s, n: [
        get("/api/v1/checks/by-name", name=q, country=c, domain=d)
        for q in (s.name, s.fragment + "建材经营部")
        for c in ("CN", "cn")
        for d in CHECKED
    ],
    ("POST", "/api/v1/match"): lambda s, n: [
        {"method": "POST", "path": "/api/v1/match", "json": body}
        for body in (
            {"names": [s.name], "country": "CN"},
            {"names": [s.name, s.fragment + "建材经营部"], "country": "cn"},
            {"names": [s.name], "country": "CN", "identifiers": {"uscc": s.code}},
            {"names": [s.name], "cutoff": 0.0, "limit": 50},
        )
    ],
    ("GET", "/api/v1/commitment-templates"): lambda s, n: [get("/api/v1/commitment-templates")],
    ("GET", "/api/v1/reports/{code}"): lambda s, n: [get("/api/v1/reports/K7QF-2M9X-4D8R-T1VW")],
    ("GET", "/api/v1/log/checkpoint"): lambda s, n: [get("/api/v1/log/checkpoint")],
    ("GET", "/api/v1/log/checkpoints"): lambda s, n: [get("/api/v1/log/checkpoints")],
    ("GET", "/api/v1/log/key"): lambda s, n: [get("/api/v1/log/key")],
    ("GET", "/api/v1/log/entries/{index}"): lambda s, n: [get(f"/api/v1/log/entries/{i}") for i in range(n)],
    ("GET", "/api/v1/log/proofs/inclusion"): lambda s, n: [
        get("/api/v1/log/proofs/inclusion", index=i, size=n) for i in range(n)
    ],
    ("GET", "/api/v1/log/proofs/consistency"): lambda s, n: [
        get("/api/v1/log/proofs/consistency", first=1, second=n)
    ],
    ("GET", "/api/v1/changes"): lambda s, n: [get("/api/v1/changes", after=-1, limit=1000)],
    ("GET", "/"): lambda s, n: [get("/", q=q) for q in (s.code, s.name, s.fragment)],
    ("GET", "/search"): lambda s, n: [get("/search", q=q) for q in (s.code, s.name, s.fragment)],
    ("GET", "/search/results"): lambda s, n: [
        get("/search/results", q=q) for q in (s.code, s.name, s.fragment)
    ],
    ("GET", "/organisations/{code}"): lambda s, n: [get(f"/organisations/{s.code}")],
    ("GET", "/organisations/{code}/report.pdf"): lambda s, n: [get(f"/organisations/{s.code}/report.pdf")],
    ("POST", "/organisations/{code}/report.pdf"): lambda s, n: [
        {"method": "POST", "path": f"/organisations/{s.code}/report.pdf", "data": {}}
    ],
    ("GET", "/records/{department}/{source_record_id}"): lambda s, n: [get(f"/records/SAMR/{s.record}")],
    ("GET", "/catalog"): lambda s, n: [get("/catalog")],
    ("GET", "/policy"): lambda s, n: [get("/policy")],
    ("GET", "/how-ratings-work"): lambda s, n: [get("/how-ratings-work")],
    ("GET", "/departments"): lambda s, n: [get("/departments")],
    ("GET", "/statistics"): lambda s, n: [get("/statistics"), get("/statistics", lang="zh")],
    ("GET", "/lists"): lambda s, n: [get("/lists")],
    ("GET", "/lists/{kind}"): lambda s, n: [get(f"/lists/{k}") for k in LISTS],
    ("GET", "/checks"): lambda s, n: [
        *(get("/checks", subject=s.code, domain=d) for d in CHECKED),
        *(get("/checks", name=s.name, country="CN", domain=d) for d in CHECKED),
    ],
    ("POST", "/checks/file"): lambda s, n: [bidders_page(s, d) for d in CHECKED],
    ("GET", "/checks/progress/{job}"): lambda s, n: [get("/checks/progress/job-0001-abcd")],  # counts only
    ("GET", "/verify"): lambda s, n: [get("/verify"), get("/verify", code="K7QF-2M9X-4D8R-T1VW")],
    ("GET", "/verify/{code}"): lambda s, n: [get("/verify/K7QF-2M9X-4D8R-T1VW")],
    ("GET", "/favicon.ico"): lambda s, n: [get("/favicon.ico")],
    ("GET", "/sign-in/password"): lambda s, n: [get("/sign-in/password")],
    ("POST", "/sign-in/password"): lambda s, n: [
        {"method": "POST", "path": "/sign-in/password", "data": {"username": s.code, "password": "x" * 12}}
    ],
    ("POST", "/sign-out"): lambda s, n: [{"method": "POST", "path": "/sign-out", "data": {}}],
}


def public_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves that the rules open to anonymous callers."""
    found = set()
    for context in iter_route_contexts(app.routes):
        for method in context.methods or ():
            rule = rule_for(method, context.path) if method != "HEAD" and context.path else None
            if rule is not None and rule.public:
                found.add((method, context.path))
    return found


def answer(client: TestClient, call: Call) -> Any:
    client.cookies.clear()
    spec = dict(call)
    return client.request(spec.pop("method"), spec.pop("path"), follow_redirects=False, **spec)


def shown(response: Any, subject: Subject, named: bool) -> tuple[Any, ...]:
    """What an answer says, with the subject replaced by marks when the call named it (a form's CSRF
    token differs per visit and is left out)."""
    text = response.content.decode("utf-8", "replace")
    text = re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', text)
    headers = " ".join(response.headers.get(h, "") for h in ("content-type", "content-disposition"))
    if named:
        text, headers = subject.hide(text), subject.hide(headers)
    return response.status_code, headers, text


def log_size(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(LogEntry)).scalar_one())


def test_every_public_answer_about_a_sole_proprietor_is_the_answer_about_an_unknown_code(
    app: FastAPI, web: TestClient, engine
) -> None:
    served = public_routes(app)
    assert served <= set(CALLS), f"public routes without a call here: {sorted(served - set(CALLS))}"
    size = log_size(engine)
    assert size > 10
    problems = []
    for route in sorted(served):
        held, not_held = CALLS[route](HELD, size), CALLS[route](NOT_HELD, size)
        assert len(held) == len(not_held)
        for one, other in zip(held, not_held, strict=True):
            named = one != other
            about_held = shown(answer(web, one), HELD, named)
            about_not_held = shown(answer(web, other), NOT_HELD, named)
            where = f"{one['method']} {one['path']} {one.get('params', '')}"
            assert about_held[0] < 500, f"{where}: {about_held}"
            if about_held != about_not_held:
                problems.append(
                    f"{where}: differs from a code the registry holds nothing on:\n"
                    f"  held:     {str(about_held)[:600]}\n  not held: {str(about_not_held)[:600]}"
                )
            leaked = [s for s in SECRETS if s in about_held[2] or s in about_held[1]]
            if leaked:
                problems.append(f"{where}: names {leaked}")
    assert not problems, "\n".join(problems)


def test_an_anonymous_check_says_nothing_of_a_sole_proprietor(web: TestClient, engine) -> None:
    """The issue's example, directly: not the name, not `known`, not the grade, not a record id."""
    before = log_size(engine)
    found = web.get("/api/v1/checks", params={"subject": SOLE, "domain": "inspection"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["organisation"] is None and body["known"] is None and body["measures"] == []
    assert body["result"] == "undisclosed"
    assert not any(s in found.text for s in (SOLE_NAME, "昆明佳和", PENALTY, ARREARS, "grade"))
    lines = web.post(
        "/api/v1/checks",
        params={"domain": "public_procurement"},
        content=f"subject_id\n{SOLE}\n".encode(),
        headers={"content-type": "text/csv"},
    ).text.splitlines()
    assert lines[1].startswith(f"2,{SOLE},,undisclosed,,,,,")
    assert log_size(engine) == before  # nobody read anything non-public


def test_an_officer_with_a_purpose_gets_the_full_check_and_the_organisation_sees_the_read(
    web: TestClient, bearer, engine
) -> None:
    samr = bearer(Role.DEPARTMENT)
    # Without a purpose, an officer sees what the public sees.
    plain = web.get("/api/v1/checks", params={"subject": SOLE, "domain": "pilot_programmes"}, headers=samr)
    assert plain.json()["result"] == "undisclosed"
    assert reads(engine) == []
    full = web.get(
        "/api/v1/checks",
        params={"subject": SOLE, "domain": "pilot_programmes", "purpose": "supervision"},
        headers=samr,
    )
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["organisation"] == {"identifier": SOLE, "name": SOLE_NAME} and body["known"] is True
    assert body["result"] == "restricted"
    (measure,) = body["measures"]
    assert measure["code"] == "pilot_programme_restriction" and measure["because"].startswith("grade D since")
    (kept,) = reads(engine)
    assert (kept.role, kept.department, kept.purpose) == ("department", "SAMR", "supervision")
    assert kept.what == f"eligibility check of uscc:{SOLE} in pilot_programmes"
    with engine.connect() as conn:
        logged = conn.execute(select(LogEntry).where(LogEntry.kind == "access.read")).all()
    assert len(logged) == 1 and not logged[0].public
    # An unknown code of the same shape, or a public organisation: nothing non-public is read, no entry.
    unknown = web.get(
        "/api/v1/checks",
        params={"subject": UNKNOWN, "domain": "inspection", "purpose": "supervision"},
        headers=samr,
    ).json()
    assert (unknown["known"], unknown["result"]) == (False, "eligible")
    public = web.get(
        "/api/v1/checks",
        params={"subject": USCC_A, "domain": "inspection", "purpose": "supervision"},
        headers=samr,
    ).json()
    assert public["known"] is True
    assert len(reads(engine)) == 1
    # A file of bidders for a purpose: the full line, and one read per sole proprietor in it.
    lines = web.post(
        "/api/v1/checks",
        params={"domain": "public_procurement", "purpose": "procurement_check"},
        content=f"subject_id\n{SOLE}\n{UNKNOWN}\n{USCC_A}\n".encode(),
        headers={"content-type": "text/csv", **samr},
    ).text.splitlines()
    assert lines[1].startswith(f"2,{SOLE},{SOLE_NAME},restricted,procurement_declaration,")
    assert lines[2].startswith(f"3,{UNKNOWN},,eligible,")
    assert [r.what for r in reads(engine)] == [
        f"eligibility check of uscc:{SOLE} in pilot_programmes",
        f"eligibility check of uscc:{SOLE} in public_procurement (a file of bidders)",
    ]
    # The organisation sees who read its file and why: through the API and on its own page.
    own = bearer(Role.ORGANISATION)
    seen = web.get(f"/api/v1/organisations/{SOLE}/reads", headers=own)
    assert seen.status_code == 200, seen.text
    assert [(r["purpose"], r["department"]) for r in seen.json()["items"]] == [
        ("procurement_check", "SAMR"),
        ("supervision", "SAMR"),
    ]
    page = web.get("/me", headers=own)
    assert page.status_code == 200 and f"eligibility check of uscc:{SOLE} in pilot_programmes" in page.text


def test_the_organisation_sees_its_own_check_and_nobody_else_is_an_officer(
    web: TestClient, bearer, engine
) -> None:
    params = {"subject": SOLE, "domain": "public_procurement"}
    own = web.get("/api/v1/checks", params=params, headers=bearer(Role.ORGANISATION)).json()
    assert own["known"] is True and own["result"] == "restricted"
    other = web.get("/api/v1/checks", params=params, headers=bearer(Role.ORGANISATION, USCC_A)).json()
    assert other["result"] == "undisclosed" and other["organisation"] is None
    operator = bearer(Role.OPERATOR)
    assert web.get("/api/v1/checks", params=params, headers=operator).json()["result"] == "undisclosed"
    refused = web.get("/api/v1/checks", params={**params, "purpose": "audit"}, headers=operator)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    anonymous = web.get("/api/v1/checks", params={**params, "purpose": "audit"})
    assert anonymous.status_code == 401
    unknown = web.get(
        "/api/v1/checks", params={**params, "purpose": "curiosity"}, headers=bearer(Role.DEPARTMENT)
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_purpose"
    assert reads(engine) == []


def reads(engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(AccessRead).order_by(AccessRead.id)))


def test_credence_check_answers_as_the_public_does(store_url, sole, tmp_path, monkeypatch) -> None:
    """The operator at the machine is not a public body reading for a purpose: `credence check` gives the
    public answer, for one organisation and for a file of bidders, the same for a sole proprietor the
    registry holds as for a code it holds nothing on."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def cli(*args: str) -> Any:
        return runner.invoke(cli_app, list(args), env={"CREDENCE_DATABASE_URL": store_url})

    said = []
    for subject in (HELD, NOT_HELD):
        one = cli("check", subject.code, "--domain", "inspection")
        as_json = cli("check", subject.code, "--domain", "inspection", "--json")
        path = tmp_path / "bidders.csv"
        path.write_text(f"subject_id\n{subject.code}\n", "utf-8")
        in_file = cli("check", "--file", str(path), "--domain", "public_procurement")
        assert one.exit_code == as_json.exit_code == in_file.exit_code == 0, one.output + in_file.output
        said.append(tuple(subject.hide(r.output) for r in (one, as_json, in_file)))
    assert said[0] == said[1]
    one, as_json, in_file = said[0]
    assert json.loads(as_json)["result"] == "undisclosed" and "undisclosed" in one
    assert in_file.splitlines()[1].startswith("2,<code>,,undisclosed,")
    assert not any(s in "".join(said[0]) for s in SECRETS)


OWN_FILE = ("inbox", "objections", "repairs", "list-entries", "commitments", "reads")


def test_a_sole_proprietor_reaches_its_own_file_and_another_learns_nothing_of_it(
    web: TestClient, bearer
) -> None:
    """Never public is not never shown to the organisation itself: its own routes answer it (they
    answered 404, as to the public). Another organisation is refused any code but its own before anything
    is looked up, so it learns nothing from the refusal either."""
    own = bearer(Role.ORGANISATION)
    for part in OWN_FILE:
        found = web.get(f"/api/v1/organisations/{SOLE}/{part}", headers=own)
        assert found.status_code == 200, (part, found.text)
    inbox = web.get(f"/api/v1/organisations/{SOLE}/inbox", headers=own).json()
    assert inbox["total"] >= 3  # the two records' notices and the listing's
    entries = web.get(f"/api/v1/organisations/{SOLE}/list-entries", headers=own).json()
    assert [e["list"] for e in entries["items"]] == ["abnormal_operation"]
    operator = bearer(Role.OPERATOR)
    assert web.get(f"/api/v1/organisations/{SOLE}/reads", headers=operator).status_code == 200
    other = bearer(Role.ORGANISATION, USCC_A)
    for part in OWN_FILE:
        held, not_held = (
            web.get(f"/api/v1/organisations/{c}/{part}", headers=other) for c in (SOLE, UNKNOWN)
        )
        assert held.status_code == not_held.status_code == 403, (part, held.text)
        assert held.text.replace(SOLE, "<code>") == not_held.text.replace(UNKNOWN, "<code>")
