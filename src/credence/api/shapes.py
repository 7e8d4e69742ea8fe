"""The API's shapes: one for every error, one for every list, and the base of every request body."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

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
        (400, "Bad request"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Not allowed by the procedure in the current state"),
        (422, "Invalid input"),
    )
}


class ApiError(Exception):
    """An error answered in the one error shape (ErrorBody), by the app's handler."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        self.body = ErrorBody(status=status, code=code, message=message, details=details or [])


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
                        raise ValueError(f"{where} contains a control character at character {at}")
        return data
