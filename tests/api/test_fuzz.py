"""The API fuzzed from its own OpenAPI document: no 5xx, and every 4xx has the error shape."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from credence.api.app import create_app

EXAMPLES_PER_OPERATION = 25


def from_localhost(app: Any) -> Any:
    """The app as seen from 127.0.0.1, where demo mode opens submission and the due-process routes."""

    async def local(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": ("127.0.0.1", 50000)}
        await app(scope, receive, send)

    return local


def test_no_server_errors_and_one_error_shape(api_settings, clock, populated) -> None:
    """In demo mode from 127.0.0.1 (the demo principal reaches every route), with the rate limit out of
    the way so that every example reaches its route."""
    settings = api_settings.model_copy(update={"rate_limit": "1000000/minute"})
    schema = schemathesis.openapi.from_asgi("/openapi.json", from_localhost(create_app(settings, clock)))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /api/v1/organisations",
        "GET /api/v1/organisations/{code}",
        "POST /api/v1/records",
        "GET /api/v1/outbox",
        "POST /api/v1/objections",
        "POST /api/v1/objections/{objection_id}/answer",
        "POST /api/v1/repairs",
        "POST /api/v1/repairs/{repair_id}/decision",
        "GET /api/v1/departments/{department}/inbox",
    }
    fuzz(operations, EXAMPLES_PER_OPERATION, {})


def test_with_access_control_no_server_errors_and_one_error_shape(
    settings, clock, populated, engine, tmp_path
) -> None:
    """Demo mode off, as a department's token: 401, 403, 413 and 429 (a small rate limit) keep the shape."""
    from pydantic import SecretStr

    from credence.access import tokens
    from credence.access.principal import Role
    from credence.log.keys import keygen

    keygen(tmp_path / "log.pem")
    secured = settings.model_copy(
        update={
            "secret_key": SecretStr("s" * 40),
            "log_key_path": tmp_path / "log.pem",
            "rate_limit": "200/hour",  # reached within the run, however slow the machine
            "max_request_bytes": 4096,
        }
    )
    with engine.begin() as conn:
        _, token = tokens.create_token(
            conn, name="fuzz", role=Role.DEPARTMENT, department="SAMR", days=1, now=clock.now()
        )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(secured, clock))
    operations = [result.ok() for result in schema.get_all_operations()]
    seen = fuzz(operations, 10, {"Authorization": f"Bearer {token}"})
    assert {403, 429} <= seen, seen  # the department is refused what is not its own, then limited


def fuzz(operations: list[Any], examples: int, headers: dict[str, str]) -> set[int]:
    """Call every operation with generated cases; the statuses seen."""
    seen: set[int] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            seen.add(response.status_code)
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
            if 400 <= response.status_code < 500:
                body = response.json()
                assert set(body) == {"error"}, body
                assert set(body["error"]) == {"status", "code", "message", "details"}
                assert body["error"]["status"] == response.status_code

        check()
    return seen
