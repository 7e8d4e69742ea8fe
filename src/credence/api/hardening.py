"""Hardening at the edge: security headers on every response, a limit on request bodies, rate limits.

The headers keep pages from being framed, sniffed into another type, or made to run a script or style
that the registry did not serve itself (the pages have neither inline scripts nor inline styles, so the
content security policy admits only 'self'). Bodies larger than settings.max_request_bytes are refused
with 413 before they are read (Content-Length) or as soon as they pass the limit (chunked). Rate limits
use the `limits` package's moving window in memory: per process, which is what a single server needs.
"""

from __future__ import annotations

import math
import time

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credence.api.shapes import ApiError, ErrorBody, error_response

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
        super().__init__(413, f"the request body is larger than {limit:,} bytes")


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
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(429, "too_many_requests", message)
        self.retry_after = retry_after


class RateLimit:
    """A moving-window limit in the `limits` notation ("600/minute"), counted per key."""

    def __init__(self, notation: str) -> None:
        self.item = limits.parse(notation)
        self.notation = notation
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, *key: str) -> int | None:
        """Count one request; None while within the limit, else the seconds until one is allowed again."""
        if self._limiter.hit(self.item, *key):
            return None
        reset_at = self._limiter.get_window_stats(self.item, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def check(self, what: str, *key: str) -> None:
        """hit, raising TooManyRequests (429 with Retry-After) past the limit."""
        wait = self.hit(*key)
        if wait is not None:
            raise TooManyRequests(
                f"too many requests {what} (at most {self.notation}); try again in {wait} s", wait
            )
