"""Screening by name: the match API, in the spirit of OpenSanctions' yente `/match`, and the eligibility
check of a bidder known by name (the JSON twin of the /checks page's check by name).

A thin edge over credence.checks: the names are screened as ingest screens a subject without an
identifier (a person's name, a religious body or a trade union is refused with ingest's reason code, and
never repeated), the candidates come from the linkage model over the registry's subjects kept in memory,
and sole proprietors, whose files are never public, are never among them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, WithJsonSchema

from credence.api.lists import AppliedOut, Domain
from credence.api.shapes import ApiError, StrictIn
from credence.checks.names import MAX_NAME_LENGTH, MAX_NAMES, NameQuery, NameRefused
from credence.checks.service import UnknownDomain

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()
# What no JSON schema can say of a name: that it is an organisation's (a legal form, a field of business, a
# Chinese organisation suffix...), not a person's, a religious body's or a trade union's. The format says so.
ORGANISATION_NAME = (
    "An organisation's name (format organisation-name): one with a sign of an organisation, such as its "
    "legal form (Ltd, S.A., 有限公司); a person's name, a religious body's or a trade union's is refused."
)
NameFormat = WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH, "format": "organisation-name"}
)
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
Country = Annotated[str, Field(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$")]


class IdentifiersIn(StrictIn):
    uscc: Annotated[str, Field(max_length=40)] | None = Field(default=None, description="A USCC.")
    lei: Annotated[str, Field(max_length=40)] | None = Field(default=None, description="An LEI.")


class MatchIn(StrictIn):
    names: list[Name] = Field(
        min_length=1, max_length=MAX_NAMES, description="The organisation's names, in any script."
    )
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2, any case.")
    identifiers: IdentifiersIn = Field(default_factory=IdentifiersIn)
    limit: int = Field(default=5, ge=1, le=50, description="At most this many candidates.")
    cutoff: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="The least probability a candidate needs; default the review threshold.",
    )


class ComparisonOut(BaseModel):
    comparison: str = Field(description="name, chinese, country, city, postcode, phone, uscc, lei, ...")
    level: str = Field(description="The level the pair fell in, such as 'same Latin name'.")
    weight: float | None = Field(description="The level's log2 Bayes factor; null for a shared identifier.")


class CandidateOut(BaseModel):
    key: str = Field(description="The key of the file's head (uscc:…, lei:… or unresolved:…).")
    identifier: str | None
    name: str
    country: str | None
    score: float = Field(description="The model's match probability (1 for a shared identifier).")
    match: bool = Field(description="score is at or above the auto threshold (link_auto_threshold).")
    match_weight: float | None = Field(description="Splink's match weight; null for a shared identifier.")
    basis: str = Field(description="model, or identifier:uscc (lei, org_code, registration).")
    matched_subject: str = Field(description="The subject of the file whose names gave the score.")
    comparisons: list[ComparisonOut] = Field(description="Each comparison's level and weight (a waterfall).")


class ThresholdsOut(BaseModel):
    match: float = Field(description="link_auto_threshold: from it a candidate is a match.")
    review: float = Field(description="link_review_threshold: from it a candidate is a possible match.")


class MatchOut(BaseModel):
    query: dict[str, Any] = Field(
        description="The query: its names as given, the country in capitals, the identifiers as compared."
    )
    results: list[CandidateOut]
    total: int
    limit: int
    thresholds: ThresholdsOut


class NameCheckOut(BaseModel):
    name: str
    country: str | None
    domain: str
    as_of: str
    result: Literal["eligible", "restricted", "fast_track", "possible_match", "no_match"] = Field(
        description="possible_match: candidates from the review threshold, none (or more than one file) at "
        "the auto threshold, for a person to review; a fuzzy match alone never restricts. no_match: none."
    )
    matched_by: Literal["name"] | None = Field(description="name: one file matched at the auto threshold.")
    probability: float | None = Field(description="The best candidate's probability.")
    organisation: dict[str, str | None] | None
    known: bool = Field(description="True when a file was matched and checked.")
    measures: list[AppliedOut]
    candidates: list[CandidateOut]


def _registry(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


def _refused(exc: NameRefused) -> ApiError:
    return ApiError(422, exc.reason, str(exc), [{"where": exc.where, "message": exc.message}])


@router.post("/api/v1/match", response_model=MatchOut, tags=["checks"])
def match(request: Request, body: MatchIn) -> MatchOut:
    """The registry's organisations a name may be (in the spirit of yente's /match): candidates, best
    first, each the head of a file with its key, name and country, the model's probability (`score`),
    `match` from the auto threshold, the match weight and each comparison's level and weight. A shared
    USCC or LEI decides outright. A person's name, a religious body or a trade union is refused (422
    natural_person, religious_body, trade_union) and not repeated; sole proprietors are never answered."""
    reg = _registry(request)
    names = reg.checks.names
    asked = NameQuery(tuple(body.names), body.country, body.identifiers.uscc, body.identifiers.lei)
    today = reg.today()
    try:
        query = names.refuse(asked, today)
    except NameRefused as exc:
        raise _refused(exc) from None
    (screened,) = names.screen_many([query], today, limit=body.limit, floor=body.cutoff)
    results = [CandidateOut(**f.to_json()) for f in screened.found]
    identifiers = {k: v for k, v in (("uscc", query.uscc), ("lei", query.lei)) if v}
    shown = {"names": body.names, "country": query.country, "identifiers": identifiers}  # as given
    return MatchOut(
        query=shown,
        results=results,
        total=len(results),
        limit=body.limit,
        thresholds=ThresholdsOut(match=names.auto, review=names.review),
    )


@router.get("/api/v1/checks/by-name", response_model=NameCheckOut, tags=["checks"])
def check_by_name(
    request: Request,
    name: Annotated[
        str, Query(min_length=1, max_length=MAX_NAME_LENGTH, description=ORGANISATION_NAME), NameFormat
    ],
    domain: Domain,
    country: Annotated[str | None, Query(max_length=2, pattern="^[A-Za-z]{2}$")] = None,
) -> NameCheckOut:
    """The eligibility check of a bidder without a code: its best candidates; at or above the auto threshold
    (one file), that file's check as if its code had been given, `matched_by` name, with the probability;
    from the review threshold `possible_match` (review); below it `no_match`. Never `restricted` on a fuzzy
    match alone."""
    reg = _registry(request)
    try:
        found = reg.checks.check_name(name, country, domain)
    except UnknownDomain as exc:
        raise ApiError(422, "unknown_domain", str(exc)) from None
    except NameRefused as exc:
        raise _refused(exc) from None
    return NameCheckOut(**found.to_json())
