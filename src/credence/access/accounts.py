"""People who sign in on the web: accounts with argon2 password hashes, and their sessions.

A session is a random cookie value; the store keeps only its SHA-256, so a copy of the database signs
nobody in. Sessions expire after settings.session_hours and end at sign-out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from credence.access.principal import Principal, Role
from credence.access.subjects import check_subject
from credence.i18n import _
from credence.store.models import Account, WebSession

MIN_PASSWORD = 12
_hasher = PasswordHasher()  # argon2id with the library's current defaults (RFC 9106 low-memory)
# Checked against when the user name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(
            _(
                "password: at least %(least)s characters (it has %(length)s)",
                least=MIN_PASSWORD,
                length=len(password),
            )
        )
    if len(password) > 1000:
        raise ValueError(_("password: at most 1,000 characters"))


def add_account(
    conn: Connection,
    *,
    username: str,
    password: str,
    role: Role | str,
    department: str | None = None,
    organisation_code: str | None = None,
    now: datetime,
) -> int:
    role, department, organisation_code = check_subject(role, department, organisation_code)
    name = username.strip()
    if not name or len(name) > 100 or any(c.isspace() or not c.isprintable() for c in name):
        raise ValueError(_("username: 1 to 100 printable characters without spaces"))
    check_password_rules(password)
    if conn.execute(select(Account.id).where(Account.username == name)).first() is not None:
        raise ValueError(_("username: '%(name)s' is taken", name=name))
    return conn.execute(
        insert(Account)
        .values(
            username=name,
            role=role.value,
            department=department,
            organisation_code=organisation_code,
            password_hash=_hasher.hash(password),
            created_at=now,
        )
        .returning(Account.id)
    ).scalar_one()


def set_password(conn: Connection, username: str, password: str) -> bool:
    check_password_rules(password)
    done = conn.execute(
        update(Account).where(Account.username == username).values(password_hash=_hasher.hash(password))
    )
    return done.rowcount == 1


def disable(conn: Connection, username: str, now: datetime) -> bool:
    """Disable an account and end its sessions."""
    account_id = conn.execute(select(Account.id).where(Account.username == username)).scalar()
    if account_id is None:
        return False
    conn.execute(update(Account).where(Account.id == account_id).values(disabled_at=now))
    conn.execute(
        update(WebSession)
        .where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return True


def check_password(
    conn: Connection, username: str, password: str, now: datetime
) -> tuple[int, Principal] | None:
    """The account and its principal when the password is right and the account enabled; else None."""
    row = conn.execute(select(Account).where(Account.username == username.strip())).first()
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled_at is not None:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(Account).where(Account.id == row.id).values(password_hash=_hasher.hash(password)))
    return row.id, principal_of(row)


def principal_of(row: Any) -> Principal:
    return Principal(
        role=Role(row.role),
        department=row.department,
        organisation_code=row.organisation_code,
        via=f"account {row.username}",
    )


def start_session(conn: Connection, account_id: int, now: datetime, hours: int) -> str:
    """A new session for the account; the cookie value, which the store keeps only as a hash."""
    value = secrets.token_urlsafe(32)
    conn.execute(
        insert(WebSession).values(
            id_sha256=_digest(value),
            account_id=account_id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return value


def session_principal(conn: Connection, cookie_value: str, now: datetime) -> Principal | None:
    """The principal of a live session, or None when unknown, ended, expired or its account disabled."""
    if not cookie_value or len(cookie_value) > 200:
        return None
    row = conn.execute(
        select(Account, WebSession.expires_at, WebSession.ended_at)
        .join(WebSession, WebSession.account_id == Account.id)
        .where(WebSession.id_sha256 == _digest(cookie_value))
    ).first()
    if row is None or row.ended_at is not None or row.expires_at <= now or row.disabled_at is not None:
        return None
    return principal_of(row)


def end_session(conn: Connection, cookie_value: str, now: datetime) -> None:
    conn.execute(
        update(WebSession)
        .where(WebSession.id_sha256 == _digest(cookie_value), WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def operator_exists(conn: Connection) -> bool:
    found = conn.execute(
        select(Account.id).where(Account.role == Role.OPERATOR.value, Account.disabled_at.is_(None)).limit(1)
    ).first()
    return found is not None


def list_accounts(conn: Connection) -> list[Any]:
    return list(conn.execute(select(Account).order_by(Account.id)))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
