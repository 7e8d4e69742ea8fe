"""Explicit state machines for the procedures: a table of (state, event) → next state, written out so that
docs/due-process.md and the tests can list every transition. The states live in database rows, not in
objects, so a table is all a procedure needs (state-machine packages hold state in Python objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce

from credence.i18n import N_, _


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
            raise IllegalTransition(refusal(what, state, event, self.allowed(state)))
        return after


# How a refusal names the states and steps to its reader, in the reader's language; the codes themselves
# stay in the rows and the log. Every state and step of MACHINES is here (a test says so).
STATES = {
    "pending": N_("pending"),
    "delivered": N_("delivered"),
    "active": N_("active"),
    "withdrawn": N_("withdrawn"),
    "repaired": N_("repaired"),
    "ended": N_("ended"),
    "open": N_("open"),
    "extended": N_("extended"),
    "corrected": N_("corrected"),
    "upheld": N_("upheld"),
    "lapsed": N_("lapsed"),
    "applied": N_("applied"),
    "approved": N_("approved"),
    "refused": N_("refused"),
    "proposed": N_("proposed"),
    "answered": N_("answered"),
    "listed": N_("listed"),
    "dropped": N_("dropped"),
    "expired": N_("expired"),
    "removed": N_("removed"),
    "cured": N_("cured"),
    "escalated": N_("escalated"),
    "revoked": N_("revoked"),
    "made": N_("made"),
    "kept": N_("kept"),
    "broken": N_("broken"),
}
STEPS = {
    "be delivered": N_("be delivered"),
    "be deemed delivered": N_("be deemed delivered"),
    "be withdrawn": N_("be withdrawn"),
    "be repaired": N_("be repaired"),
    "be reinstated": N_("be reinstated"),
    "end": N_("end"),
    "be extended": N_("be extended"),
    "be answered corrected": N_("be answered corrected"),
    "be answered upheld": N_("be answered upheld"),
    "be answered withdrawn": N_("be answered withdrawn"),
    "lapse": N_("lapse"),
    "be approved": N_("be approved"),
    "be refused": N_("be refused"),
    "be noticed": N_("be noticed"),
    "be answered": N_("be answered"),
    "be listed": N_("be listed"),
    "be dropped": N_("be dropped"),
    "expire": N_("expire"),
    "be removed on repair": N_("be removed on repair"),
    "be cured": N_("be cured"),
    "be escalated": N_("be escalated"),
    "be revoked": N_("be revoked"),
    "be kept": N_("be kept"),
    "be broken": N_("be broken"),
}


def state_name(state: str) -> str:
    """A state as a reader reads it (the code itself when it has no name)."""
    return _(STATES[state]) if state in STATES else state


def step_name(event: str) -> str:
    return _(STEPS[event]) if event in STEPS else event


def refusal(what: str, state: str, event: str, options: list[str]) -> str:
    """Why `what` (already in the reader's words) cannot take this step, and what it can do instead."""
    if not options:
        return _(
            "%(what)s is '%(state)s' and cannot %(event)s (it is closed)",
            what=what,
            state=state_name(state),
            event=step_name(event),
        )
    steps = reduce(
        lambda one, other: _("%(one)s or %(other)s", one=one, other=other), map(step_name, options)
    )
    return _(
        "%(what)s is '%(state)s' and cannot %(event)s; from '%(state)s' it can only %(steps)s",
        what=what,
        state=state_name(state),
        event=step_name(event),
        steps=steps,
    )


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
