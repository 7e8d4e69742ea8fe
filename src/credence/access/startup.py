"""What a server needs before it may start outside demo mode: a secret key, the log's signing key and an
operator account. A demo server makes its own secret and key and has the demo sign-in instead."""

from __future__ import annotations

from sqlalchemy import Engine

from credence.access.accounts import operator_exists
from credence.settings import Settings

MIN_SECRET = 32


def startup_problems(settings: Settings, engine: Engine) -> list[str]:
    """Why the server must not start (empty when it may)."""
    if settings.demo_mode:
        return []
    problems: list[str] = []
    secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    if len(secret) < MIN_SECRET:
        problems.append(
            f"CREDENCE_SECRET_KEY: set a random secret of at least {MIN_SECRET} characters "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if settings.log_key_path is None:
        problems.append("CREDENCE_LOG_KEY_PATH: set it to the log's signing key (`credence log keygen PATH`)")
    elif not settings.log_key_path.is_file():
        problems.append(f"CREDENCE_LOG_KEY_PATH: {settings.log_key_path} is not a file")
    with engine.connect() as conn:
        if not operator_exists(conn):
            problems.append("no operator account: add one with `credence user add NAME --role operator`")
    return problems
