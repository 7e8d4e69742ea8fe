"""The API's shapes: one for every error, one for every list, the base of every request body, and what the
OpenAPI document says of the texts that name something (organisations' codes, verification codes)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema, model_validator

from credence.i18n import N_, _
from credence.records.validation import control_character_at

T = TypeVar("T")


class ErrorBody(BaseModel):
    status: int = Field(description="The HTTP status.")
    code: str = Field(description="A stable reason code, such as not_found or invalid_identifier.")
    message: str = Field(description="What is wrong, in plain words.")
    details: list[dict[str, Any]] = Field(default_factory=list, description="Per field or per row.")


class Error(BaseModel):
    error: ErrorBody


def error_response(body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error answered in the one shape, with the status it names."""
    return JSONResponse(Error(error=body).model_dump(mode="json"), status_code=body.status, headers=headers)


def invalid_json(exc: json.JSONDecodeError) -> ErrorBody:
    """400 invalid_json: where a body stops being JSON (line, column and character, from 1)."""
    return ErrorBody(
        status=400,
        code="invalid_json",
        message=_(
            "the body is not valid JSON: %(problem)s at line %(line)s, column %(column)s (character "
            "%(character)s)",
            problem=exc.msg,  # Python's json module says what it is, in English
            line=exc.lineno,
            column=exc.colno,
            character=exc.pos + 1,
        ),
        details=[
            {
                "where": "body",
                "line": exc.lineno,
                "column": exc.colno,
                "character": exc.pos + 1,
                "message": exc.msg,
            }
        ],
    )


def not_utf8(exc: UnicodeDecodeError) -> ErrorBody:
    """400 invalid_json: a JSON body is UTF-8 text, and this one is not (from the byte that is wrong)."""
    return ErrorBody(
        status=400,
        code="invalid_json",
        message=_("the body is not valid JSON: it is not UTF-8 text (byte %(byte)s)", byte=exc.start + 1),
        details=[{"where": "body", "byte": exc.start + 1, "message": exc.reason}],
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items in all pages.")
    page: int
    per_page: int

    @classmethod
    def of(
        cls, rows: Sequence[Any], page: int, per_page: int, item: Callable[[Any], T] | None = None
    ) -> Page[T]:
        """One page of rows held in full, each turned into an item by `item` (only those on the page)."""
        chosen = rows[(page - 1) * per_page : page * per_page]
        items = [item(r) for r in chosen] if item is not None else list(chosen)
        return cls(items=items, total=len(rows), page=page, per_page=per_page)


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Error, "description": text}
    for status, text in (
        (400, "Bad request: the body is not JSON (invalid_json) or cannot be read (invalid_body)"),
        (403, "Not allowed"),
        (404, "Not found"),
        (405, "Method not allowed: the Allow header lists the methods the path serves"),
        (409, "Not allowed by the procedure in the current state"),
        (422, "Invalid input"),
    )
}


class ApiError(Exception):
    """An error answered in the one error shape (ErrorBody), by the app's handler."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        self.body = ErrorBody(status=status, code=code, message=message, details=details or [])


# What the OpenAPI document says of texts that name something. The server reads more than the schema says
# (full-width characters, spaces around a code) and refuses with its own reason codes what the schema
# cannot say (a wrong check character: 422 invalid_identifier naming it).
USCC_CHAR = "0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y"  # GB 32100: digits and capitals without I, O, S, V, Z
CODE = rf"(?:[{USCC_CHAR}]{{2}}[0-9]{{6}}[{USCC_CHAR}]{{10}}|[0-9A-Za-z]{{18}}[0-9]{{2}})"  # USCC or LEI
CHECKED = (
    "its check characters must be right (else 422 invalid_identifier, naming them), and a resident "
    "identity number is refused (422 natural_person)"
)
# Format organisation-code: a USCC or an LEI whose check characters are right (no pattern says that).
OrganisationCode = WithJsonSchema(
    {
        "type": "string",
        "format": "organisation-code",
        "pattern": rf"^{CODE}$",
        "minLength": 18,
        "maxLength": 20,
    }
)
SUBJECT_DESCRIPTION = f"A USCC (18 characters) or an LEI (20), in format organisation-code: {CHECKED}."
# The key of a subject without an identifier (docs/sources.md, "Unresolved subjects"): its only name.
UNRESOLVED_KEY = r"unresolved:[0-9a-f]{24}"
UNRESOLVED_EXPECTED = N_(
    "a subject without an identifier is named by its key as search gives it: unresolved: and 24 "
    "hexadecimal digits (0-9, a-f)"
)
# Format organisation-key: the same, or a key naming it (uscc:…, lei:…), or a subject's without one.
OrganisationKey = WithJsonSchema(
    {
        "type": "string",
        "format": "organisation-key",
        "pattern": rf"^(?:(?:(?:uscc|lei):)?{CODE}|{UNRESOLVED_KEY})$",
        "minLength": 18,
        "maxLength": 35,
    }
)
CODE_DESCRIPTION = (
    "A USCC (18 characters) or an LEI (20), or a key such as uscc:91110000600037341L, in format "
    f"organisation-key: {CHECKED}. A subject without an identifier (a development bank's listing of a firm "
    "without a code) is named by its key, unresolved: and 24 hexadecimal digits, as search gives it "
    "(else 422 invalid_key)."
)
VERIFICATION_CHAR = "0-9A-TV-Za-tv-z"  # Crockford's base32, any case; I, L and O are read as 1, 1 and 0
VerificationCode = WithJsonSchema(
    {
        "type": "string",
        "pattern": rf"^[{VERIFICATION_CHAR}]{{4}}(?:-?[{VERIFICATION_CHAR}]{{4}}){{3}}$",
        "minLength": 16,
        "maxLength": 19,
    }
)
NO_CONTROL = r"\x00-\x1f\x7f"
SearchText = WithJsonSchema(
    {
        "type": "string",
        "pattern": rf"^[^{NO_CONTROL}]*[^\s{NO_CONTROL}][^{NO_CONTROL}]*$",  # not blank, no control character
        "minLength": 1,
        "maxLength": 200,
    }
)


def one_of(values: Sequence[str], max_length: int = 64) -> WithJsonSchema:
    """A closed set in the OpenAPI document; the route still refuses other values with its own reason code
    (unknown_domain, unknown_purpose), naming the values it allows."""
    return WithJsonSchema({"type": "string", "enum": list(values), "maxLength": max_length})


def enum_of(values: Sequence[str]) -> dict[str, JsonValue]:
    """A field's json_schema_extra for an answer's text whose values are a closed set (a state)."""
    members: list[JsonValue] = list(values)
    return {"enum": members}


CSV_ANSWER: dict[str, Any] = {
    "schema": {"type": "string", "description": "CSV text, UTF-8, a header line first."}
}


Text = Annotated[str, Field(min_length=1, max_length=2000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class StrictIn(BaseModel):
    """A request body: no unknown field, no control character in any text."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        """Text never holds control characters (tab and line breaks aside): refused, with where."""
        if isinstance(data, dict):
            for name, value in data.items():
                texts = value.items() if isinstance(value, dict) else [("", value)]
                for key, text in texts:
                    if not isinstance(text, str):
                        continue
                    at = control_character_at(text, multiline=True)
                    if at is not None:
                        where = f"{name}.{key}" if key else name
                        raise ValueError(
                            _(
                                "%(where)s contains a control character at character %(at)s",
                                where=where,
                                at=at,
                            )
                        )
        return data
