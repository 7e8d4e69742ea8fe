"""Hardening at the edge: security headers on every response, a limit on request bodies, rate limits, a
cost limit on bulk checks, and the HTTP conventions every route keeps (HEAD, Allow).

The headers keep pages from being framed, sniffed into another type, or made to run a script or style
that the registry did not serve itself (the pages have neither inline scripts nor inline styles, so the
content security policy admits only 'self'). Bodies larger than settings.max_request_bytes are refused
with 413 before they are read (Content-Length) or as soon as they pass the limit (chunked). Rate limits
use the `limits` package's moving window in memory: per process, which is what a single server needs.
A bulk check costs the server about 0.7 ms of CPU a bidder (100,000 bidders: 74 s), so bidders are
counted too, per file and per minute, with less for callers without a token or a sign-in; those
budgets count rows with the `limits` sliding-window counter, two numbers a key whatever the rows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import limits
from fastapi.routing import iter_route_contexts
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credence.api.shapes import ApiError, ErrorBody, error_response
from credence.i18n import N_, _, format_number

if TYPE_CHECKING:
    from fastapi import Request

    from credence.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"  # only over https: a browser ignores it over http anyway
BIDDERS = N_("bidders")
# A limit in words, by the unit of its window: one unit ("3,000 bidders a minute"), or several ("per 5
# minutes"). `what` is the thing counted, translated.
PER_UNIT = {
    "second": N_("%(amount)s %(what)s a second"),
    "minute": N_("%(amount)s %(what)s a minute"),
    "hour": N_("%(amount)s %(what)s an hour"),
    "day": N_("%(amount)s %(what)s a day"),
    "month": N_("%(amount)s %(what)s a month"),
    "year": N_("%(amount)s %(what)s a year"),
}
PER_UNITS = {
    "second": N_("%(amount)s %(what)s per %(multiples)s seconds"),
    "minute": N_("%(amount)s %(what)s per %(multiples)s minutes"),
    "hour": N_("%(amount)s %(what)s per %(multiples)s hours"),
    "day": N_("%(amount)s %(what)s per %(multiples)s days"),
    "month": N_("%(amount)s %(what)s per %(multiples)s months"),
    "year": N_("%(amount)s %(what)s per %(multiples)s years"),
}


class SecurityHeaders:
    """Adds HEADERS to every response (and HSTS over https); a response that answers credentials (a token
    or a session cookie) is not stored by caches unless it says otherwise."""

    def __init__(self, app: ASGIApp, session_cookie: str) -> None:
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        credentials = "authorization" in request_headers or self.session_cookie in request_headers.get(
            "cookie", ""
        )
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if credentials:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyTooLarge(HTTPException):
    """Raised while a body is read past the limit; FastAPI passes HTTP exceptions from body parsing on to
    the app's handler, which answers 413 in the error shape."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, _("the request body is larger than %(limit)s bytes", limit=format_number(limit))
        )


class BodyLimit:
    """Refuses a request body larger than `limit` bytes: at once when its Content-Length says so, else
    counted while it streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            too_large = BodyTooLarge(self.limit)
            await error_response(ErrorBody(status=413, code="too_large", message=too_large.detail))(
                scope, receive, send
            )
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # read outside FastAPI's body parsing (a streaming endpoint)
            if started:
                raise
            await error_response(ErrorBody(status=413, code="too_large", message=exc.detail))(
                scope, receive, send
            )


class TooManyRequests(ApiError):
    def __init__(
        self,
        message: str,
        retry_after: int,
        code: str = "too_many_requests",
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(429, code, message, details)
        self.retry_after = retry_after


class RateLimit:
    """A limit in the `limits` notation ("600/minute"), counted per key: a moving window of requests, or
    (`rows`) a sliding-window counter, whose memory does not grow with the count (a row budget)."""

    def __init__(self, notation: str, rows: bool = False) -> None:
        self.item = limits.parse(notation)
        self.notation = notation
        strategy = SlidingWindowCounterRateLimiter if rows else MovingWindowRateLimiter
        self._limiter = strategy(MemoryStorage())

    @property
    def amount(self) -> int:
        """How many the limit allows in its window."""
        return int(self.item.amount)

    def words(self, what: str) -> str:
        """The limit in words, in the language at hand: "3,000 bidders a minute", "10 credit reports per 5
        minutes". `what` is marked for translation where it is written (N_)."""
        unit = self.item.GRANULARITY.name
        amount, shown = format_number(self.amount), _(what)
        if self.item.multiples == 1 and unit in PER_UNIT:
            return _(PER_UNIT[unit], amount=amount, what=shown)
        if unit in PER_UNITS:
            return _(PER_UNITS[unit], amount=amount, what=shown, multiples=format_number(self.item.multiples))
        return f"{amount} {shown} per {self.item.multiples} {unit}s"  # no other unit in `limits`

    def hit(self, *key: str, cost: int = 1) -> int | None:
        """Count one request (or `cost` rows); None while within the limit, else the seconds until one is
        allowed again."""
        if self._limiter.hit(self.item, *key, cost=cost):
            return None
        reset_at = self._limiter.get_window_stats(self.item, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def check(self, what: str, *key: str) -> None:
        """hit, raising TooManyRequests (429 with Retry-After) past the limit."""
        wait = self.hit(*key)
        if wait is not None:
            raise TooManyRequests(
                _(
                    "too many requests %(what)s (at most %(limit)s); try again in %(wait)s s",
                    what=_(what),
                    limit=self.notation,
                    wait=wait,
                ),
                wait,
            )


# -- the cost limit on bulk checks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """Bidders one caller may have checked: per file, and per window (RateLimit over rows)."""

    per_file: int
    rate: RateLimit
    per_file_setting: str
    rate_setting: str


class BidderLimits:
    """The cost limit on bulk eligibility checks (a file of bidders): per file (413 too_many_bidders) and
    per minute (429 bidders_per_minute, with Retry-After), each naming the limit and its setting. Callers
    without a token or a sign-in are counted per address and get less; a token or a signed-in account is
    counted by itself and gets more. A file is never larger than what its window allows."""

    def __init__(self, settings: Settings) -> None:
        self.anonymous = self._allowance(
            settings.check_rows_per_request,
            settings.check_rows_rate,
            "CREDENCE_CHECK_ROWS_PER_REQUEST",
            "CREDENCE_CHECK_ROWS_RATE",
        )
        self.credentialed = self._allowance(
            settings.check_token_rows_per_request,
            settings.check_token_rows_rate,
            "CREDENCE_CHECK_TOKEN_ROWS_PER_REQUEST",
            "CREDENCE_CHECK_TOKEN_ROWS_RATE",
        )

    @staticmethod
    def _allowance(per_file: int, notation: str, file_setting: str, rate_setting: str) -> Allowance:
        rate = RateLimit(notation, rows=True)
        return Allowance(min(per_file, rate.amount), rate, file_setting, rate_setting)

    def charge(self, rows: int, credentialed: bool, key: str, whom: str) -> None:
        """Count a file of `rows` bidders against its caller's allowance, or raise 413 / 429."""
        allowance = self.credentialed if credentialed else self.anonymous
        if rows > allowance.per_file:
            more = ""
            if not credentialed and self.credentialed.per_file > allowance.per_file:
                more = _("; with a token or a sign-in, %(n)s", n=format_number(self.credentialed.per_file))
            raise ApiError(
                413,
                "too_many_bidders",
                _(
                    "the file holds %(rows)s bidders: at most %(limit)s a file %(whom)s "
                    "(%(setting)s)%(more)s. Split the file.",
                    rows=format_number(rows),
                    limit=format_number(allowance.per_file),
                    whom=_(whom),
                    setting=allowance.per_file_setting,
                    more=more,
                ),
                [
                    {
                        "where": "bidders",
                        "rows": rows,
                        "limit": allowance.per_file,
                        "setting": allowance.per_file_setting,
                    }
                ],
            )
        wait = allowance.rate.hit(key, cost=max(rows, 1))
        if wait is not None:
            raise TooManyRequests(
                _(
                    "at most %(limit)s checked %(whom)s (%(setting)s); this file holds %(rows)s: try again "
                    "in %(wait)s s",
                    limit=allowance.rate.words(BIDDERS),
                    whom=_(whom),
                    setting=allowance.rate_setting,
                    rows=format_number(rows),
                    wait=wait,
                ),
                wait,
                "bidders_per_minute",
                [
                    {
                        "where": "bidders",
                        "rows": rows,
                        "limit": allowance.rate.notation,
                        "setting": allowance.rate_setting,
                    }
                ],
            )

    def describe(self) -> str:
        """The limits in words, for the checks page."""
        a, c = self.anonymous, self.credentialed
        return (
            f"At most {a.per_file:,} bidders a file and {a.rate.words(BIDDERS)} from one address; "
            f"signed in (or with an API token), {c.per_file:,} a file and {c.rate.words(BIDDERS)}."
        )


def charge_bidders(request: Request, rows: int) -> None:
    """Count a file of bidders against the caller's allowance (app.state.bidders, a BidderLimits), by its
    token or account, else its address; raises ApiError 413 or TooManyRequests 429."""
    from credence.api import auth  # auth imports this module

    principal = auth.principal_of(request)
    key, whom = request.app.state.access.rate_key(request, principal)
    limits_: BidderLimits = request.app.state.bidders
    limits_.charge(rows, auth.credentialed(principal), key, whom)


# -- HTTP conventions ---------------------------------------------------------------------------------------

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class HeadAsGet:
    """HEAD on every GET route (FastAPI's routes refuse it): the request is served as GET, and the answer
    keeps GET's status and headers, Content-Length included, without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless)


def allowed_methods(routes: Iterable[Any], scope: Scope) -> tuple[list[str], str | None]:
    """Every method some route serves at the request's path, in the usual order, HEAD wherever GET is
    (a mount, the static files, serves GET): what a 405's Allow header lists; and the path as the first
    such route writes it (/api/v1/organisations/{code}), which a 405 names instead of the path asked for
    (a parameter may hold anything typed, a person's data too)."""
    methods: set[str] = set()
    template: str | None = None
    for route in iter_route_contexts(list(routes)):  # the routes of included routers too
        match, _ = route.matches(scope)
        if match is Match.NONE:
            continue
        mount = isinstance(route.original_route, Mount)
        if mount:
            methods.add("GET")
        if template is None:
            path = getattr(route.original_route, "path", None)
            template = f"{path}/{{path}}" if mount and path is not None else path
        methods.update(route.methods or ())
    if "GET" in methods:
        methods.add("HEAD")
    ordered = sorted(methods, key=lambda m: (METHOD_ORDER.index(m) if m in METHOD_ORDER else 99, m))
    return ordered, template


def method_not_allowed(method: str, path: str, allowed: list[str]) -> ErrorBody:
    """The 405 in the one error shape, naming the methods the path allows."""
    if not allowed:
        use = _("no method is served here")
    elif len(allowed) == 1:
        use = _("use %(method)s", method=allowed[0])
    else:
        use = _("use %(methods)s or %(last)s", methods=", ".join(allowed[:-1]), last=allowed[-1])
    return ErrorBody(
        status=405,
        code="method_not_allowed",
        message=_("%(method)s is not allowed on %(path)s: %(use)s", method=method, path=path, use=use),
    )
