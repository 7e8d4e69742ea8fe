"""A department reads an organisation's shared records for a purpose: the form on the profile page posts
here (with its CSRF token, so no other site can make a signed-in browser log a read), the read is kept and
logged (credence.access.reads), and the profile shows the shared records beside the public ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import Response

from credence.access.principal import PURPOSES
from credence.api import auth
from credence.api.app import organisation_profile
from credence.api.reads import SHARED
from credence.api.shapes import ApiError
from credence.i18n import _
from credence.web.routes import profile_context
from credence.web.selfservice.common import Pages
from credence.web.selfservice.forms import PurposeForm


def add_purpose_routes(app: FastAPI, pages: Pages) -> None:
    registry = pages.registry

    @app.post("/organisations/{code}/shared", include_in_schema=False)
    def read_shared(request: Request, code: str, form: Annotated[PurposeForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "department")
        try:
            profile, org = organisation_profile(registry, code)
        except ApiError as exc:
            return pages.problem_page(request, visit, exc.body.status, exc.body.message)
        context = profile_context(registry, profile, org)
        chosen = form.purpose.strip()
        if chosen not in PURPOSES:
            message = _(  # what was typed is not repeated
                "purpose: this is not a purpose; choose one of %(known)s", known=", ".join(PURPOSES)
            )
            return pages.page(
                request,
                visit,
                "profile.html",
                status=422,
                purpose_problem=message,
                purposes=PURPOSES,
                **context,
            )
        what = f"profile page of {org.key}: public and shared records"
        registry.reads.record(auth.principal_of(request), org.id, chosen, what)
        context = profile_context(registry, profile, org, SHARED)
        return pages.page(
            request, visit, "profile.html", purposes=PURPOSES, purpose=chosen, purpose_read=True, **context
        )
