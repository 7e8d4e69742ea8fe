"""What every self-service page shares: the visit (session and flash), refusals as the page shows them,
checks of form text, and Pages, which opens, renders and closes each request (cookies, CSRF, redirects).

Who the visit is for comes from the request's principal (credence.api.auth): a password sign-in or a
token; in demo mode, the demo sign-in held in the visit cookie. Every form carries a CSRF token keyed on
the credentials (the sign-in's session) or, before signing in, on the visit cookie's nonce."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from credence.access.principal import Principal, Role
from credence.api import auth
from credence.api import queries as api_queries
from credence.api.app import Registry
from credence.api.shapes import ApiError
from credence.i18n import N_, _, format_number
from credence.process.errors import NotFound
from credence.process.machine import STATES
from credence.records.service import RecordNotFound, RowsRejected
from credence.records.validation import control_character_at
from credence.web.selfservice.session import FLASH_COOKIE, SESSION_COOKIE, SESSION_SECONDS, Session
from credence.web.templating import templates as shared_templates

TEMPLATES = FilePath(__file__).parents[1] / "templates"
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_TEXT = 2000
# What each kind of notice is called (English, translated where shown).
NOTICE_KINDS = {
    "record": N_("Notice of a record"),
    "reinstatement": N_("Notice of a reinstated record"),
    "withdrawal": N_("Notice of a record withdrawn by the audit of grounds"),
    "objection": N_("Answer to an objection"),
    "repair": N_("Decision on a repair"),
    "list_proposal": N_("Proposed listing"),
    "list": N_("Decision on a listing"),
    "list_warning": N_("Warning of escalation"),
    "link": N_("Notice of listings joined to your file, or split from it"),
}
# The grounds of an objection and the roles of whom a page is for, as the pages name them.
GROUNDS = {
    "content": N_("content is wrong"),
    "period": N_("publication period is wrong"),
    "repair_decision": N_("refusal of a repair"),
    "not_us": N_("not about us"),
}
# Where an objection, a repair application or a list entry stands: the procedures' own names for their
# states (credence.process.machine), translated where shown.
STEPS = STATES
ROLES = {
    "organisation": N_("organisation %(code)s"),
    "department": N_("department %(code)s"),
    "operator": N_("operator %(code)s"),
    "auditor": N_("auditor %(code)s"),
}


@dataclass
class Visit:
    session: Session
    fresh: bool  # no valid visit cookie came with the request: the response sets one
    flash: str | None
    https: bool = False  # cookies are then Secure


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
            422, _("The correction was refused."), [f"{r.field}: {r.message}" for r in exc.rejections]
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
            raise FormInvalid(
                _("%(field)s is longer than %(n)s characters", field=name, n=format_number(MAX_TEXT))
            )
        at = control_character_at(value, multiline=True)
        if at is not None:
            raise FormInvalid(
                _("%(field)s contains a control character at character %(at)s", field=name, at=at)
            )


def iso_day(text: str | None) -> date | None:
    """A date written in ISO (as a notice's body has it, for the API), to be shown for reading."""
    return date.fromisoformat(text[:10]) if text else None


class Pages:
    """The registry, the templates and the signer of one app, with the steps every request takes."""

    def __init__(self, registry: Registry, access: auth.Access) -> None:
        self.registry = registry
        self.templates = shared_templates()
        self.signer = access.signer
        self.catalog, self.engine, self.service = registry.catalog, registry.engine, registry.process

    def closed_page(self, request: Request, status: int, message: str) -> HTMLResponse:
        context = {"message": message, "me": None, "closed": True}
        return self.templates.TemplateResponse(request, "selfservice_error.html", context, status_code=status)

    def demo_gate(self, request: Request) -> None:
        """The demo sign-in's pages: open only in demo mode, from 127.0.0.1."""
        try:
            self.registry.demo_only(request)
        except ApiError as exc:
            raise Stop(self.closed_page(request, exc.body.status, exc.body.message)) from None

    def begin(self, request: Request) -> Visit:
        """Every self-service request starts here: whom the page is for, and the flash message."""
        flash = self.signer.load("flash", request.cookies.get(FLASH_COOKIE), 300)
        message = flash.get("m") if flash else None
        shown = message if isinstance(message, str) else None
        principal = auth.principal_of(request)
        nonce = getattr(request.state, "nonce", None)
        https = request.url.scheme == "https"
        if auth.credentialed(principal) and nonce:
            return Visit(self.signed_in(principal, nonce), False, shown, https)
        session = Session.load(getattr(request.state, "visit", None))
        if session is None:
            return Visit(Session(secrets.token_urlsafe(16)), True, shown, https)
        if principal.via != auth.DEMO_SIGN_IN:  # the demo sign-in counts only where auth says it does
            session = Session(session.nonce)
        return Visit(session, False, shown, https)

    def signed_in(self, principal: Principal, nonce: str) -> Session:
        """The session of a principal signed in with a password or a token."""
        if principal.role is Role.ORGANISATION:
            code = str(principal.organisation_code)
            with self.engine.connect() as conn:
                org = api_queries.by_code(conn, code)
            name = org.name if org is not None else code
        elif principal.role is Role.DEPARTMENT:
            code = str(principal.department)
            department = self.catalog.departments.get(code)
            name = department.name if department is not None else code
        else:
            code, name = "", principal.via.removeprefix("account ")
        return Session(nonce, principal.role.value, code, name, principal.via)

    def finish(
        self, response: Response, visit: Visit, session: Session | None = None, flash: str | None = None
    ) -> Response:
        response.headers["Cache-Control"] = "no-store"  # one organisation's or department's own pages
        if (session is not None or visit.fresh) and (session or visit.session).in_cookie:
            value = self.signer.sign("session", (session or visit.session).dump())
            response.set_cookie(
                SESSION_COOKIE,
                value,
                max_age=SESSION_SECONDS,
                httponly=True,
                samesite="lax",
                path="/",
                secure=visit.https,
            )
        if flash:
            response.set_cookie(
                FLASH_COOKIE,
                self.signer.sign("flash", {"m": flash}),
                max_age=300,
                httponly=True,
                samesite="lax",
                secure=visit.https,
            )
        elif visit.flash:
            response.delete_cookie(FLASH_COOKIE, httponly=True, samesite="lax")
        return response

    def page(
        self,
        request: Request,
        visit: Visit,
        name: str,
        status: int = 200,
        problem: Problem | None = None,
        **context: Any,
    ) -> Response:
        context = {
            "me": visit.session,
            "csrf": self.signer.token(visit.session.nonce),
            "flash": visit.flash,
            "problem": problem,
            "today": self.registry.today(),
            "demo_mode": self.registry.settings.demo_mode,
            "roles": ROLES,
            "iso_day": iso_day,
            "grounds": GROUNDS,
            "steps": STEPS,
            **context,
        }
        status = problem.status if problem else status
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        return self.finish(response, visit)

    def redirect(self, visit: Visit, url: str, flash: str, session: Session | None = None) -> Response:
        return self.finish(RedirectResponse(url, status_code=303), visit, session, flash)

    def problem_page(self, request: Request, visit: Visit, status: int, message: str) -> Response:
        return self.page(request, visit, "selfservice_error.html", problem=Problem(status, message))

    def need(self, request: Request, kind: str) -> Visit:
        visit = self.begin(request)
        if visit.session.kind != kind:
            if not visit.session.kind:
                if self.registry.settings.demo_mode:
                    raise Stop(self.redirect(visit, "/sign-in", _("Sign in first (demo sign-in).")))
                raise Stop(self.redirect(visit, "/sign-in/password", _("Sign in first.")))
            if kind == "organisation":
                message = _(
                    "You are signed in as %(name)s (%(code)s); this page is for an organisation. Sign out "
                    "and sign in again.",
                    name=visit.session.name,
                    code=visit.session.code,
                )
            else:
                message = _(
                    "You are signed in as %(name)s (%(code)s); this page is for a department. Sign out "
                    "and sign in again.",
                    name=visit.session.name,
                    code=visit.session.code,
                )
            raise Stop(self.problem_page(request, visit, 403, message))
        return visit

    def posted(self, request: Request, csrf: str, kind: str | None) -> Visit:
        """A form sent back: its CSRF token must be the one of the session's cookie."""
        visit = self.begin(request)
        if visit.fresh or not self.signer.token_matches(visit.session.nonce, csrf):
            raise Stop(
                self.problem_page(
                    request,
                    visit,
                    403,
                    _(
                        "This form is out of date or was not sent from this site (its CSRF token is "
                        "missing or wrong). Reload the page and send it again."
                    ),
                )
            )
        return self.need(request, kind) if kind else visit
