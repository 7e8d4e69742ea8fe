"""What due process refuses: a step not allowed (or not yet), and something that does not exist."""

from __future__ import annotations

from credence.i18n import _


class NotAllowed(ValueError):
    """A step this actor may not take, or not yet; the message says why."""


class NotFound(LookupError):
    pass


def needs(**values: str | None) -> None:
    """Refuse a step whose who, why or what is empty, naming the field."""
    for name, value in values.items():
        if not value or not value.strip():
            raise NotAllowed(_("%(field)s is required", field=name))
