"""The clerks' review queue of links between subjects (docs/linkage.md): the pairs the linkage model was
unsure of, or would join to an identified organisation, likeliest first; each pair side by side with the
two subjects' names, sources and published records and the model's weight per comparison; and a
department clerk's judgement (same, not_same or unsure, with a reason), after which the files it changes
are rated again. Every judgement on a pair is kept (its history, with each clerk's reason), and the
judgements already made can be listed newest first, so that a mistaken one is found and reversed.
Departments only: a judgement decides whose file a record is in, and a link may join a subject before
anything of it is published."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from credence.api import auth, queries
from credence.api.shapes import ApiError, Page, Short, StrictIn, Text
from credence.i18n import N_, _
from credence.records import publicity
from credence.records.service import RowsRejected
from credence.subjects import clusters
from credence.subjects.links import LinkRefused

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()
LinkId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ComparisonOut(BaseModel):
    name: str = Field(description="What was compared: name, chinese, country, city, an identifier ...")
    level: str = Field(description="How alike they were, in the model's words.")
    weight: float = Field(description="The match weight this comparison added (log2 of its Bayes factor).")


class SubjectOut(BaseModel):
    key: str
    name: str
    country: str | None
    sources: list[str] = Field(description="The departments whose records name it.")
    records: list[dict[str, Any]] = Field(description="Its published records: the evidence to compare.")


class JudgementOut(BaseModel):
    link: int = Field(description="The judgement's id: GET /api/v1/links/{link} shows its pair.")
    judgement: str = Field(description="same, not_same or unsure.")
    basis: str = Field(description="identifier:<scheme>, model or clerk.")
    probability: float | None = Field(description="The model's match probability; null otherwise.")
    actor: str = Field(description="Who judged: the clerk, the linkage model or a shared identifier.")
    department: str | None = Field(description="The clerk's department; null for the model and identifiers.")
    reason: str = Field(description="Why: what the clerk checked, or the model's probability.")
    at: datetime


class PairOut(BaseModel):
    link: int = Field(description="This judgement on the pair (the queue shows the model's).")
    judgement: str = Field(description="unsure, or same (the model would join it to an identified file).")
    basis: str = Field(description="Who made this judgement: identifier:<scheme>, model or clerk.")
    actor: str = Field(description="The clerk, the linkage model or a shared identifier.")
    department: str | None = Field(description="The clerk's department; null for the model and identifiers.")
    probability: float | None
    weight: float | None = Field(description="The match weight: the prior's and every comparison's, summed.")
    comparisons: list[ComparisonOut]
    left: SubjectOut
    right: SubjectOut
    at: datetime
    history: list[JudgementOut] = Field(
        description="Every judgement on the pair, oldest first: the last one holds."
    )


class SubjectRef(BaseModel):
    key: str
    name: str
    country: str | None


class JudgedPairOut(JudgementOut):
    left: SubjectRef
    right: SubjectRef
    holds: bool = Field(description="Whether it is the latest judgement on its pair, the one in force.")


NO_SUBJECT = N_("no subject by this key: give its key (uscc:…, lei:…, unresolved:…), USCC or LEI")


class JudgementIn(StrictIn):
    department: Short = Field(description="The clerk's department: it answers an objection to the link.")
    left: Short = Field(description="A subject's key (uscc:…, lei:…, unresolved:…), USCC or LEI.")
    right: Short
    judgement: Literal["same", "not_same", "unsure"]
    actor: Short = Field(description="Who judges, beginning with the department ('SAMR clerk Li').")
    reason: Text = Field(description="What the clerk checked.")


class JudgedOut(BaseModel):
    link: int
    left: str
    right: str
    judgement: str
    file: str = Field(description="The key of the head of the file the left subject is in now.")
    subjects_whose_file_changed: int


def _registry(request: Request) -> Registry:
    found: Registry = request.app.state.registry
    return found


def judgement_out(row: Any) -> JudgementOut:
    return JudgementOut(
        link=row.id,
        judgement=row.judgement,
        basis=row.basis,
        probability=row.probability,
        actor=row.actor,
        department=row.department,
        reason=row.reason,
        at=row.at,
    )


def pair_out(reg: Registry, link: Any) -> PairOut:
    today = reg.today()
    with reg.engine.connect() as conn:
        subjects = {o.id: o for o in queries.subjects(conn, [link.left_id, link.right_id])}
        history = queries.pair_history(conn, link.left_id, link.right_id)
        sources = queries.departments_of(conn, list(subjects))
        evidence = {
            i: publicity.public_records(conn, reg.catalog, i, today, 1, 20, own_only=True)[1]
            for i in subjects
        }

    def side(i: int) -> SubjectOut:
        o = subjects[i]
        rows = [
            {
                "department": r.department,
                "source_record_id": r.source_record_id,
                "category": r.category,
                "decided_on": r.decided_on.isoformat(),
                "subject_name": r.subject_name,
                "summary": r.summary,
            }
            for r in evidence[i]
        ]
        return SubjectOut(key=o.key, name=o.name, country=o.country, sources=sources.get(i, []), records=rows)

    comparisons = [ComparisonOut(**c) for c in json.loads(link.comparisons or "[]")]
    return PairOut(
        link=link.id,
        judgement=link.judgement,
        basis=link.basis,
        actor=link.actor,
        department=link.department,
        probability=link.probability,
        weight=link.weight,
        comparisons=sorted(comparisons, key=lambda c: -abs(c.weight)),
        left=side(link.left_id),
        right=side(link.right_id),
        at=link.at,
        history=[judgement_out(row) for row in history],
    )


def judged_pairs(
    reg: Registry, judged_by: str | None, department: str | None, page: int, per_page: int
) -> Page[JudgedPairOut]:
    """Judgements newest first, each with its two subjects and whether it still holds."""
    with reg.engine.connect() as conn:
        total, rows, holding = queries.judgements(conn, judged_by, department, page, per_page)
        ids = sorted({i for r in rows for i in (r.left_id, r.right_id)})
        subjects = {
            o.id: SubjectRef(key=o.key, name=o.name, country=o.country) for o in queries.subjects(conn, ids)
        }
    items = [
        JudgedPairOut(
            **judgement_out(r).model_dump(),
            left=subjects[r.left_id],
            right=subjects[r.right_id],
            holds=r.id in holding,
        )
        for r in rows
    ]
    return Page[JudgedPairOut](items=items, total=total, page=page, per_page=per_page)


@router.get("/api/v1/links", response_model=Page[JudgedPairOut], tags=["links"])
def judged(
    request: Request,
    judged_by: Annotated[Literal["clerk", "model", "identifier"] | None, Query()] = None,
    department: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[JudgedPairOut]:
    """Judgements already made, newest first: by a clerk, the model or a shared identifier (`judged_by`),
    of one department's clerks (`department`); each says whether it still holds. To find a mistaken
    judgement and judge its pair again."""
    return judged_pairs(_registry(request), judged_by, department, page, per_page)


@router.get("/api/v1/links/queue", response_model=Page[PairOut], tags=["links"])
def queue(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[PairOut]:
    """The pairs waiting for a clerk, likeliest first."""
    reg = _registry(request)
    waiting = reg.links.queue(limit=100_000)
    return Page[PairOut].of(waiting, page, per_page, lambda w: pair_out(reg, w.link))


@router.get("/api/v1/links/{link_id}", response_model=PairOut, tags=["links"])
def pair(request: Request, link_id: LinkId) -> PairOut:
    """A judgement's pair side by side, with the model's weight per comparison when it made it, and every
    judgement on the pair, oldest first."""
    reg = _registry(request)
    with reg.engine.connect() as conn:
        link = queries.link(conn, link_id)
    if link is None:
        raise ApiError(404, "not_found", _("no link %(id)s", id=link_id))
    return pair_out(reg, link)


@router.post("/api/v1/links", response_model=JudgedOut, status_code=201, tags=["links"])
def judge(request: Request, body: JudgementIn) -> JudgedOut:
    """A clerk's judgement on two subjects: same (one file), not_same (a split: both files exactly as they
    were before the join) or unsure. Appended and logged; the files it changes are rated again."""
    reg = _registry(request)
    auth.own_department(request, "department", body.department)
    actor = auth.actor(request, "actor", body.actor)
    return judge_pair(reg, body.left, body.right, body.judgement, body.department, actor, body.reason)


def judge_pair(
    reg: Registry, left: str, right: str, judgement: str, department: str, actor: str, reason: str
) -> JudgedOut:
    """Judge, then rate the files it changed: the one service call the API and the review page share."""
    found = []
    for field, text in (("left", left), ("right", right)):
        try:
            found.append(reg.links.subject(text))
        except LookupError:  # what was typed is not repeated: it may hold a person's data
            raise ApiError(404, "not_found", f"{field}: {_(NO_SUBJECT)}") from None
    a, b = found
    try:
        if department not in reg.catalog.departments:
            # what was typed is not repeated: it may be a person's data
            raise LinkRefused(
                "unknown_department", _("department: not a department of the registry's catalog")
            )
        judged = reg.link_decisions.judge(
            a.id, b.id, judgement, department=department, actor=actor, reason=reason
        )
    except LinkRefused as exc:
        raise ApiError(422, exc.reason, str(exc)) from None
    except RowsRejected as exc:  # the reason, on a prohibited ground or with a person's data
        raise ApiError(422, "rejected", str(exc), [r.to_json() for r in exc.rejections]) from None
    with reg.engine.connect() as conn:
        head = clusters.file_head(conn, a.id)
        (head_row,) = queries.subjects(conn, [head])
    return JudgedOut(
        link=judged.id,
        left=a.key,
        right=b.key,
        judgement=judgement,
        file=head_row.key,
        subjects_whose_file_changed=len(judged.changed),
    )
