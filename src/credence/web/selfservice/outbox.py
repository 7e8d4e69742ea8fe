"""A department's outbox (/outbox): its notices, a page at a time, filtered by state (awaiting delivery,
delivered, overdue), kind, the record's category, the recipient and the day produced; delivery logged for
one notice, or for several at once (those ticked, or every one the filter chooses) with one channel and one
day, in one transaction that a bad notice refuses whole."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from credence.i18n import N_, _, ngettext
from credence.process import notices
from credence.process.errors import NotFound
from credence.web.selfservice.common import (
    NOTICE_KINDS,
    REFUSALS,
    FormInvalid,
    Id,
    Pages,
    Problem,
    Visit,
    refusal,
    texts,
)
from credence.web.selfservice.forms import DeliveryForm

PAGE_SIZE = 50
MOST_AT_ONCE = 5_000  # notices delivered by one form
STATES = {
    "undelivered": N_("Awaiting delivery"),
    "overdue": N_("Overdue: its deemed day has come"),
    "delivered": N_("Delivered"),
}


class DeliveriesForm(BaseModel):
    """Delivery logged for several notices: those ticked, or every one the filter chooses (`all`)."""

    csrf: str = ""
    channel: str = ""
    delivered_on: str = ""
    notice: list[str] = []
    all: str = ""
    state: str = "undelivered"
    kind: str = ""
    category: str = ""
    recipient: str = ""
    produced_from: str = ""
    produced_to: str = ""


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FormInvalid(_("%(field)s: a date as YYYY-MM-DD", field=field)) from None


def add_outbox_routes(app: FastAPI, pages: Pages) -> None:
    engine, service, catalog = pages.engine, pages.service, pages.catalog
    settings = pages.registry.settings

    def chosen_from(values: dict[str, str]) -> notices.OutboxFilter:
        """The filter from the page's query or a form, each field checked and named when wrong."""
        state = values.get("state") or "undelivered"
        if state not in notices.OUTBOX_STATES:
            raise FormInvalid(_("state: one of %(values)s", values=", ".join(notices.OUTBOX_STATES)))
        kind = (values.get("kind") or "").strip() or None
        if kind is not None and kind not in NOTICE_KINDS:
            raise FormInvalid(_("kind: not a kind of notice"))
        category = (values.get("category") or "").strip() or None
        if category is not None and category not in catalog.categories:
            raise FormInvalid(_("category: not a category of the catalog"))
        recipient = (values.get("recipient") or "").strip() or None
        if recipient is not None:
            texts(recipient=recipient)
        start = _day(values.get("produced_from") or "", "produced_from")
        end = _day(values.get("produced_to") or "", "produced_to")
        if start and end and start > end:
            raise FormInvalid(_("produced_to: on or after produced_from"))
        return notices.OutboxFilter(state, kind, category, recipient, start, end)

    def outbox_page(
        request: Request,
        visit: Visit,
        problem: Problem | None = None,
        values: dict[str, str] | None = None,
        page_number: int = 1,
    ) -> Response:
        values = values or {}
        try:
            chosen = chosen_from(values)
        except FormInvalid as exc:
            problem = problem or refusal(exc)
            chosen = notices.OutboxFilter()
        today = service.today()
        with engine.connect() as conn:
            rows, total = notices.outbox_page(
                conn,
                visit.session.code,
                chosen,
                today,
                settings.timezone,
                (page_number - 1) * PAGE_SIZE,
                PAGE_SIZE,
            )
            shown = [service.notice_body(conn, n) | {"overdue": n.deemed_on <= today} for n in rows]
        kept = {k: v for k, v in values.items() if v and k != "page"}
        pages_count = max(1, -(-total // PAGE_SIZE))

        def at(number: int) -> str:
            return "/outbox?" + urlencode({**kept, "page": number})

        return pages.page(
            request,
            visit,
            "selfservice_outbox.html",
            status=problem.status if problem else 200,
            problem=problem,
            pending=shown,
            kinds={k: _(v) for k, v in NOTICE_KINDS.items()},
            states={k: _(v) for k, v in STATES.items()},
            categories=sorted(catalog.categories.values(), key=lambda c: c.code),
            chosen=chosen,
            values=kept,
            total=total,
            page_number=page_number,
            pages_count=pages_count,
            first=(page_number - 1) * PAGE_SIZE + 1 if rows else 0,
            last=(page_number - 1) * PAGE_SIZE + len(rows),
            previous_url=at(page_number - 1) if page_number > 1 else None,
            next_url=at(page_number + 1) if page_number < pages_count else None,
            today=today.isoformat(),
            matching=ngettext(
                "Deliver all %(num)s notice matching the filter",
                "Deliver all %(num)s notices matching the filter",
                total,
            ),
        )

    @app.get("/outbox", response_class=HTMLResponse, include_in_schema=False)
    def outbox(
        request: Request,
        state: Annotated[str, Query(max_length=16)] = "",
        kind: Annotated[str, Query(max_length=32)] = "",
        category: Annotated[str, Query(max_length=64)] = "",
        recipient: Annotated[str, Query(max_length=200)] = "",
        produced_from: Annotated[str, Query(max_length=10)] = "",
        produced_to: Annotated[str, Query(max_length=10)] = "",
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> Response:
        visit = pages.need(request, "department")
        values = {
            "state": state,
            "kind": kind,
            "category": category,
            "recipient": recipient,
            "produced_from": produced_from,
            "produced_to": produced_to,
        }
        return outbox_page(request, visit, values=values, page_number=page)

    @app.post("/outbox/{notice_id}/delivery", include_in_schema=False)
    def deliver(request: Request, notice_id: Id, form: Annotated[DeliveryForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "department")
        try:
            texts(channel=form.channel)
            with engine.connect() as conn:
                notice = notices.find(conn, notice_id)
            if notice is None or notice.department != visit.session.code:
                raise NotFound(_("no notice %(id)s in your outbox", id=notice_id))
            service.deliver_notice(notice_id, actor=visit.session.actor, channel=form.channel)
        except REFUSALS as exc:
            return outbox_page(request, visit, refusal(exc))
        return pages.redirect(visit, "/outbox", _("Delivery of notice %(id)s logged.", id=notice_id))

    @app.post("/outbox/deliveries", include_in_schema=False)
    def deliver_many(request: Request, form: Annotated[DeliveriesForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "department")
        values = {
            "state": form.state,
            "kind": form.kind,
            "category": form.category,
            "recipient": form.recipient,
            "produced_from": form.produced_from,
            "produced_to": form.produced_to,
        }
        try:
            texts(channel=form.channel)
            if not form.channel.strip():
                raise FormInvalid(_("channel: say how the notices were delivered"))
            on = _day(form.delivered_on, "delivered_on")
            if form.all:
                chosen = chosen_from(values)
                with engine.connect() as conn:
                    ids = notices.outbox_ids(
                        conn, visit.session.code, chosen, service.today(), settings.timezone
                    )
            else:
                try:
                    ids = [int(n) for n in form.notice]
                except ValueError:
                    raise FormInvalid(_("notice: a notice's number")) from None
            if not ids:
                raise FormInvalid(_("notice: choose at least one notice, or all matching the filter"))
            if len(ids) > MOST_AT_ONCE:
                raise FormInvalid(
                    _("notice: at most %(most)s notices at once; narrow the filter", most=f"{MOST_AT_ONCE:,}")
                )
            delivered = service.deliver_notices(
                ids,
                department=visit.session.code,
                actor=visit.session.actor,
                channel=form.channel,
                delivered_on=on,
            )
        except REFUSALS as exc:
            return outbox_page(request, visit, refusal(exc), values)
        said = ngettext(
            "Delivery of %(num)s notice logged.", "Delivery of %(num)s notices logged.", len(delivered)
        )
        back = "/outbox?" + urlencode({k: v for k, v in values.items() if v})
        return pages.redirect(visit, back, said)


def filter_values(chosen: notices.OutboxFilter) -> dict[str, Any]:
    return {
        "state": chosen.state,
        "kind": chosen.kind or "",
        "category": chosen.category or "",
        "recipient": chosen.recipient or "",
        "produced_from": chosen.produced_from.isoformat() if chosen.produced_from else "",
        "produced_to": chosen.produced_to.isoformat() if chosen.produced_to else "",
    }
