"""What the access tests share besides their fixtures (conftest.py): the password every test account has,
the secret key, a role's credentials, and signing in as a browser does."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient

from credence.access.principal import Role
from credence.api.auth import SIGN_IN_COOKIE

PASSWORD = "correct horse battery staple"
SECRET = "a test secret of at least thirty-two characters"


@dataclass(frozen=True)
class Credential:
    """One role's credentials: its token (for the API and pages) and its account (for pages)."""

    role: Role
    token: str
    username: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def csrf_of(page: object) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', getattr(page, "text", ""))
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in with a password as a browser does; the session cookie (the client keeps none)."""
    client.cookies.clear()
    done = client.post(
        "/sign-in/password",
        data={"csrf": csrf_of(client.get("/sign-in/password")), "username": username, "password": password},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    cookie = done.cookies.get(SIGN_IN_COOKIE)
    assert cookie
    client.cookies.clear()
    return cookie
