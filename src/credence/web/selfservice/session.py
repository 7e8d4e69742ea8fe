"""The visit cookie: signed with HMAC-SHA256 under the server's secret (credence.api.auth.Signer), it holds
a visitor's CSRF nonce and, in demo mode only, whom the demo sign-in chose; and the middleware that shows
base.html whom the demo sign-in knows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from credence.api.auth import HOMES, LOCAL, SESSION_SECONDS, VISIT_COOKIE, Signer
from credence.i18n import _

__all__ = ["FLASH_COOKIE", "SESSION_COOKIE", "SESSION_SECONDS", "DemoNav", "Session", "Signer"]

SESSION_COOKIE = VISIT_COOKIE
FLASH_COOKIE = "credence_flash"


@dataclass(frozen=True)
class Session:
    """Who a page is for: the demo sign-in's choice (from the visit cookie) or, signed in with a password
    or a token, the principal's role and what it acts for; the nonce keys the forms' CSRF tokens."""

    nonce: str
    kind: str = ""  # "", "organisation" or "department"; signed in: also "operator" or "auditor"
    code: str = ""
    name: str = ""
    via: str = ""  # how a password or token sign-in identified the principal; "" for the visit cookie

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
        return f"{self.code} ({self.via or 'demo sign-in'})"

    @property
    def in_cookie(self) -> bool:
        """Kept in the visit cookie (a visitor, or the demo sign-in), not a password or token sign-in."""
        return not self.via

    @property
    def home(self) -> str:
        return HOMES.get(self.kind, "/")


def nav_link(session: Session | None) -> dict[str, str]:
    if session is None or not session.kind:
        return {"text": _("Sign in (demo)"), "href": "/sign-in"}
    return {"text": _("%(name)s (demo)", name=session.name), "href": session.home}


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
