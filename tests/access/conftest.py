"""Fixtures of the access tests: the app with demo mode off (a secret key, a log key), and a token and a
password account for each role, made directly in the store.

tests/access is a package, so that this conftest does not shadow the suite's own (which tests import by
name)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from credence.access import accounts, tokens
from credence.access.principal import Role
from credence.log.keys import keygen
from credence.server import create_app

from .access_support import PASSWORD, SECRET, Credential
from helpers import USCC_A


@pytest.fixture
def secured_settings(settings, tmp_path):
    """Demo mode off, as a real registry runs; limits high enough for the matrix's many calls."""
    key = tmp_path / "log-key.pem"
    keygen(key)
    return settings.model_copy(
        update={
            "demo_mode": False,
            "secret_key": SecretStr(SECRET),
            "log_key_path": key,
            "rate_limit": "100000/minute",
            "sign_in_rate_limit": "10000/minute",
        }
    )


@pytest.fixture
def credentials(engine, clock, populated) -> dict[Role, Credential]:
    """A token and an account for each role: organisation A, department SAMR, operator, auditor."""
    subjects = {
        Role.ORGANISATION: {"organisation_code": USCC_A},
        Role.DEPARTMENT: {"department": "SAMR"},
        Role.OPERATOR: {},
        Role.AUDITOR: {},
    }
    made = {}
    with engine.begin() as conn:
        for role, subject in subjects.items():
            _, text = tokens.create_token(
                conn, name=f"{role.value} system", role=role, days=30, now=clock.now(), **subject
            )
            username = f"{role.value}.user"
            accounts.add_account(
                conn, username=username, password=PASSWORD, role=role, now=clock.now(), **subject
            )
            made[role] = Credential(role, text, username)
    return made


@pytest.fixture
def secured_app(secured_settings, clock, populated):
    return create_app(secured_settings, clock)


@pytest.fixture
def secured(secured_app) -> Iterator[TestClient]:
    """A client of the app with demo mode off, from elsewhere than 127.0.0.1."""
    with TestClient(secured_app, client=("10.0.0.8", 50000)) as client:
        yield client
