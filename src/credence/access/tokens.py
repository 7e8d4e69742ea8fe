"""API tokens: 256 random bits shown once, stored only as their SHA-256, always with an expiry, revocable.

A fast hash is the right one here: a token is random and long, so nothing is gained by slowing down the
guess of a hash (argon2 protects passwords, which people choose); and each API request checks one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from credence.access.principal import Principal, Role
from credence.access.subjects import check_subject
from credence.i18n import _
from credence.store.models import ApiToken

PREFIX = "cred_"


def digest(token_text: str) -> str:
    return hashlib.sha256(token_text.encode()).hexdigest()


def create_token(
    conn: Connection,
    *,
    name: str,
    role: Role,
    department: str | None = None,
    organisation_code: str | None = None,
    days: int,
    now: datetime,
) -> tuple[int, str]:
    """Make a token; its id and its text, which is shown this once and never stored."""
    role, department, organisation_code = check_subject(role, department, organisation_code)
    if not name.strip() or len(name) > 100:
        raise ValueError(_("name: give a name of 1 to 100 characters saying who uses the token"))
    if not 1 <= days <= 3650:
        raise ValueError(_("days: %(days)s is not between 1 and 3650; every token expires", days=days))
    text = PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(
        insert(ApiToken)
        .values(
            name=name.strip(),
            role=role.value,
            department=department,
            organisation_code=organisation_code,
            token_sha256=digest(text),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        .returning(ApiToken.id)
    ).scalar_one()
    return token_id, text


_TOKENS = ApiToken.__table__
_BY_DIGEST = select(
    _TOKENS.c.id,
    _TOKENS.c.name,
    _TOKENS.c.role,
    _TOKENS.c.department,
    _TOKENS.c.organisation_code,
    _TOKENS.c.expires_at,
    _TOKENS.c.revoked_at,
).where(_TOKENS.c.token_sha256 == bindparam("digest"))


def authenticate(conn: Connection, token_text: str, now: datetime) -> Principal | None:
    """The token's principal, or None when it is unknown, revoked or expired (one indexed lookup: every
    API request with a token makes it)."""
    if not token_text.startswith(PREFIX) or len(token_text) > 200:
        return None
    row = conn.execute(_BY_DIGEST, {"digest": digest(token_text)}).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return principal_of(row)


def principal_of(row: Any) -> Principal:
    return Principal(
        role=Role(row.role),
        department=row.department,
        organisation_code=row.organisation_code,
        via=f"token '{row.name}' (#{row.id})",
        token_id=row.id,
    )


def revoke(conn: Connection, token_id: int, now: datetime) -> bool:
    """End a token now; False when there is no such token or it was already revoked."""
    done = conn.execute(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    return done.rowcount == 1


def list_tokens(conn: Connection) -> list[Any]:
    return list(conn.execute(select(ApiToken).order_by(ApiToken.id)))
