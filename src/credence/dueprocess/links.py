"""A clerk's judgement on two subjects, as a decision of due process: taken, told and rated together.

The judgement (credence.subjects.links) changes whose file records count in. In the same transaction:
each identified organisation whose file gains or loses another subject's records gets a notice (kind
`link`) saying which listing, by whom and why, and how to contest it; and every file it changes is rated
again. So a listing never weighs on an organisation's grade without the organisation being told."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from credence.clock import Clock, today
from credence.log import events as log
from credence.process import notices
from credence.process import repository as repo
from credence.process.errors import NotAllowed
from credence.rating.service import RatingService
from credence.records import notices as record_notices
from credence.records.service import IngestService
from credence.settings import Settings
from credence.store.models import Organisation
from credence.subjects import clusters, links
from credence.subjects.links import Judged, Judgement

_orgs = Organisation.__table__


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
                        f"the records listed under {listing} now count in it"
                    )
                if olds[i] != i and olds[i] != heads[i] and rows[olds[i]].scheme != "unresolved":
                    told.setdefault(olds[i], []).append(
                        f"the records listed under {listing} no longer count in it"
                    )
            for organisation_id, changes in sorted(told.items()):
                message = (
                    f"{actor} of {department} judged two listings {judgement.replace('_', ' ')} "
                    f"({reason.strip()}): in your file, {'; '.join(changes)}. If they are not about you, "
                    f"tell {department}, which can split them again; your grade and checks follow."
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
        raise NotAllowed("only the organisation whose file holds a record objects that it is not about it")
    if organisation is None or record.organisation_id == organisation.id:
        raise NotAllowed(
            f"record '{record.source_record_id}' is listed under your own identifier: object to its content"
        )
    if clusters.file_head(conn, record.organisation_id) != organisation.id:
        raise NotAllowed(f"record '{record.source_record_id}' is not in your file")
    link = joining_link(conn, record.organisation_id, organisation.id)
    if link is None:
        raise NotAllowed(
            f"record '{record.source_record_id}' is in your file by a shared identifier, not a clerk's "
            "judgement: object to its content"
        )
    if record.state != "active":
        raise NotAllowed(
            f"record '{record.source_record_id}' is {record.state}: there is nothing to object to"
        )
    if repo.open_objection(conn, record.id) is not None:
        raise NotAllowed(f"record '{record.source_record_id}' already has an open objection")
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
    conn: Connection, objection: Any, split: bool, actor: str, reason: str, now: datetime, deemed: date
) -> list[int]:
    """A "not us" objection answered: `split` (corrected, or lapsed unanswered) is the department's
    judgement not_same on the link, which takes the records out of the objector's file; else (upheld) the
    file stays. The objector is told; the subjects to rate again."""
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
        said = "the records listed under that name no longer count in your file."
    else:
        said = "the link stands, and the records count in your file."
    notices.produce_for_organisation(
        conn,
        "objection",
        objection.organisation_id,
        objection.department,
        now,
        deemed,
        f"Your objection {objection.id} (not about you) was answered: {said} {reason.strip()}",
    )
    return touched
