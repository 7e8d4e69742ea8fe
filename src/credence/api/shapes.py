"""The API's two shapes: one for every error, one for every list."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class ErrorBody(BaseModel):
    status: int = Field(description="The HTTP status.")
    code: str = Field(description="A stable reason code, such as not_found or invalid_identifier.")
    message: str = Field(description="What is wrong, in plain words.")
    details: list[dict[str, Any]] = Field(default_factory=list, description="Per field or per row.")


class Error(BaseModel):
    error: ErrorBody


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items in all pages.")
    page: int
    per_page: int


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
