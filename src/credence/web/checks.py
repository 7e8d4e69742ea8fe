"""The eligibility check page (/checks): one organisation by its code or, without a code, by its name and
country; or a file of bidders uploaded by a procurement officer and returned with a line per bidder. The
page has a JSON twin in the API.

A long file shows its progress: the page's script (static/checks.js) sends the file with an id of its own
making and asks /checks/progress/{id} how many bidders have been checked (counts only, nothing of the
file), feeding a <progress> bar and a status line that screen readers announce. Without the script the form
posts as it always did and the answer downloads when it is ready.

The page answers as the public sees it: a sole proprietor (USCC prefix 92, never public) is undisclosed,
whoever asks, except to the organisation itself. A department reads a sole proprietor's check for a stated
purpose through the API (GET /api/v1/checks?purpose=...), where each read is logged."""

from __future__ import annotations

import re
import threading
import time
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from credence.api.app import Registry
from credence.api.hardening import BidderLimits, RateLimit, TooManyRequests, charge_bidders
from credence.api.lists import disclosure_for
from credence.api.shapes import ApiError
from credence.checks.bidders import read_bidders
from credence.checks.names import MAX_NAME_LENGTH, NameRefused
from credence.checks.service import UnknownDomain, write_rows
from credence.i18n import N_, _, format_number
from credence.identity import SubjectError, not_an_identifier
from credence.measures.catalog import DOMAINS
from credence.web.templating import templates as shared_templates

MAX_UPLOAD_BYTES = 2_000_000
JOB = re.compile(r"[A-Za-z0-9-]{8,64}")  # the id a page gives its file, to ask how far it has come
# The domains as a reader reads them (credence.measures.catalog.DOMAINS's words, marked for translation).
DOMAIN_WORDS = {
    "public_procurement": N_("public procurement"),
    "subsidies": N_("subsidies and public funds"),
    "licensing": N_("licensing"),
    "awards": N_("awards and honours"),
    "pilot_programmes": N_("pilot programmes"),
    "inspection": N_("inspection frequency"),
    "mdb_financed_procurement": N_("procurement financed by a development bank"),
}
RESULT_WORDS = {
    "eligible": N_("eligible"),
    "restricted": N_("restricted"),
    "fast_track": N_("fast-track"),
    "undisclosed": N_("undisclosed"),
    "possible_match": N_("possible match, review"),
    "no_match": N_("no match"),
}


PER = {
    "second": N_("%(amount)s bidders a second"),
    "minute": N_("%(amount)s bidders a minute"),
    "hour": N_("%(amount)s bidders an hour"),
    "day": N_("%(amount)s bidders a day"),
}


def limits_words(limits: BidderLimits) -> str:
    """The cost limits on files of bidders in words, in the language at hand."""

    def rate(limit: RateLimit) -> str:
        unit = limit.item.GRANULARITY.name
        if limit.item.multiples != 1 or unit not in PER:
            return limit.words("bidders")
        return _(PER[unit], amount=format_number(limit.amount))

    a, c = limits.anonymous, limits.credentialed
    return _(
        "At most %(file)s bidders a file and %(rate)s from one address; signed in (or with an API token), "
        "%(signed_file)s a file and %(signed_rate)s.",
        file=format_number(a.per_file),
        rate=rate(a.rate),
        signed_file=format_number(c.per_file),
        signed_rate=rate(c.rate),
    )


class Progress:
    """How far each file being checked has come, by the id its page gave it: bidders done and in the file,
    and whether the answer is ready. Counts only, never a line of the file; forgotten KEEP seconds after
    the answer, and the oldest first beyond MOST files."""

    KEEP = 600.0
    MOST = 1000

    def __init__(self) -> None:
        self._files: dict[str, tuple[int, int, bool, float]] = {}
        self._lock = threading.Lock()

    def tell(self, job: str, done: int, total: int, finished: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            self._files.pop(job, None)
            self._files[job] = (done, total, finished, now)
            for key, (_d, _t, ended, at) in list(self._files.items()):
                if len(self._files) > self.MOST or (ended and now - at > self.KEEP):
                    del self._files[key]

    def of(self, job: str) -> dict[str, Any]:
        with self._lock:
            found = self._files.get(job)
        if found is None:
            return {"state": "waiting", "done": 0, "total": None}
        done, total, finished, _at = found
        return {"state": "finished" if finished else "checking", "done": done, "total": total}


def domain_words() -> dict[str, str]:
    """The domains in the language at hand, in the catalog's order."""
    return {code: _(DOMAIN_WORDS[code]) if code in DOMAIN_WORDS else words for code, words in DOMAINS.items()}


def add_check_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()
    bidder_limits: BidderLimits = app.state.bidders  # the cost limits, told in words on the page
    progress = Progress()

    def page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("bidder_limits", limits_words(bidder_limits))
        context.setdefault("domains", domain_words())
        context.setdefault("results", {k: _(v) for k, v in RESULT_WORDS.items()})
        context.setdefault("subject", "")
        context.setdefault("found", None)
        context.setdefault("json_twin", None)
        return templates.TemplateResponse(request, "checks.html", context, status_code=status)

    @app.get("/checks", response_class=HTMLResponse, include_in_schema=False)
    def checks_page(
        request: Request,
        subject: Annotated[str, Query(max_length=100)] = "",
        domain: Annotated[str, Query(max_length=64)] = "public_procurement",
        name: Annotated[str, Query(max_length=MAX_NAME_LENGTH)] = "",
        country: Annotated[str, Query(max_length=8)] = "",
    ) -> HTMLResponse:
        found, by_name, error, twin = None, None, None, None
        if name.strip() and not subject.strip():
            # A bidder without a code: its candidates, and its file's check when one matches.
            try:
                by_name = registry.checks.check_name(name.strip(), country.strip() or None, domain).to_json()
                query = {"name": name.strip(), "domain": domain} | (
                    {"country": country.strip()} if country.strip() else {}
                )
                twin = f"/api/v1/checks/by-name?{urlencode(query)}"
            except UnknownDomain as exc:
                error = str(exc)
            except NameRefused as exc:
                error = str(exc)
                name = ""  # a refused name (a person's, perhaps) is not put back in the form
        elif subject.strip():
            try:
                own, _own = disclosure_for(request, None)  # the organisation itself sees its own
                found = registry.checks.check(subject.strip(), domain, own).to_json()
                twin = f"/api/v1/checks?subject={quote(subject.strip())}&domain={quote(domain)}"
            except UnknownDomain as exc:
                error = str(exc)
            except SubjectError as exc:
                error = f"subject: {not_an_identifier(exc)}"
                subject = ""  # not put back in the form: it may be a person's number or telephone
        return page(
            request,
            status=422 if error else 200,
            subject=subject,
            domain=domain,
            found=found,
            by_name=by_name,
            bidder_name=name,
            country=country,
            error=error,
            json_twin=twin,
        )

    @app.post("/checks/file", include_in_schema=False)
    async def checks_file(
        request: Request,
        bidders: Annotated[UploadFile, File()],
        domain: Annotated[str, Form(max_length=64)] = "public_procurement",
        job: Annotated[str, Form(max_length=64)] = "",
    ) -> Response:
        data = await bidders.read(MAX_UPLOAD_BYTES + 1)
        shown = bidders.filename or _("the file")
        tracked = job if JOB.fullmatch(job) else None

        def told(done: int, total: int) -> None:
            if tracked is not None:
                progress.tell(tracked, done, total)

        try:
            if len(data) > MAX_UPLOAD_BYTES:
                most = format_number(MAX_UPLOAD_BYTES)
                raise ValueError(_("the file is larger than %(most)s bytes", most=most))
            rows = read_bidders(data)  # CSV as ingest reads it, or an XLSX workbook
            charge_bidders(request, len(rows))  # the cost limit: 413 or 429 before any is checked
            own, _own = disclosure_for(request, None)
            # Off the event loop, which a thousand bidders would hold for a second.
            body = await run_in_threadpool(
                lambda: write_rows(registry.checks.check_rows(rows, domain, own, progress=told))
            )
        except ApiError as exc:  # over the cost limit
            refused = page(request, exc.body.status, domain=domain, error=f"{shown}: {exc.body.message}")
            if isinstance(exc, TooManyRequests):
                refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        except (UnknownDomain, ValueError) as exc:
            return page(request, 422, domain=domain, error=f"{shown}: {exc}")
        finally:
            if tracked is not None:
                state = progress.of(tracked)
                progress.tell(tracked, state["done"], state["total"] or 0, finished=True)
        name = f"checks-{domain}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/checks/progress/{job}", include_in_schema=False)
    def checks_progress(job: str) -> JSONResponse:
        """How far the file the page sent as `job` has come: bidders done of those in the file."""
        if not JOB.fullmatch(job):
            return JSONResponse({"state": "unknown", "done": 0, "total": None}, status_code=404)
        return JSONResponse(progress.of(job), headers={"Cache-Control": "no-store"})
