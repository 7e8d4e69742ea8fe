"""The demo sign-in: a session cookie signed with HMAC-SHA256 under a key made when the app starts, and the
middleware that shows base.html whom it knows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from credence.api.app import LOCAL

SESSION_COOKIE = "credence_demo_session"
FLASH_COOKIE = "credence_demo_flash"
SESSION_SECONDS = 12 * 3600


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
