"""The demo sign-in and sign-out: as an organisation (by USCC or LEI, or one of a few examples) or as a
department of the catalog."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from credence.api import queries
from credence.identity import SubjectError, resolve_subject
from credence.web.selfservice import queries as own
from credence.web.selfservice.common import Pages, Problem, Visit
from credence.web.selfservice.forms import SignInForm
from credence.web.selfservice.session import Session


def add_sign_in_routes(app: FastAPI, pages: Pages) -> None:
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
        return sign_in_page(request, pages.begin(request))

    @app.post("/sign-in", include_in_schema=False)
    def sign_in_post(request: Request, form: Annotated[SignInForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, None)
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
        return pages.redirect(visit, session.home, flash, session)

    @app.post("/sign-out", include_in_schema=False)
    def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        visit = pages.posted(request, csrf, None)
        return pages.redirect(visit, "/sign-in", "Signed out.", Session(secrets.token_urlsafe(16)))
