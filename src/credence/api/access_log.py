"""The server's access log: one line per HTTP request in the Combined Log Format, the format Apache and
nginx write and log tools read, with no credential in it.

    127.0.0.1 - - [25/Nov/2026:17:30:00 +0800] "GET /api/v1/lists/honour HTTP/1.1" 200 512 "-" "curl/8.5.0"

Headers are never written except the Referer and the User-Agent, so neither the Authorization header
(API tokens) nor the Cookie header (web sessions) can reach the log. Query strings, in the request line
and in the Referer, are written with the value of any parameter named like a credential (token, secret,
password, session, csrf, auth, key, signature) replaced by REDACTED, and so is anything that looks like an
API token (cred_…) anywhere in them: Credence reads tokens only from the Authorization header, but a client
may put one where it does not belong. Quoted fields escape `"`, `\\` and every byte outside printable ASCII
as \\xHH, so a request cannot forge a line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

LOGGER = logging.getLogger("credence.access")
REDACTED = "REDACTED"
# A query parameter whose value is a credential, by its name.
_SECRET_NAME = re.compile(r"token|secret|passw|pwd|session|csrf|auth|key|signature", re.IGNORECASE)
# An API token (credence.access.tokens.PREFIX and its URL-safe text), wherever it appears.
_TOKEN = re.compile(r"cred_[A-Za-z0-9_\-%]+")
_PRINTABLE = frozenset(range(0x20, 0x7F)) - {ord('"'), ord("\\")}


def redact_query(query: str) -> str:
    """A query string with the values of credential-like parameters, and any API token, replaced."""
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={REDACTED}" if sep and _SECRET_NAME.search(unquote_plus(name)) else part)
    return _TOKEN.sub(REDACTED, "&".join(parts))


def redact_target(target: str) -> str:
    """A request target or URL (path?query#fragment) with its credentials replaced."""
    path, sep, rest = target.partition("?")
    query, mark, fragment = rest.partition("#")
    return _TOKEN.sub(REDACTED, path) + sep + redact_query(query) + mark + _TOKEN.sub(REDACTED, fragment)


def escaped(raw: bytes) -> str:
    """Bytes for a quoted field of the log: printable ASCII as it is, `"` and `\\` and anything else as
    escapes (Apache's way), so that no value can end the field or the line."""
    out = []
    for byte in raw:
        if byte in _PRINTABLE:
            out.append(chr(byte))
        elif byte in (ord('"'), ord("\\")):
            out.append("\\" + chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)


def combined_line(
    scope: Scope, at: datetime, status: int, size: int, referer: bytes | None, agent: bytes | None
) -> str:
    """One request as a line of the Combined Log Format."""
    client = scope.get("client")
    host = client[0] if client else "-"
    path: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    target = path + (b"?" + scope["query_string"] if scope.get("query_string") else b"")
    request = (
        f"{scope.get('method', '-')} {redact_target(target.decode('latin-1'))} "
        f"HTTP/{scope.get('http_version', '1.1')}"
    )
    quoted = [
        escaped(request.encode("latin-1", "backslashreplace")),
        escaped(redact_target(referer.decode("latin-1")).encode("latin-1")) if referer else "-",
        escaped(agent) if agent else "-",
    ]
    return (
        f'{host} - - [{at.strftime("%d/%b/%Y:%H:%M:%S %z")}] "{quoted[0]}" {status} {size or "-"} '
        f'"{quoted[1]}" "{quoted[2]}"'
    )


class AccessLog:
    """ASGI middleware around the whole app: logs each HTTP request once its response is sent (or has
    failed, as 500), to the `credence.access` logger at INFO."""

    def __init__(self, app: App, logger: logging.Logger = LOGGER) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        at = datetime.now().astimezone()
        sent = {"status": 500, "size": 0}

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
            elif message["type"] == "http.response.body":
                sent["size"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            headers = dict(scope.get("headers") or [])
            self.logger.info(
                combined_line(
                    scope,
                    at,
                    sent["status"],
                    sent["size"],
                    headers.get(b"referer"),
                    headers.get(b"user-agent"),
                )
            )


def log_to_stream(stream: Any) -> None:
    """Write the access log to a stream (the server's stdout), one line per request."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.handlers = [handler]
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
