"""Self-service pages behind a demo sign-in, until access control lands: an organisation's own file (every
record, its grade and reasons, notices, objections, repairs, list entries) with its forms, and a
department's inbox (objections, repairs and proposed listings by deadline) and outbox (notice delivery).

Open only in demo mode and only from 127.0.0.1 (Registry.demo_only). The sign-in is a cookie signed with
HMAC-SHA256 under a key made when the app starts, so nobody can edit it to become someone else, and every
form carries a CSRF token derived from the session. The pages call the same services as the API and CLI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import FastAPI, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from credence.api import queries
from credence.api.app import LOCAL, Registry
from credence.api.process import awaiting
from credence.api.shapes import ApiError
from credence.catalog.model import Polarity, Severity
from credence.identity import SubjectError, resolve_subject
from credence.lists import repository as lists_repo
from credence.process import notices
from credence.process import repository as process_repo
from credence.process.errors import NotFound
from credence.process.service import CORRECTABLE, interchange_row
from credence.rating.service import describe, describe_change
from credence.records import repository as records_repo
from credence.records.service import RecordNotFound, RowsRejected
from credence.records.validation import control_character_at
from credence.web import selfservice_queries as own

HERE = FilePath(__file__).parent
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
SESSION_COOKIE = "credence_demo_session"
FLASH_COOKIE = "credence_demo_flash"
SESSION_SECONDS = 12 * 3600
MAX_TEXT = 2000
UNDECIDED = {
    "objection": "objection",
    "repair": "repair application",
    "listing": "list entry",
}
NOTICE_KINDS = {
    "record": "Notice of a record",
    "reinstatement": "Notice of a reinstated record",
    "objection": "Answer to an objection",
    "repair": "Decision on a repair",
    "list_proposal": "Proposed listing",
    "list": "Decision on a listing",
    "list_warning": "Warning of escalation",
}


class Signer:
    """HMAC-SHA256 over JSON, keyed per app start; the purpose keeps one signed value from passing for
    another (a flash message for a session)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _mac(self, purpose: str, data: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\0{data}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, purpose: str, value: dict[str, str]) -> str:
        body = json.dumps({**value, "t": int(time.time())}, ensure_ascii=False, separators=(",", ":"))
        payload = base64.urlsafe_b64encode(body.encode()).rstrip(b"=").decode()
        return f"{payload}.{self._mac(purpose, payload)}"

    def load(self, purpose: str, signed: str | None, max_age: int = SESSION_SECONDS) -> dict[str, Any] | None:
        """The value, or None when it is absent, altered, signed by another app start or too old."""
        if not signed or signed.count(".") != 1:
            return None
        payload, mac = signed.split(".")
        if not hmac.compare_digest(mac.encode(), self._mac(purpose, payload).encode()):
            return None
        try:
            value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("t"), int):
            return None
        return value if 0 <= time.time() - value["t"] <= max_age else None

    def token(self, nonce: str) -> str:
        """The CSRF token of a session: only a page served with the session's cookie can carry it."""
        return self._mac("csrf", nonce)


@dataclass(frozen=True)
class Session:
    nonce: str
    kind: str = ""  # "", "organisation" or "department"
    code: str = ""
    name: str = ""

    @staticmethod
    def load(value: dict[str, Any] | None) -> Session | None:
        if value is None:
            return None
        parts = [value.get(k) for k in ("n", "k", "c", "m")]
        texts = [p for p in parts if isinstance(p, str)]
        if len(texts) != 4 or texts[1] not in ("", "organisation", "department"):
            return None
        return Session(*texts)

    def dump(self) -> dict[str, str]:
        return {"n": self.nonce, "k": self.kind, "c": self.code, "m": self.name}

    @property
    def actor(self) -> str:
        """Who acts, as the services record it."""
        if self.kind == "organisation":
            return f"organisation:{self.code}"
        return f"{self.code} (demo sign-in)"

    @property
    def home(self) -> str:
        return {"organisation": "/me", "department": "/inbox"}.get(self.kind, "/sign-in")


def nav_link(session: Session | None) -> dict[str, str]:
    if session is None or not session.kind:
        return {"text": "Sign in (demo)", "href": "/sign-in"}
    return {"text": f"{session.name} (demo)", "href": session.home}


class DemoNav:
    """Tells base.html whom the demo sign-in knows (request.state.demo_user), on pages served to
    127.0.0.1; added only in demo mode, so no other page changes."""

    def __init__(self, app: ASGIApp, signer: Signer) -> None:
        self.app = app
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(("/api/", "/static/")):
            client = scope.get("client")
            if client and client[0] in LOCAL:
                cookie = HTTPConnection(scope).cookies.get(SESSION_COOKIE)
                session = Session.load(self.signer.load("session", cookie))
                scope.setdefault("state", {})["demo_user"] = nav_link(session)
        await self.app(scope, receive, send)


@dataclass
class Visit:
    session: Session
    fresh: bool  # no valid session cookie came with the request: the response sets one
    flash: str | None


@dataclass
class Problem:
    status: int
    message: str
    details: list[str] = field(default_factory=list)


class Stop(Exception):
    """Ends a request early with this response (closed, not signed in, a forged form)."""

    def __init__(self, response: Response) -> None:
        self.response = response


class FormInvalid(ValueError):
    pass


def refusal(exc: Exception) -> Problem:
    """A refused step as the page shows it: the service's own message, with the API's status."""
    if isinstance(exc, (NotFound, RecordNotFound)):
        return Problem(404, str(exc))
    if isinstance(exc, RowsRejected):
        return Problem(
            422, "The correction was refused.", [f"{r.field}: {r.message}" for r in exc.rejections]
        )
    if isinstance(exc, FormInvalid):
        return Problem(422, str(exc))
    return Problem(409, str(exc))  # NotAllowed, IllegalTransition and the service's other ValueErrors


# NotAllowed, IllegalTransition, RowsRejected and FormInvalid are ValueErrors.
REFUSALS = (NotFound, RecordNotFound, ValueError)


def texts(**values: str | None) -> None:
    """Form text is at most MAX_TEXT characters, without control characters (line breaks aside)."""
    for name, value in values.items():
        if value is None:
            continue
        if len(value) > MAX_TEXT:
            raise FormInvalid(f"{name} is longer than {MAX_TEXT:,} characters")
        at = control_character_at(value, multiline=True)
        if at is not None:
            raise FormInvalid(f"{name} contains a control character at character {at}")


class SignInForm(BaseModel):
    csrf: str = ""
    kind: str = "organisation"
    organisation: str = ""
    example: str = ""
    department: str = ""


class ObjectionForm(BaseModel):
    csrf: str = ""
    ground: str = "content"
    statement: str = ""
    repair_id: str = ""


class RepairForm(BaseModel):
    csrf: str = ""
    evidence: str = ""
    commitment: str = ""


class TextForm(BaseModel):
    """New information on an objection, an answer to a proposed listing."""

    csrf: str = ""
    text: str = ""
    hearing: str = ""


class AnswerForm(BaseModel):
    """A department's answer to an objection; a correctable field left out of the form is unchanged."""

    csrf: str = ""
    outcome: str = ""
    reason: str = ""
    subject_name: str | None = None
    severity: str | None = None
    decided_on: str | None = None
    legal_basis: str | None = None
    status: str | None = None
    amount: str | None = None
    currency: str | None = None
    summary: str | None = None
    effective_until: str | None = None


class DecisionForm(BaseModel):
    csrf: str = ""
    outcome: str = ""
    reason: str = ""
    hearing: str = ""


class DeliveryForm(BaseModel):
    csrf: str = ""
    channel: str = ""


def add_selfservice_pages(app: FastAPI, registry: Registry) -> None:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    signer = Signer()
    catalog, engine, service = registry.catalog, registry.engine, registry.process
    if registry.settings.demo_mode:
        app.add_middleware(DemoNav, signer=signer)

    @app.exception_handler(Stop)
    async def stopped(_: Request, exc: Stop) -> Response:
        return exc.response

    # -- sessions, pages and refusals ------------------------------------------------------------------

    def closed_page(request: Request, status: int, message: str) -> HTMLResponse:
        context = {"message": message, "me": None, "closed": True}
        return templates.TemplateResponse(request, "selfservice_error.html", context, status_code=status)

    def begin(request: Request) -> Visit:
        """Every self-service request starts here: closed outside demo mode and away from 127.0.0.1."""
        try:
            registry.demo_only(request)
        except ApiError as exc:
            raise Stop(closed_page(request, exc.body.status, exc.body.message)) from None
        session = Session.load(signer.load("session", request.cookies.get(SESSION_COOKIE)))
        flash = signer.load("flash", request.cookies.get(FLASH_COOKIE), 300)
        message = flash.get("m") if flash else None
        if session is None:
            return Visit(
                Session(secrets.token_urlsafe(16)), True, message if isinstance(message, str) else None
            )
        return Visit(session, False, message if isinstance(message, str) else None)

    def finish(
        response: Response, visit: Visit, session: Session | None = None, flash: str | None = None
    ) -> Response:
        response.headers["Cache-Control"] = "no-store"  # one organisation's or department's own pages
        if session is not None or visit.fresh:
            value = signer.sign("session", (session or visit.session).dump())
            response.set_cookie(
                SESSION_COOKIE, value, max_age=SESSION_SECONDS, httponly=True, samesite="lax", path="/"
            )
        if flash:
            response.set_cookie(
                FLASH_COOKIE, signer.sign("flash", {"m": flash}), max_age=300, httponly=True, samesite="lax"
            )
        elif visit.flash:
            response.delete_cookie(FLASH_COOKIE, httponly=True, samesite="lax")
        return response

    def page(
        request: Request,
        visit: Visit,
        name: str,
        status: int = 200,
        problem: Problem | None = None,
        **context: Any,
    ) -> Response:
        context = {
            "me": visit.session,
            "csrf": signer.token(visit.session.nonce),
            "flash": visit.flash,
            "problem": problem,
            "today": registry.today(),
            **context,
        }
        status = problem.status if problem else status
        response = templates.TemplateResponse(request, name, context, status_code=status)
        return finish(response, visit)

    def redirect(visit: Visit, url: str, flash: str, session: Session | None = None) -> Response:
        return finish(RedirectResponse(url, status_code=303), visit, session, flash)

    def problem_page(request: Request, visit: Visit, status: int, message: str) -> Response:
        return page(request, visit, "selfservice_error.html", problem=Problem(status, message))

    def need(request: Request, kind: str) -> Visit:
        visit = begin(request)
        if visit.session.kind != kind:
            if not visit.session.kind:
                raise Stop(redirect(visit, "/sign-in", "Sign in first (demo sign-in)."))
            who = "an organisation" if kind == "organisation" else "a department"
            raise Stop(
                problem_page(
                    request,
                    visit,
                    403,
                    f"You are signed in as {visit.session.name} ({visit.session.code}); this page is for "
                    f"{who}. Sign out and sign in again.",
                )
            )
        return visit

    def posted(request: Request, csrf: str, kind: str | None) -> Visit:
        """A form sent back: its CSRF token must be the one of the session's cookie."""
        visit = begin(request)
        expected = signer.token(visit.session.nonce)
        if visit.fresh or not hmac.compare_digest(csrf.encode(), expected.encode()):
            raise Stop(
                problem_page(
                    request,
                    visit,
                    403,
                    "This form is out of date or was not sent from this site (its CSRF token is missing or "
                    "wrong). Reload the page and send it again.",
                )
            )
        return need(request, kind) if kind else visit

    def organisation(request: Request, visit: Visit) -> Any:
        with engine.connect() as conn:
            org = queries.by_code(conn, visit.session.code)
        if org is None:
            raise Stop(problem_page(request, visit, 404, f"no organisation {visit.session.code} any more"))
        return org

    # -- sign-in -----------------------------------------------------------------------------------------

    def sign_in_page(
        request: Request, visit: Visit, problem: Problem | None = None, code: str = ""
    ) -> Response:
        with engine.connect() as conn:
            examples = own.examples(conn)
        return page(
            request,
            visit,
            "selfservice_signin.html",
            problem=problem,
            examples=examples,
            departments=list(catalog.departments.values()),
            code=code,
        )

    @app.get("/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in(request: Request) -> Response:
        return sign_in_page(request, begin(request))

    @app.post("/sign-in", include_in_schema=False)
    def sign_in_post(request: Request, form: Annotated[SignInForm, Form()]) -> Response:
        visit = posted(request, form.csrf, None)
        nonce = secrets.token_urlsafe(16)  # a new session on every sign-in
        if form.kind == "department":
            department = catalog.departments.get(form.department.strip())
            if department is None:
                known = ", ".join(catalog.departments)
                problem = Problem(422, f"no department '{form.department.strip()}' in the catalog ({known})")
                return sign_in_page(request, visit, problem)
            session = Session(nonce, "department", department.code, department.name)
        else:
            text = (form.example or form.organisation).strip()
            try:
                subject = resolve_subject(text)
            except SubjectError as exc:
                problem = Problem(422, f"'{text}' is not a valid USCC or LEI: {exc.message}")
                return sign_in_page(request, visit, problem, text)
            with engine.connect() as conn:
                org = queries.by_code(conn, subject.code)
            if org is None:
                problem = Problem(404, f"no organisation {subject.key} in the registry")
                return sign_in_page(request, visit, problem, text)
            session = Session(nonce, "organisation", org.code, org.name)
        flash = f"Signed in as {session.name} ({session.code}) with the demo sign-in."
        return redirect(visit, session.home, flash, session)

    @app.post("/sign-out", include_in_schema=False)
    def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        visit = posted(request, csrf, None)
        return redirect(visit, "/sign-in", "Signed out.", Session(secrets.token_urlsafe(16)))

    # -- the organisation's own file -------------------------------------------------------------------

    def me_page(request: Request, visit: Visit, problem: Problem | None = None) -> Response:
        org = organisation(request, visit)
        today = registry.today()
        with engine.connect() as conn:
            rows = own.own_records(conn, org.id)
            contested = process_repo.under_objection(conn, [r.id for r in rows])
            inbox = notices.inbox(conn, org.id)
            objections = process_repo.of_organisation(conn, process_repo.objections, org.id)
            repairs = process_repo.of_organisation(conn, process_repo.repairs, org.id)
            entries = lists_repo.of_organisation(conn, org.id)
        explained = registry.rating.explain_row(org, today, with_history=False)
        names = {r.id: f"{r.department}/{r.source_record_id}" for r in rows}
        records = [
            {
                "r": r,
                "title": catalog.categories[r.category].title,
                "state": own.record_state(catalog, r, r.id in contested, today),
                "audience": own.audience(catalog, r, org.never_public),
                "until": queries.published_until(catalog, r),
            }
            for r in rows
        ]
        return page(
            request,
            visit,
            "selfservice_me.html",
            problem=problem,
            org=org,
            rating=explained.rating,
            reasons=[describe(catalog, c) for c in explained.rating.contributions],
            changes=[describe_change(catalog, c) for c in explained.changes],
            records=records,
            inbox=inbox,
            kinds=NOTICE_KINDS,
            names=names,
            objections=objections,
            repairs=repairs,
            entries=entries,
        )

    @app.get("/me", response_class=HTMLResponse, include_in_schema=False)
    def me(request: Request) -> Response:
        return me_page(request, need(request, "organisation"))

    @app.get("/me/notices/{notice_id}", response_class=HTMLResponse, include_in_schema=False)
    def my_notice(request: Request, notice_id: Id) -> Response:
        visit = need(request, "organisation")
        org = organisation(request, visit)
        with engine.connect() as conn:
            notice = notices.find(conn, notice_id)
            if notice is None or notice.organisation_id != org.id:
                return problem_page(request, visit, 404, f"no notice {notice_id} to you")
            body = service.notice_body(conn, notice)
        return page(request, visit, "selfservice_notice.html", n=body, kinds=NOTICE_KINDS)

    def record_page(
        request: Request,
        visit: Visit,
        department: str,
        source_record_id: str,
        problem: Problem | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        org = organisation(request, visit)
        today = registry.today()
        with engine.connect() as conn:
            r = own.own_record(conn, org.id, department, source_record_id)
            if r is None:
                message = f"no record '{source_record_id}' from {department} in your file"
                return problem_page(request, visit, 404, message)
            versions = records_repo.record_versions(conn, r.id)
            events = records_repo.record_events(conn, r.id)
            objections = process_repo.of_organisation(conn, process_repo.objections, org.id)
            repairs = process_repo.of_organisation(conn, process_repo.repairs, org.id)
            entry = lists_repo.of_record(conn, r.id)
            inbox = [n for n in notices.inbox(conn, org.id) if n.record_id == r.id]
        objections = [o for o in objections if o.record_id == r.id]
        repairs = [x for x in repairs if x.record_id == r.id]
        category = catalog.categories[r.category]
        severity = Severity(r.severity) if category.severity_applies and r.severity else None
        open_objection = next((o for o in objections if o.state in process_repo.OPEN_OBJECTION), None)
        return page(
            request,
            visit,
            "selfservice_record.html",
            problem=problem,
            org=org,
            r=r,
            title=category.title,
            state=own.record_state(catalog, r, open_objection is not None, today),
            audience=own.audience(catalog, r, org.never_public),
            until=queries.published_until(catalog, r),
            adverse=category.polarity is Polarity.adverse,
            repair_from=r.decided_on + timedelta(days=category.period(severity).min_days),
            needs_commitment=severity is not Severity.minor,
            versions=versions,
            events=events,
            objections=objections,
            open_objection=open_objection,
            repairs=repairs,
            open_repair=next((x for x in repairs if x.state == "applied"), None),
            refused=[x for x in repairs if x.state == "refused"],
            entry=entry,
            inbox=inbox,
            kinds=NOTICE_KINDS,
            form=form or {},
        )

    @app.get(
        "/me/records/{department}/{source_record_id}", response_class=HTMLResponse, include_in_schema=False
    )
    def my_record(request: Request, department: str, source_record_id: str) -> Response:
        return record_page(request, need(request, "organisation"), department, source_record_id)

    def own_or_stop(request: Request, visit: Visit, department: str, source_record_id: str) -> None:
        org = organisation(request, visit)
        with engine.connect() as conn:
            found = own.own_record(conn, org.id, department, source_record_id)
        if found is None:
            message = f"no record '{source_record_id}' from {department} in your file"
            raise Stop(problem_page(request, visit, 404, message))

    @app.post("/me/records/{department}/{source_record_id}/objection", include_in_schema=False)
    def object_(
        request: Request, department: str, source_record_id: str, form: Annotated[ObjectionForm, Form()]
    ) -> Response:
        visit = posted(request, form.csrf, "organisation")
        own_or_stop(request, visit, department, source_record_id)
        try:
            texts(statement=form.statement)
            chosen = form.repair_id.strip() if form.ground == "repair_decision" else ""
            if chosen and not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 9):
                raise FormInvalid(f"repair_id '{chosen}' is not a number")
            repair_id = int(chosen) if chosen else None
            row = service.object(
                department,
                source_record_id,
                ground=form.ground,
                statement=form.statement,
                filed_by=visit.session.actor,
                repair_id=repair_id,
            )
        except REFUSALS as exc:
            kept = {"ground": form.ground, "statement": form.statement}
            return record_page(request, visit, department, source_record_id, refusal(exc), kept)
        flash = (
            f"Objection {row.id} filed, free of charge. {row.department} must answer by "
            f"{row.due_on.isoformat()}; meanwhile the record shows 'under objection'."
        )
        return redirect(visit, f"/me/records/{department}/{source_record_id}", flash)

    @app.post("/me/records/{department}/{source_record_id}/repair", include_in_schema=False)
    def repair(
        request: Request, department: str, source_record_id: str, form: Annotated[RepairForm, Form()]
    ) -> Response:
        visit = posted(request, form.csrf, "organisation")
        own_or_stop(request, visit, department, source_record_id)
        try:
            texts(evidence=form.evidence, commitment=form.commitment)
            row = service.apply_repair(
                department,
                source_record_id,
                evidence=form.evidence,
                commitment=form.commitment,
                applied_by=visit.session.actor,
            )
        except REFUSALS as exc:
            kept = {"evidence": form.evidence, "commitment": form.commitment}
            return record_page(request, visit, department, source_record_id, refusal(exc), kept)
        flash = (
            f"Repair application {row.id} received, free of charge. {row.department} decides by "
            f"{row.decide_by.isoformat()}; the repair is complete by {row.complete_by.isoformat()}."
        )
        return redirect(visit, f"/me/records/{department}/{source_record_id}", flash)

    @app.post("/me/objections/{objection_id}/extension", include_in_schema=False)
    def extend(request: Request, objection_id: Id, form: Annotated[TextForm, Form()]) -> Response:
        visit = posted(request, form.csrf, "organisation")
        try:
            texts(new_information=form.text)
            row = service.extend_objection(
                objection_id, new_information=form.text, filed_by=visit.session.actor
            )
        except REFUSALS as exc:
            return me_page(request, visit, refusal(exc))
        flash = f"New information added to objection {row.id}: the answer is now due by {row.due_on}."
        return redirect(visit, "/me", flash)

    @app.post("/me/list-entries/{entry_id}/answer", include_in_schema=False)
    def answer_listing(request: Request, entry_id: Id, form: Annotated[TextForm, Form()]) -> Response:
        visit = posted(request, form.csrf, "organisation")
        try:
            texts(statement=form.text)
            registry.lists.answer(
                entry_id, statement=form.text, hearing=bool(form.hearing), filed_by=visit.session.actor
            )
        except REFUSALS as exc:
            return me_page(request, visit, refusal(exc))
        asked = " You asked for a hearing." if form.hearing else ""
        return redirect(visit, "/me", f"Your answer to the proposed listing {entry_id} is recorded.{asked}")

    # -- the department's inbox and outbox -------------------------------------------------------------

    def addressed_or_stop(request: Request, visit: Visit, kind: str, item_id: int) -> None:
        """A department sees and decides only what is addressed to it; anything else is not found."""
        with engine.connect() as conn:
            if kind == "listing":
                found = lists_repo.find(conn, item_id)
            else:
                table = process_repo.objections if kind == "objection" else process_repo.repairs
                found = process_repo.find(conn, table, item_id)
        if found is None or found.department != visit.session.code:
            raise Stop(problem_page(request, visit, 404, f"no {UNDECIDED[kind]} {item_id} for you"))

    @app.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
    def inbox(request: Request) -> Response:
        visit = need(request, "department")
        items = awaiting(service, visit.session.code)
        return page(request, visit, "selfservice_inbox.html", items=items)

    def objection_page(
        request: Request, visit: Visit, objection_id: int, problem: Problem | None = None, form: Any = None
    ) -> Response:
        with engine.connect() as conn:
            o = process_repo.find(conn, process_repo.objections, objection_id)
            if o is None or o.department != visit.session.code:
                return problem_page(request, visit, 404, f"no objection {objection_id} for you")
            r = process_repo.record(conn, o.record_id)
            org = process_repo.organisation(conn, r.organisation_id)
        current = interchange_row(r, org)
        values = {k: "" if current[k] is None else str(current[k]) for k in CORRECTABLE}
        if form is not None:
            values.update({k: getattr(form, k) for k in CORRECTABLE if getattr(form, k) is not None})
        return page(
            request,
            visit,
            "selfservice_objection.html",
            problem=problem,
            o=o,
            r=r,
            org=org,
            title=catalog.categories[r.category].title,
            values=values,
            fields=CORRECTABLE,
            outcome=form.outcome if form is not None else "",
            reason=form.reason if form is not None else "",
        )

    @app.get("/inbox/objections/{objection_id}", response_class=HTMLResponse, include_in_schema=False)
    def objection(request: Request, objection_id: Id) -> Response:
        return objection_page(request, need(request, "department"), objection_id)

    @app.post("/inbox/objections/{objection_id}/answer", include_in_schema=False)
    def answer(request: Request, objection_id: Id, form: Annotated[AnswerForm, Form()]) -> Response:
        visit = posted(request, form.csrf, "department")
        addressed_or_stop(request, visit, "objection", objection_id)
        try:
            texts(reason=form.reason, **{k: getattr(form, k) for k in CORRECTABLE})
            corrections = None
            if form.outcome == "corrected":
                corrections = corrected(objection_id, form)
            row = service.answer_objection(
                objection_id,
                department=visit.session.code,
                outcome=form.outcome,
                actor=visit.session.actor,
                reason=form.reason,
                corrections=corrections,
            )
        except REFUSALS as exc:
            return objection_page(request, visit, objection_id, refusal(exc), form)
        return redirect(
            visit, "/inbox", f"Objection {row.id} answered: {row.state}. The organisation is told."
        )

    def corrected(objection_id: int, form: AnswerForm) -> dict[str, Any] | None:
        """The fields the department changed (a correction is a new version of those only); none for an
        objection to a repair refusal, where "corrected" approves the repair."""
        with engine.connect() as conn:
            o = process_repo.find(conn, process_repo.objections, objection_id)
            if o is None:
                return None  # the service says so
            r = process_repo.record(conn, o.record_id)
            current = interchange_row(r, process_repo.organisation(conn, r.organisation_id))
        if o.ground == "repair_decision":
            return None
        changed: dict[str, Any] = {}
        for name in CORRECTABLE:
            value = getattr(form, name)
            if value is not None and value.strip() != ("" if current[name] is None else str(current[name])):
                changed[name] = value.strip() or None
        return changed

    def repair_page(
        request: Request, visit: Visit, repair_id: int, problem: Problem | None = None, form: Any = None
    ) -> Response:
        with engine.connect() as conn:
            x = process_repo.find(conn, process_repo.repairs, repair_id)
            if x is None or x.department != visit.session.code:
                return problem_page(request, visit, 404, f"no repair application {repair_id} for you")
            r = process_repo.record(conn, x.record_id)
            org = process_repo.organisation(conn, r.organisation_id)
        return page(
            request,
            visit,
            "selfservice_repair.html",
            problem=problem,
            x=x,
            r=r,
            org=org,
            title=catalog.categories[r.category].title,
            form=form or DecisionForm(),
        )

    @app.get("/inbox/repairs/{repair_id}", response_class=HTMLResponse, include_in_schema=False)
    def repair_application(request: Request, repair_id: Id) -> Response:
        return repair_page(request, need(request, "department"), repair_id)

    @app.post("/inbox/repairs/{repair_id}/decision", include_in_schema=False)
    def decide_repair(request: Request, repair_id: Id, form: Annotated[DecisionForm, Form()]) -> Response:
        visit = posted(request, form.csrf, "department")
        addressed_or_stop(request, visit, "repair", repair_id)
        try:
            texts(reason=form.reason)
            if form.outcome not in ("approve", "refuse"):
                raise FormInvalid("choose approve or refuse")
            row = service.decide_repair(
                repair_id,
                department=visit.session.code,
                approve=form.outcome == "approve",
                actor=visit.session.actor,
                reason=form.reason,
            )
        except REFUSALS as exc:
            return repair_page(request, visit, repair_id, refusal(exc), form)
        return redirect(
            visit, "/inbox", f"Repair application {row.id} {row.state}. The organisation is told."
        )

    def listing_page(
        request: Request, visit: Visit, entry_id: int, problem: Problem | None = None, form: Any = None
    ) -> Response:
        with engine.connect() as conn:
            entry = lists_repo.find(conn, entry_id)
            if entry is None or entry.department != visit.session.code:
                return problem_page(request, visit, 404, f"no list entry {entry_id} for you")
            org = process_repo.organisation(conn, entry.organisation_id)
        return page(
            request,
            visit,
            "selfservice_listing.html",
            problem=problem,
            e=entry,
            org=org,
            form=form or DecisionForm(),
        )

    @app.get("/inbox/listings/{entry_id}", response_class=HTMLResponse, include_in_schema=False)
    def listing(request: Request, entry_id: Id) -> Response:
        return listing_page(request, need(request, "department"), entry_id)

    @app.post("/inbox/listings/{entry_id}/decision", include_in_schema=False)
    def decide_listing(request: Request, entry_id: Id, form: Annotated[DecisionForm, Form()]) -> Response:
        visit = posted(request, form.csrf, "department")
        addressed_or_stop(request, visit, "listing", entry_id)
        try:
            texts(reason=form.reason, hearing=form.hearing)
            if form.outcome not in ("list", "drop"):
                raise FormInvalid("choose list or drop")
            row = registry.lists.decide(
                entry_id,
                department=visit.session.code,
                listed=form.outcome == "list",
                actor=visit.session.actor,
                reason=form.reason,
                hearing=form.hearing or None,
            )
        except REFUSALS as exc:
            return listing_page(request, visit, entry_id, refusal(exc), form)
        return redirect(visit, "/inbox", f"List entry {row.id}: {row.state}. The organisation is told.")

    def outbox_page(request: Request, visit: Visit, problem: Problem | None = None) -> Response:
        with engine.connect() as conn:
            pending = [service.notice_body(conn, n) for n in notices.outbox(conn, visit.session.code, 0, 100)]
        return page(
            request, visit, "selfservice_outbox.html", problem=problem, pending=pending, kinds=NOTICE_KINDS
        )

    @app.get("/outbox", response_class=HTMLResponse, include_in_schema=False)
    def outbox(request: Request) -> Response:
        return outbox_page(request, need(request, "department"))

    @app.post("/outbox/{notice_id}/delivery", include_in_schema=False)
    def deliver(request: Request, notice_id: Id, form: Annotated[DeliveryForm, Form()]) -> Response:
        visit = posted(request, form.csrf, "department")
        try:
            texts(channel=form.channel)
            with engine.connect() as conn:
                notice = notices.find(conn, notice_id)
            if notice is None or notice.department != visit.session.code:
                raise NotFound(f"no notice {notice_id} in your outbox")
            service.deliver_notice(notice_id, actor=visit.session.actor, channel=form.channel)
        except REFUSALS as exc:
            return outbox_page(request, visit, refusal(exc))
        return redirect(visit, "/outbox", f"Delivery of notice {notice_id} logged.")
