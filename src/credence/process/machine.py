"""Explicit state machines for the procedures: a table of (state, event) → next state, written out so that
docs/due-process.md and the tests can list every transition. The states live in database rows, not in
objects, so a table is all a procedure needs (state-machine packages hold state in Python objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class IllegalTransition(ValueError):
    """A step the procedure does not allow from the current state; the message names both."""


@dataclass(frozen=True)
class Machine:
    name: str
    transitions: Mapping[tuple[str, str], str]

    @property
    def states(self) -> list[str]:
        seen = dict.fromkeys(s for pair in self.transitions.items() for s in (pair[0][0], pair[1]))
        return list(seen)

    def allowed(self, state: str) -> list[str]:
        return [event for (s, event) in self.transitions if s == state]

    def next(self, state: str, event: str, what: str) -> str:
        """The state after `event`, or IllegalTransition saying what is possible instead."""
        after = self.transitions.get((state, event))
        if after is None:
            options = self.allowed(state)
            then = f"; from '{state}' it can only {' or '.join(options)}" if options else " (it is closed)"
            raise IllegalTransition(f"{what} is '{state}' and cannot {event}{then}")
        return after


NOTICE = Machine(
    "notice",
    {
        ("pending", "be delivered"): "delivered",
        ("pending", "be deemed delivered"): "delivered",
    },
)

RECORD = Machine(
    "record",
    {
        ("active", "be withdrawn"): "withdrawn",
        ("active", "be repaired"): "repaired",
        ("withdrawn", "be reinstated"): "active",
        # The record of a list entry ends with its entry (expired, cured, revoked, escalated).
        ("active", "end"): "ended",
    },
)

# How a department answers an objection: each is the state its answer leaves the objection in.
OUTCOMES = ("corrected", "upheld", "withdrawn")

OBJECTION = Machine(
    "objection",
    {
        # Extended once: an extended objection cannot be extended again.
        ("open", "be extended"): "extended",
        **{
            (state, event): after
            for state in ("open", "extended")
            for event, after in (
                ("be answered corrected", "corrected"),
                ("be answered upheld", "upheld"),
                ("be answered withdrawn", "withdrawn"),
                ("lapse", "lapsed"),
            )
        },
    },
)

REPAIR = Machine(
    "repair",
    {
        ("applied", "be approved"): "approved",
        ("applied", "be refused"): "refused",
        # An objection to a refusal that the department answers "corrected" reverses the refusal.
        ("refused", "be approved"): "approved",
    },
)

# A list entry's record follows its entry: withdrawn with it after an objection, reinstated with it.
_FOLLOWS_RECORD = {("listed", "be withdrawn"): "withdrawn", ("withdrawn", "be reinstated"): "listed"}

SERIOUS_ENTRY = Machine(
    "serious-dishonesty entry",
    {
        ("proposed", "be noticed"): "open",
        ("open", "be answered"): "answered",
        # Listed only once the answer period is over (and a requested hearing held): checked by the service.
        ("open", "be listed"): "listed",
        ("answered", "be listed"): "listed",
        ("proposed", "be dropped"): "dropped",
        ("open", "be dropped"): "dropped",
        ("answered", "be dropped"): "dropped",
        ("listed", "expire"): "expired",
        ("listed", "be removed on repair"): "removed",
        **_FOLLOWS_RECORD,
    },
)

ABNORMAL_ENTRY = Machine(
    "abnormal-operation entry",
    {
        ("listed", "be cured"): "cured",
        ("listed", "be escalated"): "escalated",
        **_FOLLOWS_RECORD,
    },
)

HONOUR_ENTRY = Machine(
    "honour",
    {
        ("listed", "expire"): "expired",
        ("listed", "be revoked"): "revoked",
        **_FOLLOWS_RECORD,
    },
)

COMMITMENT = Machine(
    "commitment",
    {
        ("made", "be kept"): "kept",
        ("made", "be broken"): "broken",
    },
)

MACHINES = (NOTICE, RECORD, OBJECTION, REPAIR, SERIOUS_ENTRY, ABNORMAL_ENTRY, HONOUR_ENTRY, COMMITMENT)
