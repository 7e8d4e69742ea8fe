"""Who a request acts as, and whether the rules let it: the one dependency every route runs first.

A request carries an API token (`Authorization: Bearer cred_…`), or, on the web pages, the cookie of a
password sign-in; in demo mode only, a browser on 127.0.0.1 may carry the demo sign-in's cookie, and a
request from 127.0.0.1 without any of these acts as the demo principal, which the rules let through and
which acts as its body says (as before access control). Anything else is anonymous. A token that is not
right is 401, never anonymous: a client whose token expired must learn so, not see less.

The API reads tokens only, never cookies, so no other site can make a signed-in browser call it.

The routes narrow further with the helpers below: an organisation touches only its own file, a department
acts only as itself, and a body's `department`, `filed_by` or `actor` must agree with the principal (403
naming the field).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

import itsdangerous
from fastapi import FastAPI, Request
from fastapi.responses import Response
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from credence.access import accounts, tokens
from credence.access.principal import ANONYMOUS, Principal, Role
from credence.api.hardening import RateLimit, TooManyRequests
from credence.api.rules import rule_for
from credence.api.shapes import ApiError, error_response
from credence.i18n import N_, _
from credence.store.models import ApiToken

if TYPE_CHECKING:
    from credence.api.app import Registry

LOCAL = frozenset({"127.0.0.1", "::1"})
SIGN_IN_COOKIE = "credence_session"  # the password sign-in's session (credence.access.accounts)
VISIT_COOKIE = "credence_visit"  # signed: a visitor's CSRF nonce and, in demo mode, the demo sign-in
DEMO_SIGN_IN = "demo sign-in"
DEMO = Principal(Role.PUBLIC, via="demo mode, 127.0.0.1")
SESSION_SECONDS = 12 * 3600  # the demo sign-in's cookie
FROM_ADDRESS = N_("from this address")  # whom a rate limit counts, in its 429 (translated there)
HOMES = {"organisation": "/me", "department": "/inbox", "operator": "/operator/consumers"}


class Denied(ApiError):
    """401 (who are you?) or 403 (not you): JSON on the API, a page on the web."""


class Signer:
    """Signed, timed values for cookies and forms under the server's secret (CREDENCE_SECRET_KEY; a demo
    server without one makes a key per start), by itsdangerous: HMAC-SHA256 over the value's JSON and its
    time. The purpose is itsdangerous's salt, so one signed value cannot pass for another (a flash message
    for a session)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self._serializers: dict[str, URLSafeTimedSerializer] = {}
        self._csrf = itsdangerous.Signer(self._key, salt="csrf", digest_method=hashlib.sha256)

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        found = self._serializers.get(purpose)
        if found is None:
            found = self._serializers[purpose] = URLSafeTimedSerializer(
                self._key, salt=purpose, signer_kwargs={"digest_method": hashlib.sha256}
            )
        return found

    def sign(self, purpose: str, value: dict[str, str]) -> str:
        return self._serializer(purpose).dumps(value)

    def load(self, purpose: str, signed: str | None, max_age: int = SESSION_SECONDS) -> dict[str, Any] | None:
        """The value, or None when it is absent, altered, signed under another key or too old."""
        if not signed:
            return None
        try:
            value = self._serializer(purpose).loads(signed, max_age=max_age)
        except itsdangerous.BadData:
            return None
        return value if isinstance(value, dict) else None

    def token(self, nonce: str) -> str:
        """The CSRF token of a session: only a page served with the session's cookie can carry it."""
        return self._csrf.get_signature(nonce).decode()

    def token_matches(self, nonce: str, token: str) -> bool:
        """Whether a form's CSRF token is the session's (compared in constant time)."""
        return self._csrf.verify_signature(nonce, token)


class Access:
    """One app's access control: the signer of its cookies and forms, and its rate limits."""

    def __init__(self, registry: Registry) -> None:
        settings = registry.settings
        self.registry = registry
        self.demo = settings.demo_mode
        secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
        self.signer = Signer(
            hashlib.sha256(b"credence cookies\0" + secret.encode()).digest() if secret else None
        )
        self.requests = RateLimit(settings.rate_limit)
        self.sign_ins = RateLimit(settings.sign_in_rate_limit)

    def resolve(self, request: Request) -> Principal:
        """The request's principal; sets request.state.nonce (the CSRF nonce of its credentials or visit)
        and request.state.visit (the signed visit cookie's value, when valid)."""
        state = request.state
        state.nonce, state.visit = None, None
        now = self.registry.clock.now()
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _sep, text = header.strip().partition(" ")
            if scheme.lower() != "bearer" or not text.strip():
                raise Denied(401, "invalid_token", _("Authorization: send 'Bearer <token>'"))
            with self.registry.engine.connect() as conn:
                found = tokens.authenticate(conn, text.strip(), now)
            if found is None:
                raise Denied(401, "invalid_token", _("the token is unknown, revoked or expired"))
            state.nonce = _nonce("token", text.strip())
            return found
        if request.url.path.startswith("/api/"):
            return DEMO if self.demo and _local(request) else ANONYMOUS
        cookie = request.cookies.get(SIGN_IN_COOKIE)
        if cookie:
            with self.registry.engine.connect() as conn:
                found = accounts.session_principal(conn, cookie, now)
            if found is not None:
                state.nonce = _nonce("session", cookie)
                return found
        visit = self.signer.load("session", request.cookies.get(VISIT_COOKIE))
        if visit is not None and isinstance(visit.get("n"), str):
            state.visit, state.nonce = visit, visit["n"]
        if not (self.demo and _local(request)):
            return ANONYMOUS
        kind, code = (visit or {}).get("k"), (visit or {}).get("c")
        if kind == "organisation" and isinstance(code, str) and code:
            return Principal(Role.ORGANISATION, organisation_code=code, via=DEMO_SIGN_IN)
        if kind == "department" and isinstance(code, str) and code:
            return Principal(Role.DEPARTMENT, department=code, via=DEMO_SIGN_IN)
        return DEMO

    def rate_key(self, request: Request, principal: Principal) -> tuple[str, str]:
        """What a request is counted against (a token, a signed-in account, else its address), and how
        the 429 names it."""
        if principal.token_id is not None:
            return f"token {principal.token_id}", N_("for this token")
        if principal.via.startswith("account "):
            return principal.via, N_("for this account")
        return f"address {_address(request)}", FROM_ADDRESS


def install(app: FastAPI, registry: Registry) -> Access:
    """Keep the app's access control on app.state and answer its refusals; `authorise` must be the app's
    dependency (FastAPI(dependencies=[Depends(authorise)]))."""
    access = Access(registry)
    app.state.access = access

    @app.exception_handler(Denied)
    async def refused(request: Request, exc: Denied) -> Response:
        page = getattr(request.app.state, "denied_page", None)
        if page is not None and not request.url.path.startswith("/api/"):
            return page(request, exc)  # type: ignore[no-any-return]
        headers = {"WWW-Authenticate": "Bearer"} if exc.body.status == 401 else None
        return error_response(exc.body, headers)

    @app.exception_handler(TooManyRequests)
    async def too_many(_: Request, exc: TooManyRequests) -> Response:
        headers = {"Retry-After": str(exc.retry_after)}
        return error_response(exc.body, headers)

    return access


def authorise(request: Request) -> None:
    """The app's one dependency: who acts, within the rate limit, and allowed by the route's rule."""
    access: Access = request.app.state.access
    try:
        principal = access.resolve(request)
    except Denied:
        access.requests.check(FROM_ADDRESS, f"address {_address(request)}")
        raise
    request.state.principal = principal
    key, what = access.rate_key(request, principal)
    access.requests.check(what, key)
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    if not path.startswith("/api/"):
        _user_link(request, principal)
    rule = rule_for(request.method, path)
    if rule is None:
        raise Denied(
            403,
            "no_rule",
            _("%(route)s has no access rule, so nobody may call it", route=f"{request.method} {path}"),
        )
    if principal == DEMO or rule.admits(principal.role):
        return
    if principal.role is Role.PUBLIC:
        raise Denied(
            401,
            "unauthenticated",
            _("%(route)s needs a token or a sign-in", route=f"{request.method} {path}"),
        )
    allowed = ", ".join(r.value for r in Role if rule.admits(r))
    raise Denied(
        403,
        "forbidden",
        _(
            "%(route)s is for %(allowed)s, not %(role)s",
            route=f"{request.method} {path}",
            allowed=allowed,
            role=principal.role.value,
        ),
    )


# -- what the routes narrow ---------------------------------------------------------------------------


def principal_of(request: Request) -> Principal:
    found: Principal = getattr(request.state, "principal", ANONYMOUS)
    return found


def credentialed(principal: Principal) -> bool:
    """Signed in with a token or a password (not the demo sign-in, not anonymous)."""
    return principal.role is not Role.PUBLIC and principal.via != DEMO_SIGN_IN


def own_organisation(request: Request, organisation_code: str | None) -> None:
    """An organisation reaches only its own file (other roles are the rules' business)."""
    principal = principal_of(request)
    if principal.role is Role.ORGANISATION and principal.organisation_code != organisation_code:
        raise Denied(
            403,
            "not_yours",
            _(
                "code: you act for organisation %(own)s, not %(other)s",
                own=principal.organisation_code,
                other=organisation_code,
            ),
        )


def own_department(request: Request, field: str, department: str | None) -> None:
    """A department acts only as itself."""
    principal = principal_of(request)
    if principal.role is Role.DEPARTMENT and department != principal.department:
        # What was typed is not repeated: the field may hold anything, a person's data too.
        raise Denied(
            403,
            "not_yours",
            _(
                "%(field)s: you act for %(department)s, not another department",
                field=field,
                department=principal.department,
            ),
        )


def filer(request: Request, field: str, value: str) -> None:
    """`filed_by` (or `applied_by`, `made_by`) names the principal itself."""
    principal = principal_of(request)
    if principal.role is Role.ORGANISATION:
        expected = f"organisation:{principal.organisation_code}"
    elif principal.role is Role.DEPARTMENT:
        expected = f"department:{principal.department}"
    else:
        return  # the demo principal acts as the body says
    if value.strip() != expected:
        raise Denied(
            403,
            "not_yours",
            _(
                "%(field)s: you are %(expected)s; give that (what was given is not you)",
                field=field,
                expected=expected,
            ),
        )


def actor(request: Request, field: str, value: str) -> str:
    """Who at a department acts: the body's `actor` must name the department first ('SAMR', 'SAMR clerk
    Li'); the services record it with the credential it came with."""
    principal = principal_of(request)
    if principal.role is not Role.DEPARTMENT:
        return value
    department = str(principal.department)
    text = value.strip()
    if text != department and not text.startswith(department + " "):
        raise Denied(
            403,
            "not_yours",
            _(
                "%(field)s: you act for %(department)s; begin with it, as in '%(department)s clerk'",
                field=field,
                department=department,
            ),
        )
    return f"{text} ({principal.via})"


def consumer(request: Request, field: str, value: str) -> None:
    """A change-feed consumer acknowledges as its token's name."""
    principal = principal_of(request)
    if principal.token_id is None:
        return  # the demo principal acts as the body says
    access: Access = request.app.state.access
    with access.registry.engine.connect() as conn:
        name = conn.execute(select(ApiToken.name).where(ApiToken.id == principal.token_id)).scalar()
    if value.strip() != name:
        raise Denied(
            403,
            "not_yours",
            _("%(field)s: you are the consumer '%(name)s' (your token's name)", field=field, name=name),
        )


def csrf_token(request: Request) -> str | None:
    """The CSRF token for forms on this page, when the request has credentials or a visit cookie."""
    nonce = getattr(request.state, "nonce", None)
    access: Access = request.app.state.access
    return access.signer.token(nonce) if nonce else None


def _user_link(request: Request, principal: Principal) -> None:
    """Whom base.html's navigation names (the demo sign-in has its own, credence.web.selfservice)."""
    if credentialed(principal):
        name = principal.via.removeprefix("account ")
        request.state.user_link = {"text": name, "href": HOMES.get(principal.role.value, "/")}
    elif principal == ANONYMOUS:
        request.state.user_link = {"text": _("Sign in"), "href": "/sign-in/password"}


def _nonce(kind: str, secret: str) -> str:
    return hashlib.sha256(f"{kind}\0{secret}".encode()).hexdigest()[:32]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _local(request: Request) -> bool:
    return _address(request) in LOCAL
