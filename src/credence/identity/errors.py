"""Exceptions raised when a text cannot be used as a registry subject.

Callers catch `SubjectError` and show `message` to people; `reason` is the stable code for programs.
"""

from __future__ import annotations

from typing import Any


class SubjectError(ValueError):
    """Base class: the text does not identify an organisation this registry may hold records on.

    `reason` is a short machine code (e.g. ``check_character``), `message` a sentence for people and
    `position` the 1-based character position the problem was found at, when there is one.
    """

    reason: str
    message: str
    position: int | None

    def __init__(self, reason: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.position = position

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduce passes only `args` (the message) back to __init__, which would fail to unpickle.
        return (type(self), (self.reason, self.message, self.position))

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(reason={self.reason!r}, message={self.message!r}, position={self.position!r})"


class IdentifierError(SubjectError):
    """The text is not a well-formed identifier (wrong length, character or check character)."""


class SubjectRefused(SubjectError):
    """The text is a well-formed identifier, but of a subject the registry refuses by design (DOMAIN §1)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason, message, None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.message))
