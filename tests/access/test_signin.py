"""Password sign-in on the web, sessions and tokens: a secure cookie, CSRF on the form, one answer for
every failure, sign-out that ends the session, rate-limited attempts, and expiry of sessions and tokens.
Demo mode is off, as a real registry runs."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credence.access import tokens
from credence.access.principal import Role
from credence.server import create_app
from credence.store.models import WebSession

from .access_support import PASSWORD, csrf_of, sign_in
from helpers import USCC_A

WRONG = "User name or password is wrong."


def sessions(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(WebSession)).scalar_one()


def attempt(client: TestClient, username: str, password: str) -> object:
    client.cookies.clear()
    form = client.get("/sign-in/password")
    return client.post(
        "/sign-in/password",
        data={"csrf": csrf_of(form), "username": username, "password": password},
        follow_redirects=False,
    )


def test_a_password_sign_in_sets_a_secure_session_cookie_and_opens_the_own_file(
    secured: TestClient, credentials, secured_settings
) -> None:
    form = secured.get("/sign-in/password")
    assert form.status_code == 200 and 'type="password"' in form.text
    done = attempt(secured, "organisation.user", PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/me"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("credence_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "max-age", "expires"} <= attributes and "samesite=lax" in cookie.lower()
    assert "secure" not in attributes  # served over http here: see the https test
    assert f"max-age={secured_settings.session_hours * 3600}" in cookie.lower()
    value = done.cookies["credence_session"]
    me = secured.get("/me", headers={"cookie": f"credence_session={value}"})
    assert me.status_code == 200 and "Your file: 北京某某食品有限公司" in me.text
    assert 'id="user">organisation.user</a>' in me.text and 'id="sign-out"' in me.text


def test_over_https_the_cookie_is_secure(secured_app, credentials) -> None:
    with TestClient(secured_app, base_url="https://registry.example", client=("10.0.0.8", 1)) as client:
        done = attempt(client, "department.user", PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("credence_session="))
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_a_wrong_password_or_user_name_says_only_that_and_signs_nobody_in(
    secured: TestClient, credentials, engine
) -> None:
    before = sessions(engine)
    for username, password in (
        ("organisation.user", "not the password at all"),
        ("nobody.at.all", PASSWORD),
        ("organisation.user", ""),
        ("", ""),
    ):
        refused = attempt(secured, username, password)
        assert refused.status_code == 401 and WRONG in refused.text, (username, password)
        assert "credence_session" not in refused.cookies
        assert "unknown" not in refused.text.lower() and "no such" not in refused.text.lower()
    assert sessions(engine) == before


def test_the_sign_in_form_needs_its_csrf_token(secured: TestClient, credentials, engine) -> None:
    before = sessions(engine)
    secured.get("/sign-in/password")  # a visit cookie, but no token sent
    refused = secured.post("/sign-in/password", data={"username": "organisation.user", "password": PASSWORD})
    assert refused.status_code == 403 and "CSRF token is missing or wrong" in refused.text
    assert sessions(engine) == before


def test_sign_out_ends_the_session(secured: TestClient, credentials, engine) -> None:
    cookie = {"cookie": f"credence_session={sign_in(secured, 'department.user')}"}
    inbox = secured.get("/inbox", headers=cookie)
    assert inbox.status_code == 200
    out = secured.post("/sign-out", data={"csrf": csrf_of(inbox)}, headers=cookie, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/sign-in/password"
    assert 'credence_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert secured.get("/inbox", headers=cookie).status_code == 401  # the old cookie opens nothing
    with engine.connect() as conn:
        assert conn.execute(select(WebSession.ended_at)).scalar_one() is not None


def test_a_session_expires(secured: TestClient, credentials, clock, secured_settings) -> None:
    cookie = {"cookie": f"credence_session={sign_in(secured, 'organisation.user')}"}
    clock.advance(timedelta(hours=secured_settings.session_hours - 1))
    assert secured.get("/me", headers=cookie).status_code == 200
    clock.advance(timedelta(hours=1))
    expired = secured.get("/me", headers=cookie)
    assert expired.status_code == 401 and 'href="/sign-in/password"' in expired.text


def test_a_token_expires_and_can_be_revoked_and_a_bad_one_is_401_never_anonymous(
    secured: TestClient, engine, clock, populated
) -> None:
    with engine.begin() as conn:
        token_id, text = tokens.create_token(
            conn, name="short", role=Role.ORGANISATION, organisation_code=USCC_A, days=1, now=clock.now()
        )
    inbox = f"/api/v1/organisations/{USCC_A}/inbox"
    assert secured.get(inbox, headers={"Authorization": f"Bearer {text}"}).status_code == 200
    public = "/api/v1/health"
    for header in (f"Bearer {text}x", "Bearer ", "Basic dXNlcjpwYXNz", text):
        refused = secured.get(public, headers={"Authorization": header})  # even on a public route
        assert refused.status_code == 401, header
        assert refused.json()["error"]["code"] == "invalid_token"
        assert refused.headers["www-authenticate"] == "Bearer"
    clock.advance(timedelta(days=1))
    expired = secured.get(inbox, headers={"Authorization": f"Bearer {text}"})
    assert expired.status_code == 401 and "unknown, revoked or expired" in expired.json()["error"]["message"]
    clock.advance(timedelta(days=-1))
    with engine.begin() as conn:
        assert tokens.revoke(conn, token_id, clock.now())
    assert secured.get(inbox, headers={"Authorization": f"Bearer {text}"}).status_code == 401


def test_sign_in_attempts_are_limited_per_user_name_and_per_address(
    secured_settings, clock, credentials, engine
) -> None:
    settings = secured_settings.model_copy(update={"sign_in_rate_limit": "3/minute"})
    app = create_app(settings, clock)
    with TestClient(app, client=("10.0.0.1", 1)) as first, TestClient(app, client=("10.0.0.2", 1)) as second:
        for _ in range(3):
            assert attempt(first, "organisation.user", "a wrong password").status_code == 401
        limited = attempt(first, "organisation.user", PASSWORD)  # even the right one, now
        assert limited.status_code == 429 and "try again in" in limited.text
        assert "sign in with this user name" in limited.text and int(limited.headers["retry-after"]) >= 1
        elsewhere = attempt(second, "organisation.user", PASSWORD)  # the user name is limited everywhere
        assert elsewhere.status_code == 429
        assert (
            attempt(second, "department.user", PASSWORD).status_code == 303
        )  # another name, another address
    with TestClient(app, client=("10.0.0.3", 1)) as third:
        for name in ("a1", "a2", "a3"):
            assert attempt(third, name, "whatever it is").status_code == 401
        limited = attempt(third, "auditor.user", PASSWORD)  # the address is limited, whatever the name
        assert limited.status_code == 429 and "from this address" in limited.text
    assert sessions(engine) == 1  # only department.user signed in
