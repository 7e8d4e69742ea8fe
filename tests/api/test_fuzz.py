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
    schema = schemathesis.openapi.from_asgi("/openapi.json", from_localhost(create_app(api_settings, clock)))
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
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
            if 400 <= response.status_code < 500:
                body = response.json()
                assert set(body) == {"error"}, body
                assert set(body["error"]) == {"status", "code", "message", "details"}
                assert body["error"]["status"] == response.status_code

        check()
