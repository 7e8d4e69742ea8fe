"""The API fuzzed from its own OpenAPI document: no 5xx, and every 4xx has the error shape; on the public
GET routes, a request the document calls valid is never refused as invalid (400 or 422)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from credence.api.rules import RULES
from credence.identity import KINDS, SubjectError, resolve_subject
from credence.identity.lei import lei_check_digits
from credence.identity.subject import refuse_kind
from credence.identity.uscc import PROVINCES, build_uscc
from credence.server import create_app

from helpers import USCC_A, USCC_B

EXAMPLES_PER_OPERATION = 25
POSITIVE_EXAMPLES = 60
# What no schema can say, a relation between two parameters: these refusals name it (log-verification.md).
BETWEEN_PARAMETERS = {
    ("GET /api/v1/log/proofs/inclusion", "invalid_index"),  # index < size
    ("GET /api/v1/log/proofs/consistency", "invalid_size"),  # first <= second
    ("GET /api/v1/organisations", "invalid_request"),  # a name, a code or a filter: one of them
}


def _resolves(code: str) -> bool:
    try:
        resolve_subject(code)
    except SubjectError:
        return False
    return True


def organisation_codes(keys: bool) -> st.SearchStrategy[str]:
    """The API's string formats, as its descriptions say: organisation-code is a USCC or LEI whose check
    characters are right, of a kind the registry may hold (no religious body or trade union), in any case;
    organisation-key (keys) is one of those or a key naming it (uscc:…, lei:…), or the key of a subject
    without an identifier (unresolved: and 24 hexadecimal digits). No JSON schema can say what a check
    character is."""
    prefixes = sorted(prefix for prefix, info in KINDS.items() if refuse_kind(info.kind) is None)
    division = st.tuples(st.sampled_from(sorted(PROVINCES)), st.from_regex(r"\A[0-9]{4}\Z")).map("".join)
    body = st.from_regex(r"\A[0-9A-HJ-NP-RTUW-Y]{8}\Z")
    uscc = st.builds(build_uscc, st.sampled_from(prefixes), division, body).filter(_resolves)
    lei = st.from_regex(r"\A[0-9A-Z]{18}\Z").map(lambda first: first + lei_check_digits(first))
    codes = st.one_of(st.sampled_from([USCC_A, USCC_B]), uscc, lei, uscc.map(str.lower))
    if not keys:
        return codes
    unresolved = st.from_regex(r"\Aunresolved:[0-9a-f]{24}\Z")
    return st.one_of(codes, uscc.map(lambda c: f"uscc:{c}"), lei.map(lambda c: f"lei:{c}"), unresolved)


def organisation_names() -> st.SearchStrategy[str]:
    """Format organisation-name: a name with a sign of an organisation (its legal form), in Latin or Chinese
    script, some of them the populated registry's."""
    words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)
    latin = st.builds(
        lambda a, b, form: f"{a.title()} {b.title()} {form}",
        words,
        words,
        st.sampled_from(["Co., Ltd.", "Ltd", "Company Limited", "S.A.", "GmbH", "Trading LLC"]),
    )
    chinese = st.builds(
        lambda a: f"{a}有限公司", st.text(alphabet="北京深圳示例电子食品建设", min_size=2, max_size=6)
    )
    return st.one_of(
        st.sampled_from(["Shenzhen Example Electronics Co. Ltd.", "北京某某食品有限公司"]), latin, chinese
    )


schemathesis.openapi.format("organisation-name", organisation_names())
schemathesis.openapi.format("organisation-code", organisation_codes(keys=False))
schemathesis.openapi.format("organisation-key", organisation_codes(keys=True))


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


def test_schema_valid_requests_to_public_get_routes_are_not_refused_as_invalid(
    api_settings, clock, populated
) -> None:
    """schemathesis's positive data (what the document calls valid), anonymously, on every public GET
    route: never 400 or 422 (the positive_data_acceptance check). Known organisations come up too."""
    settings_ = api_settings.model_copy(update={"rate_limit": "1000000/minute"})
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_, clock))
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.method.upper() == "GET" and RULES[("GET", op.path)].public
    ]
    assert len(operations) >= 20, [op.label for op in operations]
    refused: dict[str, list[str]] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=POSITIVE_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
            if response.status_code == 422:
                if (case.operation.label, response.json()["error"]["code"]) in BETWEEN_PARAMETERS:
                    return
            try:
                case.validate_response(response, checks=[positive_data_acceptance])
            except BaseExceptionGroup:  # schemathesis's FailureGroup: collected, to report every route
                where = f"{case.formatted_path} {case.query or ''}"
                refused.setdefault(case.operation.label, []).append(f"{where}: {response.text[:200]}")

        check()
    assert not refused, "\n".join(f"{label}: {found[:3]}" for label, found in refused.items())


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
