"""Signing in and out. The password sign-in (every mode): argon2 through credence.access.accounts, a new
session cookie (HttpOnly, SameSite=Lax, Secure over https, expiring with the session), attempts limited
per user name and per address, and one answer for every failure, so it tells nobody which user names
exist. The demo sign-in (demo mode only, from 127.0.0.1): as an organisation (by USCC or LEI, or one of
a few examples) or as a department of the catalog, with no password."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from credence.access import accounts
from credence.api import auth, queries
from credence.api.hardening import TooManyRequests
from credence.i18n import N_, _
from credence.identity import SubjectError, not_an_identifier, resolve_subject
from credence.web.selfservice import queries as own
from credence.web.selfservice.common import Pages, Problem, Visit
from credence.web.selfservice.forms import PasswordForm, SignInForm
from credence.web.selfservice.session import Session

WRONG = N_("User name or password is wrong.")
MAX_USERNAME = 100
MAX_PASSWORD = 1000


def add_sign_in_routes(app: FastAPI, pages: Pages, access: auth.Access) -> None:
    registry = pages.registry
    if registry.settings.demo_mode:
        add_demo_sign_in(app, pages)

    def password_page(
        request: Request, visit: Visit, problem: Problem | None = None, username: str = ""
    ) -> Response:
        demo = registry.settings.demo_mode
        return pages.page(
            request,
            visit,
            "signin_password.html",
            problem=problem,
            username=username,
            demo=demo,
            hours=registry.settings.session_hours,
        )

    @app.get("/sign-in/password", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_password(request: Request) -> Response:
        return password_page(request, pages.begin(request))

    @app.post("/sign-in/password", include_in_schema=False)
    def sign_in_password_post(request: Request, form: Annotated[PasswordForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, None)
        username = form.username.strip()[:MAX_USERNAME]
        address = request.client.host if request.client else "unknown"
        try:
            access.sign_ins.check(N_("to sign in with this user name"), "user", username.casefold())
            access.sign_ins.check(N_("to sign in from this address"), "address", address)
        except TooManyRequests as exc:
            page = password_page(request, visit, Problem(429, exc.body.message), username)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        if not username or not form.password or len(form.password) > MAX_PASSWORD:
            return password_page(request, visit, Problem(401, _(WRONG)), username)
        now = registry.clock.now()
        with registry.engine.begin() as conn:
            found = accounts.check_password(conn, username, form.password, now)
            if found is None:
                return password_page(request, visit, Problem(401, _(WRONG)), username)
            account_id, principal = found
            cookie = accounts.start_session(conn, account_id, now, registry.settings.session_hours)
        home = Session("", principal.role.value, via=principal.via).home
        response = pages.redirect(visit, home, _("Signed in as %(name)s.", name=username))
        response.set_cookie(
            auth.SIGN_IN_COOKIE,
            cookie,
            max_age=registry.settings.session_hours * 3600,
            expires=registry.settings.session_hours * 3600,  # for browsers that read Expires only
            httponly=True,
            samesite="lax",
            secure=visit.https,
            path="/",
        )
        return response

    @app.post("/sign-out", include_in_schema=False)
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        visit = pages.posted(request, csrf, None)
        cookie = request.cookies.get(auth.SIGN_IN_COOKIE)
        if cookie:
            with registry.engine.begin() as conn:
                accounts.end_session(conn, cookie, registry.clock.now())
        where = "/sign-in" if registry.settings.demo_mode else "/sign-in/password"
        response = pages.redirect(visit, where, _("Signed out."), Session(secrets.token_urlsafe(16)))
        response.delete_cookie(auth.SIGN_IN_COOKIE, httponly=True, samesite="lax", secure=visit.https)
        return response


def add_demo_sign_in(app: FastAPI, pages: Pages) -> None:
    catalog, engine = pages.catalog, pages.engine

    def sign_in_page(
        request: Request, visit: Visit, problem: Problem | None = None, code: str = ""
    ) -> Response:
        with engine.connect() as conn:
            examples = own.examples(conn)
        return pages.page(
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
        pages.demo_gate(request)
        return sign_in_page(request, pages.begin(request))

    @app.post("/sign-in", include_in_schema=False)
    def sign_in_post(request: Request, form: Annotated[SignInForm, Form()]) -> Response:
        pages.demo_gate(request)
        visit = pages.posted(request, form.csrf, None)
        nonce = secrets.token_urlsafe(16)  # a new session on every sign-in
        if form.kind == "department":
            department = catalog.departments.get(form.department.strip())
            if department is None:
                known = ", ".join(catalog.departments)
                # what was typed is not repeated: it may be a person's data
                problem = Problem(
                    422,
                    _("department: no such department in the catalog; choose one of %(known)s", known=known),
                )
                return sign_in_page(request, visit, problem)
            session = Session(nonce, "department", department.code, department.name)
        else:
            text = (form.example or form.organisation).strip()
            try:
                subject = resolve_subject(text)
            except SubjectError as exc:  # neither repeated nor put back in the form (a person's number?)
                return sign_in_page(request, visit, Problem(422, not_an_identifier(exc)))
            with engine.connect() as conn:
                org = queries.by_code(conn, subject.code)
            if org is None:
                problem = Problem(404, _("no organisation %(key)s in the registry", key=subject.key))
                return sign_in_page(request, visit, problem, text)
            session = Session(nonce, "organisation", org.code, org.name)
        flash = _(
            "Signed in as %(name)s (%(code)s) with the demo sign-in.", name=session.name, code=session.code
        )
        return pages.redirect(visit, session.home, flash, session)
