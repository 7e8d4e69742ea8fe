"""A clerk's judgement on two subjects, as a decision of due process: taken, told and rated together.

The judgement (credence.subjects.links) changes whose file records count in. In the same transaction:
each identified organisation whose file gains or loses another subject's records gets a notice (kind
`link`) saying which listing, by whom and why, and how to contest it; and every file it changes is rated
again. So a listing never weighs on an organisation's grade without the organisation being told."""

from __future__ import annotations

from datetime import date, datetime
from functools import reduce
from typing import Any

from sqlalchemy import Connection, Engine, select

from credence.clock import Clock, today
from credence.i18n import N_, _
from credence.log import events as log
from credence.process import notices
from credence.process import repository as repo
from credence.process.errors import NotAllowed
from credence.process.machine import state_name
from credence.rating.service import RatingService
from credence.records import notices as record_notices
from credence.records.service import IngestService
from credence.settings import Settings
from credence.store.models import Organisation
from credence.subjects import clusters, links
from credence.subjects.links import Judged, Judgement

_orgs = Organisation.__table__

# The organisation's notice of a clerk's judgement, by the judgement; the clerk's reason is inserted as
# written.
JUDGED = {
    "same": N_(
        "%(actor)s of %(department)s judged two listings same (%(reason)s): in your file, %(changes)s. If "
        "they are not about you, tell %(department)s, which can split them again; your grade and checks "
        "follow."
    ),
    "not_same": N_(
        "%(actor)s of %(department)s judged two listings not same (%(reason)s): in your file, %(changes)s. "
        "If they are not about you, tell %(department)s, which can split them again; your grade and checks "
        "follow."
    ),
    "unsure": N_(
        "%(actor)s of %(department)s judged two listings unsure (%(reason)s): in your file, %(changes)s. If "
        "they are not about you, tell %(department)s, which can split them again; your grade and checks "
        "follow."
    ),
}


class LinkDecisions:
    def __init__(
        self, engine: Engine, clock: Clock, settings: Settings, rating: RatingService, ingest: IngestService
    ) -> None:
        self.ingest = ingest
        self.engine = engine
        self.clock = clock
        self.settings = settings
        self.rating = rating

    def judge(
        self, left: int, right: int, judgement: str, *, department: str, actor: str, reason: str
    ) -> Judged:
        # The reason reaches the organisation's notice and the profile: screened as a record's text is.
        self.ingest.screen_texts(department, "link judgement", {"reason": reason})
        now = self.clock.now()
        deemed = record_notices.deemed_on(today(self.clock, self.settings.timezone), self.settings)
        with self.engine.begin() as conn:
            j = Judgement(left, right, judgement, "clerk", actor, reason, department=department)
            judged = links.judge(conn, j, now)
            moved = sorted(judged.changed)
            heads = {i: judged.changed[i] or i for i in moved}
            olds = {i: judged.before.get(i) or i for i in moved}
            ids = set(moved) | set(heads.values()) | set(olds.values())
            rows = {
                r.id: r
                for r in conn.execute(
                    select(_orgs.c.id, _orgs.c.key, _orgs.c.name, _orgs.c.scheme).where(_orgs.c.id.in_(ids))
                )
            }
            told: dict[int, list[str]] = {}
            for i in moved:
                listing = f"«{rows[i].name}» ({rows[i].key})"
                if heads[i] != i and rows[heads[i]].scheme != "unresolved":
                    told.setdefault(heads[i], []).append(
                        _("the records listed under %(listing)s now count in it", listing=listing)
                    )
                if olds[i] != i and olds[i] != heads[i] and rows[olds[i]].scheme != "unresolved":
                    told.setdefault(olds[i], []).append(
                        _("the records listed under %(listing)s no longer count in it", listing=listing)
                    )
            for organisation_id, changes in sorted(told.items()):
                both = reduce(lambda one, other: _("%(one)s; %(other)s", one=one, other=other), changes)
                message = _(
                    JUDGED[judgement], actor=actor, department=department, reason=reason.strip(), changes=both
                )
                notices.produce_for_organisation(
                    conn, "link", organisation_id, department, now, deemed, message
                )
            if ids:
                self.rating.rate_within(conn, sorted(ids), f"link {judged.id}: judged {judgement}")
            log.flush(conn, now)
        return judged


# -- "this is not us": the usual objection, about a link ------------------------------------------------

NOT_US = "not_us"


def joining_link(conn: Connection, subject: int, head: int) -> Any | None:
    """The clerk's judgement that holds and joins this subject into the file with this head (the latest
    `same` by a clerk on a pair of the subject's within the file), or None (a shared identifier joined it)."""
    inside = set(clusters.members(conn, head))
    found = None
    for row in links.history(conn, subject):
        other = row.right_id if row.left_id == subject else row.left_id
        if other in inside:
            latest = links.current(conn, subject, other)
            if latest is not None and latest.judgement == "same" and latest.basis == "clerk":
                found = latest if found is None or latest.id > found.id else found
    return found


def object_not_us(
    conn: Connection,
    record: Any,
    filed_by: str,
    organisation: Any,
    statement: str,
    now: datetime,
    on: date,
    due: date,
) -> int:
    """An organisation objects that a record a link brought into its file is not about it. The objection
    goes to the department whose clerk made the link; the objection's organisation is the objector."""
    if not filed_by.strip().startswith("organisation:"):
        raise NotAllowed(_("only the organisation whose file holds a record objects that it is not about it"))
    if organisation is None or record.organisation_id == organisation.id:
        raise NotAllowed(
            _(
                "record '%(record)s' is listed under your own identifier: object to its content",
                record=record.source_record_id,
            )
        )
    if clusters.file_head(conn, record.organisation_id) != organisation.id:
        raise NotAllowed(_("record '%(record)s' is not in your file", record=record.source_record_id))
    link = joining_link(conn, record.organisation_id, organisation.id)
    if link is None:
        raise NotAllowed(
            _(
                "record '%(record)s' is in your file by a shared identifier, not a clerk's judgement: object "
                "to its content",
                record=record.source_record_id,
            )
        )
    if record.state != "active":
        raise NotAllowed(
            _(
                "record '%(record)s' is %(state)s: there is nothing to object to",
                record=record.source_record_id,
                state=state_name(record.state),
            )
        )
    if repo.open_objection(conn, record.id) is not None:
        raise NotAllowed(
            _("record '%(record)s' already has an open objection", record=record.source_record_id)
        )
    objection_id = repo.add(
        conn,
        repo.objections,
        record_id=record.id,
        version=record.current_version,
        organisation_id=organisation.id,
        department=link.department,
        ground=NOT_US,
        statement=statement.strip(),
        filed_by=filed_by.strip(),
        filed_at=now,
        filed_on=on,
        due_on=due,
        state="open",
    )
    return objection_id


def settle_not_us(
    conn: Connection,
    objection: Any,
    split: bool,
    actor: str,
    reason: str,
    now: datetime,
    deemed: date,
    told: str | None = None,
) -> list[int]:
    """A "not us" objection answered: `split` (corrected, or lapsed unanswered) is the department's
    judgement not_same on the link, which takes the records out of the objector's file; else (upheld) the
    file stays. The objector is told (`told`, the reason in the reader's words, when the registry's own
    reason is not the department's); the subjects to rate again."""
    record = repo.record(conn, objection.record_id)
    touched = [objection.organisation_id, record.organisation_id]
    link = joining_link(conn, record.organisation_id, objection.organisation_id) if split else None
    if link is not None:  # the judgement that joined the listing's subject into the objector's file
        j = Judgement(
            link.left_id,
            link.right_id,
            "not_same",
            "clerk",
            actor,
            f"objection {objection.id}: {reason}",
            department=objection.department,
        )
        judged = links.judge(conn, j, now)
        touched += list(judged.changed)
    if split:
        said = _(
            "Your objection %(id)s (not about you) was answered: the records listed under that name no "
            "longer count in your file. %(reason)s",
            id=objection.id,
            reason=(told or reason).strip(),
        )
    else:
        said = _(
            "Your objection %(id)s (not about you) was answered: the link stands, and the records count in "
            "your file. %(reason)s",
            id=objection.id,
            reason=(told or reason).strip(),
        )
    notices.produce_for_organisation(
        conn,
        "objection",
        objection.organisation_id,
        objection.department,
        now,
        deemed,
        said,
    )
    return touched
