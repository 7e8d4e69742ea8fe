"""A clerk's judgement on two subjects, as a decision of due process: taken, told and rated together.

The judgement (credence.subjects.links) changes whose file records count in. In the same transaction:
each identified organisation whose file gains or loses another subject's records gets a notice (kind
`link`) saying which listing, by whom and why, and how to contest it; and every file it changes is rated
again. So a listing never weighs on an organisation's grade without the organisation being told."""

from __future__ import annotations

from sqlalchemy import Engine, select

from credence.clock import Clock, today
from credence.log import events as log
from credence.process import notices
from credence.rating.service import RatingService
from credence.records import notices as record_notices
from credence.settings import Settings
from credence.store.models import Organisation
from credence.subjects import links
from credence.subjects.links import Judged, Judgement

_orgs = Organisation.__table__


class LinkDecisions:
    def __init__(self, engine: Engine, clock: Clock, settings: Settings, rating: RatingService) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
        self.rating = rating

    def judge(
        self, left: int, right: int, judgement: str, *, department: str, actor: str, reason: str
    ) -> Judged:
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
