"""The API: FastAPI under /api/v1, OpenAPI at /openapi.json. A thin edge over the services.

Every error has one shape ({"error": {status, code, message, details}}) and every list another
({items, total, page, per_page}); tests/api holds both, and fuzzes the API from its own OpenAPI document.
"""

import json
import re
import threading
from collections import OrderedDict
from contextlib import nullcontext
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Body, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException

from credence import i18n
from credence.access.reads import ReadRecorder
from credence.api import auth, commitments, exports, figures, links, lists, log, queries, reads, reports
from credence.api import search as search_service
from credence.api import statistics as statistics_api
from credence.api.auth import LOCAL, authorise
from credence.api.characters import NoNul
from credence.api.hardening import (
    BidderLimits,
    BodyLimit,
    HeadAsGet,
    SecurityHeaders,
    allowed_methods,
    method_not_allowed,
)
from credence.api.match import router as match_router
from credence.api.shapes import (
    CODE_DESCRIPTION,
    ERRORS,
    UNRESOLVED_EXPECTED,
    UNRESOLVED_KEY,
    ApiError,
    Error,
    ErrorBody,
    OrganisationKey,
    Page,
    SearchText,
    error_response,
    invalid_json,
    not_utf8,
)
from credence.catalog import Catalog, load_catalog, screen_from
from credence.catalog.model import GRADES, ListKind
from credence.checks.service import CheckService
from credence.clock import Clock, SystemClock, today
from credence.demo.divisions import DIVISIONS
from credence.dueprocess.links import LinkDecisions
from credence.dueprocess.service import DueProcess
from credence.i18n import N_, _
from credence.identity import (
    SubjectError,
    SubjectId,
    fold,
    not_an_identifier,
    person_refusal,
    resolve_subject,
)
from credence.measures.catalog import load_measures
from credence.process import repository as process_repo
from credence.rating import Policy, load_policy
from credence.rating import repository as rating_repo
from credence.rating.service import RatingService, line_words, reckoning_lines
from credence.records import publicity
from credence.records.readers import RawRow
from credence.records.service import IngestService, UnknownDepartment
from credence.records.validation import control_character_at
from credence.settings import Settings
from credence.store.db import make_engine
from credence.subjects import clusters
from credence.subjects.search import Vocabulary
from credence.subjects.service import LinkService

REGIONS = {code: (zh, en) for code, zh, en in DIVISIONS}
ACCESS_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Error, "description": text}
    for status, text in (
        (401, "No credentials, or a token that is unknown, revoked or expired"),
        (413, "The request body is too large"),
        (429, "Too many requests: try again after Retry-After seconds"),
    )
}
MAX_SUBMISSION_ROWS = 10_000
# What an organisation route's {code} must be, as its errors say (without repeating what was typed).
# What a route's {code} may be (translated where shown); IDENTIFIER_EXPECTED and a key.
KEY_EXPECTED = N_("a USCC (18 characters) or an LEI (20), or a key such as uscc:91110000600037341L")
__all__ = ["LOCAL", "Registry", "create_api"]


K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class OrganisationOut(BaseModel):
    key: str = Field(
        description="The key that names it in /api/v1/organisations/{code} and its other routes: uscc:…, "
        "lei:…, or unresolved:… (24 hexadecimal digits) for a subject listed without an identifier, such "
        "as a development bank's listing of a firm without a code."
    )
    code: str | None = Field(
        description="Its USCC or LEI; null for a subject listed without an identifier (name it by its key)."
    )
    name: str
    alt_name: str | None
    kind: str | None
    division: str | None
    region: str | None = Field(description="The division's city, in Chinese and English, when known.")
    grade: str | None
    score: int | None


class CodeProblemOut(BaseModel):
    reason: str = Field(description="check_character, org_code_check, check_digits, or another reason code.")
    position: int | None = Field(description="The position (from 1) of the character that is wrong.")
    found: str | None = Field(description="The check character (LEI: digits) the code has.")
    expected: str | None = Field(description="The check character (digits) its other characters call for.")
    message: str = Field(description="What is wrong, in the reader's language.")


class SearchPageOut(Page[OrganisationOut]):
    explanation: CodeProblemOut | None = Field(
        default=None,
        description="When q has the shape of a USCC or an LEI but fails its check: which character is wrong "
        "and what it should be. Null otherwise.",
    )


class LinkOut(BaseModel):
    judgement: str = Field(description="same: the judgement that joins the two subjects.")
    basis: str = Field(description="identifier:<scheme> (a shared identifier), clerk or model.")
    probability: float | None = Field(description="The model's match probability, for a model link.")
    actor: str
    reason: str
    at: datetime


class AlsoListedOut(BaseModel):
    key: str = Field(description="The subject joined into this file: its key (unresolved:… without one).")
    name: str
    country: str | None
    sources: list[str] = Field(description="The departments whose records name it.")
    links: list[LinkOut] = Field(description="The judgements that join it to the file, with their basis.")


class ReckoningLineOut(BaseModel):
    kind: str = Field(
        description="start, record, others, cap, hidden (records shared only with public bodies), "
        "favourable_cap, floor, ceiling or grade_limit (no points)."
    )
    points: int
    text: str = Field(description="The line in plain words, with its points.")
    reason: str = Field(description="The line in plain words, without its points.")


class ProfileOut(OrganisationOut):
    also_listed_as: list[AlsoListedOut] = Field(
        default_factory=list,
        description="Every subject links joined into this organisation's file (docs/linkage.md): its "
        "records count here, in the grade and the checks.",
    )
    as_of: date
    policy_version: str
    policy_sha256: str
    grade_limited_by: str | None = Field(
        description="The rule that holds the grade below what the score gives, if one does (null when it "
        "is about records shared only with public bodies)."
    )
    reasons: list[str] = Field(
        description="How the score adds up, in plain words in the request's language: the starting score, "
        "the heaviest records (the rest in one line), each cap, the records shared only with public bodies "
        "in one line, the favourable cap, the floor or the ceiling; then the rule that holds the grade, if "
        "one does. The same lines as `reckoning`."
    )
    reckoning: list[ReckoningLineOut] = Field(
        description="The reasons as data: their points sum to the score exactly."
    )
    what_would_change: list[str]


RecordLog = log.RecordLogOut


class RecordOut(BaseModel):
    department: str
    source_record_id: str
    category: str
    category_title: str
    subject: str = Field(
        description="The key of the subject the record was submitted about, such as "
        "uscc:91110000600037341L: in an organisation's file each record keeps its own (docs/linkage.md), as "
        "its content hash covers it."
    )
    subject_name: str = Field(description="The organisation's name as the record gives it.")
    subject_alt_name: str | None
    subject_country: str | None = Field(description="The country the record's content hash covers.")
    severity: str | None
    decided_on: date
    status: str
    legal_basis: str
    amount: str | None
    currency: str | None
    summary: str | None
    effective_until: date | None
    until_kind: str | None = Field(description="date, permanent or open_ended.")
    published_until: date
    version: int
    under_objection: bool = Field(description="An objection to the record awaits the department's answer.")
    publicity: str = Field(
        description="Who may see it: public (everyone), shared (public bodies, for a purpose), private "
        "(the organisation)."
    )
    log: RecordLog | None = Field(
        description="The transparency-log entry that committed to this version's content, its salt and its "
        "inclusion proof: the SHA-256 of the fields joined by U+001F is the entry's content_hash "
        "(docs/log-verification.md). Null for a record stored before the log."
    )


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # straight from a rating_history row

    as_of: date
    old_grade: str | None
    new_grade: str
    score: int
    cause: str
    policy_version: str


class SubmissionOut(BaseModel):
    """The ingest summary (IngestResult.to_json) of the submission, with every rejection."""

    batch_id: int | None
    accepted: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[dict[str, Any]]
    rated: int
    grade_changes: int


class Registry:
    """What the API needs, built once per app from settings."""

    def __init__(self, settings: Settings, clock: Clock, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = make_engine(settings.database_url)
        self.catalog = catalog or load_catalog(settings.catalog_path, screen_from(settings))
        self.policy: Policy = load_policy(self.catalog, settings.rating_policy, settings.rating_policy_path)
        self.rating = RatingService(self.engine, self.catalog, self.policy, clock, settings)
        self.links = LinkService.from_settings(self.engine, clock, settings)
        self.ingest = IngestService(self.engine, self.catalog, clock, settings)
        self.link_decisions = LinkDecisions(self.engine, clock, settings, self.rating, self.ingest)
        self.process = DueProcess(self.engine, self.catalog, clock, settings, self.rating, self.ingest)
        self.lists = self.process.lists  # the list procedures and the lists' criteria (lists.lists)
        self.measures = load_measures(self.catalog, settings.measures_path)
        self.checks = CheckService(
            self.engine, self.catalog, self.measures, self.lists.lists, clock, settings, self.rating
        )
        self.reads = ReadRecorder(self.engine, clock)  # purpose-bound reads, committed in groups
        self.vocabulary = Vocabulary()  # the search terms of the subjects' names (credence.subjects.search)
        self.profiles: Lru[Any, tuple[ProfileOut, bytes]] = Lru(10_000)
        # Organisations rows by code, kept for their identity; their file_id is checked on each read.
        self.organisations: Lru[str, Any] = Lru(100_000)

    def today(self) -> date:
        return today(self.clock, self.settings.timezone)

    def demo_only(self, request: Request) -> None:
        """What only the demo sign-in opens: in demo mode, from 127.0.0.1."""
        if not self.settings.demo_mode:
            raise ApiError(403, "closed", _("this is open only when the server runs in demo mode"))
        host = request.client.host if request.client else ""
        if host not in LOCAL:
            raise ApiError(403, "closed", _("this is open only from 127.0.0.1"))

    def organisation(self, code: str) -> Any:
        return _organisation(self, code)

    def own_file(self, request: Request, code: str) -> Any:
        """The organisation of a route about an organisation's own file (its inbox, objections, repairs,
        list entries, commitments, reads), sole proprietors included: an organisation is refused any code
        but its own before anything is looked up, so the answer never tells whether the registry holds
        another's code; the roles the route's rule admits besides (auditor, operator) find any."""
        subject = _subject(self, code)
        auth.own_organisation(request, subject.code)
        return _organisation(self, code, never_public=True)


def create_api(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The API's app: its routes, handlers and middleware over one Registry (app.state.registry). The
    server adds the web pages to it (credence.server.create_app); nothing here imports them."""
    registry = Registry(settings or Settings(), clock or SystemClock())
    app = FastAPI(
        title="Credence",
        summary="An open credit-information registry for organisations.",
        version="0.1.0",
        docs_url=None,  # the interactive docs page loads scripts from elsewhere; nothing downloads
        redoc_url=None,
        responses={**ERRORS, **ACCESS_ERRORS},
        dependencies=[Depends(authorise)],  # every route: who acts, and may it (credence.api.rules)
    )
    app.state.registry = registry
    app.state.bidders = BidderLimits(registry.settings)  # the cost limit on bulk checks
    _handlers(app)
    auth.install(app, registry)
    app.add_middleware(NoNul)  # no NUL character reaches a route (PostgreSQL refuses it in text)
    app.add_middleware(BodyLimit, limit=registry.settings.max_request_bytes)
    app.add_middleware(HeadAsGet)  # HEAD on every GET route
    app.add_middleware(SecurityHeaders, session_cookie=auth.SIGN_IN_COOKIE)  # outermost: every answer

    def get_registry() -> Registry:
        return registry

    Reg = Annotated[Registry, Depends(get_registry)]
    Code = Annotated[str, Path(description=CODE_DESCRIPTION), OrganisationKey]
    PageNo = Annotated[int, Query(ge=1, le=100_000)]
    PerPage = Annotated[int, Query(ge=1, le=100)]

    # The filters' values, in the OpenAPI document: a value it calls valid is one the search takes.
    enum: dict[str, dict[str, Any]] = {
        "region": {"enum": sorted(REGIONS)},
        "kind": {"enum": list(search_service.KINDS)},
        "grade": {"enum": list(GRADES)},
        "department": {"enum": sorted(registry.catalog.departments)},
        "category": {"enum": search_service.public_categories(registry.catalog)},
        "list": {"enum": list(ListKind.__members__)},
        "sort": {"enum": list(search_service.SORTS)},
    }

    @app.get("/api/v1/organisations", response_model=SearchPageOut, tags=["organisations"])
    def search(
        reg: Reg,
        q: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=200,
                description="A name (Chinese, pinyin or Latin; typos forgiven), or a USCC or LEI. May be "
                "left out when a filter is given.",
            ),
            SearchText,
        ] = None,
        page: PageNo = 1,
        per_page: PerPage = 20,
        region: Annotated[
            str | None,
            Query(
                max_length=6, description="A division code, such as 330100.", json_schema_extra=enum["region"]
            ),
        ] = None,
        kind: Annotated[
            str | None,
            Query(max_length=40, description="A kind of organisation.", json_schema_extra=enum["kind"]),
        ] = None,
        grade: Annotated[
            str | None,
            Query(max_length=1, description="A grade: A, B, C or D.", json_schema_extra=enum["grade"]),
        ] = None,
        department: Annotated[
            str | None,
            Query(
                max_length=32,
                description="With a published public record of this department.",
                json_schema_extra=enum["department"],
            ),
        ] = None,
        category: Annotated[
            str | None,
            Query(
                max_length=64,
                description="With a published record of this public category.",
                json_schema_extra=enum["category"],
            ),
        ] = None,
        on_list: Annotated[
            str | None,
            Query(
                alias="list",
                max_length=32,
                description="With an entry in force on this list.",
                json_schema_extra=enum["list"],
            ),
        ] = None,
        sort: Annotated[
            str | None,
            Query(
                max_length=16,
                description="relevance (the default with q), name (without), grade or latest.",
                json_schema_extra=enum["sort"],
            ),
        ] = None,
    ) -> SearchPageOut:
        """Search by name or by identifier (a USCC or LEI finds that organisation), or browse by filters.
        Names are matched by their words, their Chinese characters and their pinyin, so a typo, pinyin
        without tones or a homophone in Chinese still finds the name; names starting with the text come
        first among equals. Filters (`region`, `kind`, `grade`, `department`, `category`, `list`) read only
        what anyone may see. A query shaped like a code that fails its check is answered with no items and
        an `explanation`. Each result's `key` opens its profile, also for a subject listed without an
        identifier (`code` null, `key` unresolved:…)."""
        filters = search_service.Filters(region, kind, grade, department, category, on_list)
        if q is None and not filters.given():
            raise ApiError(
                422,
                "invalid_request",
                search_service.q_missing(),
                [{"where": "query.q"}],
            )
        return organisation_search(reg, q or "", page, per_page, filters, sort)

    @app.get("/api/v1/organisations/{code}", response_model=ProfileOut, tags=["organisations"])
    def profile(reg: Reg, code: Code) -> Response:
        """An organisation's identity, grade, score, reasons and what would change the grade. A subject
        joined into another's file answers with that file's profile (its head's key)."""
        # The body is serialised once per change of the profile (see organisation_profile), not per request.
        return Response(profile_json(reg, code), media_type="application/json")

    @app.get("/api/v1/organisations/{code}/records", response_model=Page[RecordOut], tags=["organisations"])
    def organisation_records(
        reg: Reg,
        request: Request,
        code: Code,
        purpose: reads.Purpose = None,
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> Page[RecordOut]:
        """The organisation's public records inside their publication period, newest first. A department
        that gives a `purpose` also sees the records the catalog shares with public bodies, and the read is
        logged (the organisation sees who read its file and why); the organisation itself (its own token)
        sees its records of every publicity. The records are its file's (docs/linkage.md), each with the
        subject it was submitted about, as its logged content hash covers it."""
        org = _organisation(reg, code)
        principal = auth.principal_of(request)
        publicities = reads.records_view(principal, org.code, purpose)
        logged = purpose is not None and publicities == reads.SHARED
        with reg.reads.expecting() if logged else nullcontext():
            with reg.engine.connect() as conn:
                total, rows = publicity.public_records(
                    conn, reg.catalog, org.id, reg.today(), page, per_page, publicities
                )
                contested = process_repo.under_objection(conn, [r.id for r in rows])
                proved = queries.record_proofs(conn, rows)
                about = {s.id: s for s in queries.subjects(conn, sorted({r.organisation_id for r in rows}))}
            if logged:  # kept and committed before the answer leaves: no shared record without its entry
                file = _file(reg, org)  # the organisation whose file was read sees the read
                what = f"records of {file.key} (public and shared), page {page}"
                reg.reads.record(principal, file.id, str(purpose), what)
        items = [
            _record_out(reg, r, r.id in contested, about[r.organisation_id], proved.get(r.id)) for r in rows
        ]
        return Page(items=items, total=total, page=page, per_page=per_page)

    @app.get("/api/v1/organisations/{code}/history", response_model=Page[HistoryOut], tags=["organisations"])
    def history(reg: Reg, code: Code, page: PageNo = 1, per_page: PerPage = 20) -> Page[HistoryOut]:
        """Every change of the organisation's score or grade, oldest first, with its cause: its file's,
        as the profile's grade is."""
        org = _file(reg, _organisation(reg, code))
        with reg.engine.connect() as conn:
            rows = rating_repo.history_of(conn, org.id)
        start = (page - 1) * per_page
        items = [HistoryOut.model_validate(h) for h in rows[start : start + per_page]]
        return Page(items=items, total=len(rows), page=page, per_page=per_page)

    @app.get("/api/v1/health", tags=["operations"])
    def health() -> dict[str, str]:
        """A constant answer: the server is up (also the baseline of the API benchmark)."""
        return {"status": "ok"}

    @app.get("/api/v1/catalog", tags=["rules"])
    def catalog(reg: Reg) -> dict[str, Any]:
        """The catalog in force: departments and categories with their legal bases and periods."""
        c = reg.catalog
        return {
            "version": c.version,
            "title": c.title,
            "sha256": c.sha256,
            "departments": [d.model_dump(mode="json") for d in c.departments.values()],
            "categories": [x.model_dump(mode="json") for x in c.categories.values()],
            # What every record is screened with (docs/catalog.md, "Screening every record").
            "screening": {
                "lexicon_version": c.screen.lexicon.version,
                "lexicon_sha256": c.screen.lexicon.sha256,
                "grounds": [g.code for g in c.screen.lexicon.grounds],
                "denied_laws_version": c.screen.denied.version,
                "denied_laws": [
                    {"law": d.law, "law_zh": d.law_zh, "articles": d.articles, "ground": d.ground}
                    for d in c.screen.denied.laws
                ],
            },
        }

    @app.get("/api/v1/policy", tags=["rules"])
    def policy(reg: Reg) -> dict[str, Any]:
        """The rating policy in force, with its file's SHA-256."""
        return {
            "source": reg.policy.source,
            "sha256": reg.policy.sha256,
            **reg.policy.doc.model_dump(mode="json"),
        }

    @app.post("/api/v1/records", response_model=SubmissionOut, tags=["submission"])
    def submit(
        reg: Reg,
        request: Request,
        department: Annotated[str, Query(min_length=1, max_length=32)],
        rows: Annotated[list[dict[str, Any]], Body(description="Rows in the interchange format.")],
    ) -> SubmissionOut:
        """Submit records: the same service and checks as `credence ingest`, the same per-row errors. For a
        department, as itself (its token's department), in the categories the catalog gives it."""
        auth.own_department(request, "department", department)
        if len(rows) > MAX_SUBMISSION_ROWS:
            raise ApiError(422, "too_many_rows", f"at most {MAX_SUBMISSION_ROWS:,} rows per submission")
        try:
            reg.ingest.check_department(department)
        except UnknownDepartment as exc:
            raise ApiError(422, "unknown_department", str(exc)) from None
        rejections: list[dict[str, Any]] = []
        result = reg.ingest.ingest_rows(
            department,
            (RawRow(i, values) for i, values in enumerate(rows, start=1)),
            file_name="api",
            fmt="api",
            on_reject=lambda r: rejections.append(r.to_json()),
        )
        result.organisation_ids |= reg.links.after_ingest(result.organisation_ids)  # linked, then rated
        reg.rating.after_ingest(result)
        return SubmissionOut(**result.to_json(), rejections=rejections)

    @app.get("/api/v1/records/{department}/{source_record_id}", response_model=RecordOut, tags=["records"])
    def record(
        reg: Reg,
        department: Annotated[str, Path(max_length=32)],
        source_record_id: Annotated[str, Path(max_length=200)],
    ) -> RecordOut:
        """One public record inside its publication period, with its legal basis and decision."""
        return public_record(reg, department, source_record_id)[0]

    from credence.api.process import add_process_routes

    add_process_routes(app, get_registry)
    app.include_router(figures.router)
    app.include_router(statistics_api.router)
    app.include_router(exports.router)
    app.include_router(lists.router)
    app.include_router(commitments.router)
    app.include_router(reports.router)
    app.include_router(log.router)
    app.include_router(reads.router)
    app.include_router(match_router)
    app.include_router(links.router)
    return app


def organisation_search(
    reg: Registry,
    q: str,
    page: int,
    per_page: int,
    filters: search_service.Filters | None = None,
    sort: str | None = None,
) -> SearchPageOut:
    """Search by name or code, filtered and sorted, a page at a time (credence.api.search). A query that
    is, looks like or holds a person's identity number is refused; one shaped like a code that fails its
    check says why."""
    filters = filters or search_service.Filters()
    try:
        search_service.check_filters(reg.catalog, list(REGIONS), filters)
    except search_service.InvalidFilter as exc:
        raise ApiError(
            422, "invalid_filter", exc.message, [{"where": f"query.{exc.field}", "message": exc.message}]
        ) from None
    if sort is not None and sort not in search_service.SORTS:
        message = search_service.sort_refused()
        raise ApiError(422, "invalid_filter", message, [{"where": "query.sort", "message": message}])
    if not q.strip() and filters.given():  # browsing by the filters alone
        return _search_page(reg, "", None, None, filters, sort, page, per_page)
    text = q.strip()
    if not text:
        raise ApiError(422, "invalid_query", _("q is blank"))
    control = control_character_at(q)
    if control is not None:
        raise ApiError(
            422, "invalid_query", _("q contains a control character at character %(n)s", n=control)
        )
    code = _identified(reg, text)
    problem = None if code is not None else search_service.code_problem(text)
    return _search_page(reg, text, code, problem, filters, sort, page, per_page)


def _search_page(
    reg: Registry,
    text: str,
    code: str | None,
    problem: search_service.CodeProblem | None,
    filters: search_service.Filters,
    sort: str | None,
    page: int,
    per_page: int,
) -> SearchPageOut:
    # Only the subjects anything public may name: a sole proprietor's code answers as one the registry
    # does not hold, a listing without an identifier once a record of its own is published (publicity.listed).
    with reg.engine.connect() as conn:
        found = search_service.find(
            conn,
            reg.catalog,
            reg.vocabulary,
            reg.today(),
            text="" if problem else text,
            code=code,
            filters=filters,
            sort=sort,
            page=page,
            per_page=per_page,
        )
    if problem is not None:
        found.total, found.rows = 0, []
    return SearchPageOut(
        items=[_summary(r) for r in found.rows],
        total=found.total,
        page=page,
        per_page=per_page,
        explanation=CodeProblemOut(**vars(problem)) if problem else None,
    )


def profile_json(reg: Registry, code: str) -> bytes:
    return _cached_profile(reg, code)[1]


def organisation_profile(reg: Registry, code: str) -> tuple[ProfileOut, Any]:
    """The public profile of an organisation, and its row."""
    profile, _, org = _cached_profile(reg, code)
    return profile, org


def _cached_profile(reg: Registry, code: str) -> tuple[ProfileOut, bytes, Any]:
    """A profile (and its JSON) is kept until anything about the organisation's records changes (a new
    record, a version, a state, a notice) or the day does; one per language, as its reasons are in words."""
    org = _file(reg, _organisation(reg, code))  # links joined it into another's file: that file's profile
    today = reg.today()
    with reg.engine.connect() as conn:
        key = (org.id, today, queries.records_version(conn, org.id), i18n.current())
    cached = reg.profiles.get(key)
    if cached is None:
        profile = _profile(reg, org, today)
        cached = (profile, profile.model_dump_json().encode())
        reg.profiles.put(key, cached)
    return cached[0], cached[1], org


def _profile(reg: Registry, org: Any, today: date) -> ProfileOut:
    found = reg.rating.explain_row(org, today, with_history=False)
    r = found.rating
    lines = found.public_reckoning(reg.catalog)
    reasons = reckoning_lines(reg.catalog, lines)
    changes = found.public_change_lines(reg.catalog)
    held = next((line for line in lines if line.kind == "grade_limit"), None)
    with reg.engine.connect() as conn:
        # Only a subject with a published record is named: nothing about it is shown before its notice.
        sources = {
            j: sorted({r.department for r in published})
            for j in clusters.joined(conn, org.id)
            if (
                published := publicity.public_records(
                    conn, reg.catalog, j.subject.id, today, 1, 500, own_only=True
                )[1]
            )
        }
    profile = ProfileOut(
        **_summary(org).model_dump(exclude={"grade", "score"}),
        also_listed_as=[_also(j, found) for j, found in sources.items()],
        grade=r.grade,
        score=r.score,
        as_of=r.as_of,
        policy_version=r.policy_version,
        policy_sha256=r.policy_sha256,
        grade_limited_by=held.rule if held is not None else None,
        reasons=reasons,
        reckoning=[
            ReckoningLineOut(
                kind=line.kind, points=line.points, text=text, reason=line_words(reg.catalog, line)
            )
            for line, text in zip(lines, reasons, strict=True)
        ],
        what_would_change=changes,
    )
    return profile


def public_record(reg: Registry, department: str, source_record_id: str) -> tuple[RecordOut, Any, str]:
    """A record anyone may see (else 404, as if it did not exist), its organisation and its provenance."""
    with reg.engine.connect() as conn:
        found = publicity.public_record(conn, reg.catalog, department, source_record_id, reg.today())
        if found is None:
            # The department and id typed are not repeated (they may hold anything, a person's data too).
            raise ApiError(404, "not_found", _("no public record with this id from this department"))
        record, org, batch = found
        contested = bool(process_repo.under_objection(conn, [record.id]))
        proved = queries.record_proofs(conn, [record]).get(record.id)
    received = record.received_at.strftime("%Y-%m-%d %H:%M UTC")
    provenance = _(
        "%(file)s, line %(line)s, received %(at)s", file=batch.file_name, line=record.line, at=received
    )
    return _record_out(reg, record, contested, org, proved), org, provenance


def _record_out(reg: Registry, r: Any, under_objection: bool, org: Any, proved: Any) -> RecordOut:
    """A record as served: its fields, its subject's as its content hash covers them, and its log proof."""
    return RecordOut(
        department=r.department,
        source_record_id=r.source_record_id,
        category=r.category,
        category_title=reg.catalog.categories[r.category].title,
        subject=org.key,
        subject_name=r.subject_name,
        subject_alt_name=r.subject_alt_name,
        subject_country=queries.subject_country(r, org, proved),
        severity=r.severity,
        decided_on=r.decided_on,
        status=r.status,
        legal_basis=r.legal_basis,
        amount=r.amount,
        currency=r.currency,
        summary=r.summary,
        effective_until=r.effective_until,
        until_kind=r.until_kind,
        published_until=publicity.published_until(reg.catalog, r),
        version=r.current_version,
        under_objection=under_objection,
        publicity=reg.catalog.categories[r.category].publicity.value,
        log=log.record_log_out(proved),
    )


def _identified(reg: Registry, text: str) -> str | None:
    """The code (USCC or LEI) the query is; None for a query that is no code (a name). A query that is,
    looks like or holds a person's identity number is refused, and not searched for."""
    refusal = person_refusal(fold(text), reg.today())
    if refusal is not None:
        raise ApiError(422, refusal.reason, refusal.message)
    try:
        subject = resolve_subject(text, today=reg.today())
    except SubjectError:
        return None
    return subject.code


def _subject(reg: Registry, code: str) -> SubjectId:
    """The subject a route's {code} names (a USCC, an LEI, or a key such as uscc:…); 422 otherwise."""
    text = code.strip()
    if ":" in text:
        text = text.split(":", 1)[1]
    try:
        return resolve_subject(text, today=reg.today())
    except SubjectError as exc:
        # Never repeated: what was typed may be a person's identity number or telephone.
        reason = exc.reason if exc.reason == "natural_person" else "invalid_identifier"
        raise ApiError(422, reason, not_an_identifier(exc, KEY_EXPECTED)) from None


def _organisation(reg: Registry, code: str, never_public: bool = False) -> Any:
    """The organisation a route's {code} names; 404 when the registry holds none, and, unless
    `never_public` (an organisation's own file), for a sole proprietor or a subject in its file: the same
    answer, word for word. A subject without an identifier is named by its key (unresolved:…)."""
    if _names_unresolved(code):
        return _unresolved(reg, code)
    subject = _subject(reg, code)
    # Its identity never changes once an organisation is stored, and is kept; the file it is in is what a
    # clerk's judgement (or linkage at an ingest, here or in another process) changes, and is read each time.
    org = reg.organisations.get(subject.code)
    with reg.engine.connect() as conn:
        if org is not None and queries.file_id(conn, org.id) != org.file_id:
            org = None  # joined into another's file, or split from one, since it was kept
        if org is None:
            org = queries.by_code(conn, subject.code)
            if org is None:
                raise _not_found(subject.key)
            reg.organisations.put(subject.code, org)
        if not never_public and (org.never_public or org.file_id is not None) and _hidden(conn, org):
            raise _not_found(subject.key)
    return org


def _names_unresolved(code: str) -> bool:
    return fold(code).strip().lower().startswith("unresolved:")


def _unresolved(reg: Registry, code: str) -> Any:
    """The subject without an identifier a route's {code} names by its key (found as the links API finds
    a subject), with its grade. 422 for a malformed key, which is never repeated (it may hold a name); 404,
    as for a key the registry does not hold, for a subject nobody may see: never public, in a never-public
    file, or without a published record of its own (nothing about a listing shows before its notice, nor
    the file a link joined it to)."""
    text = fold(code).strip()
    refusal = person_refusal(text, reg.today())
    if refusal is not None:
        raise ApiError(422, refusal.reason, refusal.message)
    key = text.lower()
    if re.fullmatch(UNRESOLVED_KEY, key) is None:
        raise ApiError(
            422, "invalid_key", _("this is not a key: %(expected)s", expected=_(UNRESOLVED_EXPECTED))
        )
    try:
        subject = reg.links.subject(key)
    except LookupError:
        raise _not_found(key) from None
    with reg.engine.connect() as conn:
        if not queries.listed_ids(conn, reg.catalog, reg.today(), [subject.id]):  # as search lists it
            raise _not_found(key)
        return queries.organisation_by_id(conn, subject.id)


def _file(reg: Registry, org: Any) -> Any:
    """The head of the file a subject is in, with its grade: the organisation its routes read (the subject
    itself when no link joined it into another's file)."""
    if org.file_id is None:
        return org
    with reg.engine.connect() as conn:
        return queries.organisation_by_id(conn, org.file_id)


def _hidden(conn: Connection, org: Any) -> bool:
    """Whether nothing public may say anything of this subject: it is never public (a sole proprietor),
    or links joined it into a file whose head is."""
    if org.never_public:
        return True
    return org.file_id is not None and queries.never_public(conn, org.file_id)


def _not_found(key: str) -> ApiError:
    """The answer about a key the registry holds nothing anyone may see on (the key is well formed)."""
    return ApiError(404, "not_found", _("no organisation %(key)s in the registry", key=key))


def _also(j: clusters.Joined, sources: list[str]) -> AlsoListedOut:
    links = [
        LinkOut(
            judgement=r.judgement,
            basis=r.basis,
            probability=r.probability,
            actor=r.actor,
            reason=r.reason,
            at=r.at,
        )
        for r in j.links
    ]
    s = j.subject
    return AlsoListedOut(key=s.key, name=s.name, country=s.country, sources=sources, links=links)


def _summary(row: Any) -> OrganisationOut:
    region = REGIONS.get(row.division or "")
    return OrganisationOut(
        key=row.key,
        code=row.code,
        name=row.name,
        alt_name=row.alt_name,
        kind=row.kind,
        division=row.division,
        region=f"{region[0]} {region[1]}" if region else None,
        grade=row.grade,
        score=row.score,
    )


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.body)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        if isinstance(exc.__cause__, json.JSONDecodeError):  # FastAPI's "JSON decode error"
            return error_response(invalid_json(exc.__cause__))
        details = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"where": "request", "message": "invalid"}
        return error_response(
            ErrorBody(
                status=422,
                code="invalid_request",
                message=f"{first['where']}: {first['message']}",
                details=details,
            )
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:  # Allow names every method the path serves, over all its routes
            allowed, route = allowed_methods(request.app.router.routes, request.scope)
            body = method_not_allowed(request.method, route or _("this path"), allowed)
            return error_response(body, {"Allow": ", ".join(allowed)})
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):  # a JSON body
            return error_response(not_utf8(exc.__cause__))
        if exc.status_code == 400:  # a body FastAPI could not parse (a form, most likely)
            why = f": {exc.__cause__}" if exc.__cause__ is not None else ""
            sent = request.headers.get("content-type")
            kind = sent.split(";")[0] if sent is not None else _("no content type")
            message = _("the body could not be read as %(kind)s%(why)s", kind=kind, why=why)
            return error_response(ErrorBody(status=400, code="invalid_body", message=message))
        code = {404: "not_found", 413: "too_large"}.get(exc.status_code, "http_error")
        return error_response(ErrorBody(status=exc.status_code, code=code, message=str(exc.detail)))
