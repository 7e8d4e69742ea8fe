"""`credence serve`: the API over the store, with uvicorn."""

from __future__ import annotations

import errno
import socket
import sys
from typing import Any

import typer

from credence.access.startup import startup_problems
from credence.catalog import CatalogError
from credence.cli import log
from credence.cli.context import app_context, console, fail, make_store, require_store
from credence.i18n import _, format_number
from credence.process.schedule import TickSchedule
from credence.rating import PolicyError
from credence.settings import Settings
from credence.store.db import interactive_url

PREDRAW_SECONDS = 60
"""How often the server looks whether the figures moved and draws their charts again (credence.web.home)."""


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help=_("Address to listen on.")),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help=_("Port to listen on.")),
    demo: bool = typer.Option(
        False, "--demo", help=_("Demo mode: accept record submissions through the API, from 127.0.0.1 only.")
    ),
    access_log: bool = typer.Option(
        True,
        "--access-log/--no-access-log",
        help=_("Write a line per request to stdout, in the Combined Log Format, without credentials."),
    ),
) -> None:
    """Serve the registry's API (and OpenAPI at /openapi.json) on HOST:PORT."""
    import uvicorn

    from credence.api.access_log import AccessLog, log_to_stream
    from credence.process.audit import audit_if_changed
    from credence.server import create_app
    from credence.web.home import predraw

    app_ = app_context(ctx)
    # A store that exists and was migrated before is brought to the newest revision; none is made here.
    require_store(app_.unchecked_engine, newest=False)
    make_store(app_.unchecked_engine)
    settings = app_.settings.model_copy(update={"demo_mode": demo or app_.settings.demo_mode})
    problems = startup_problems(settings, app_.engine)
    if problems:
        raise fail(
            _("the server does not start outside demo mode without:") + "\n  " + "\n  ".join(problems), 1
        )
    try:
        api = create_app(for_requests(settings), app_.clock)
        # The audit and the schedule's tick are batch work: on the command's own engine, without the
        # requests' statement timeout.
        batch = app_.process()
    except (CatalogError, PolicyError) as exc:
        raise fail(str(exc), 1) from None
    listening = _listen(host, port)  # before saying that it serves
    # Under a new catalog or lexicon, records the new rules refuse are withdrawn before anyone reads them.
    audited = audit_if_changed(batch)
    if audited is not None and audited.withdrawn:
        console.print(
            _(
                "the rules changed: %(withdrawn)s of %(screened)s records withdrawn by the audit of grounds "
                "(each is a record.withdrawn event in the log, with a notice)",
                withdrawn=format_number(len(audited.withdrawn)),
                screened=format_number(audited.screened),
            ),
            highlight=False,
        )
    console.print(
        _("serving Credence on http://%(host)s:%(port)s (API under /api/v1)", host=host, port=port),
        highlight=False,
    )
    schedule = None
    if settings.tick_interval_seconds:
        # Deadlines run on their own: deemed deliveries, lapsed objections and expiries apply while serving.
        schedule = TickSchedule(batch.tick, settings.tick_interval_seconds).start()
    checkpointing = log.checkpoint_schedule(api.state.registry)  # signs the log's head when it grew
    # The home and statistics pages' charts drawn ahead of their readers, and again when the figures move.
    predrawing = TickSchedule(lambda: predraw(api.state.registry), PREDRAW_SECONDS, "predraw").start()
    try:
        served: Any = api
        if access_log:
            log_to_stream(sys.stdout)
            served = AccessLog(api)
        config = uvicorn.Config(served, host=host, port=port, log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        server.run(sockets=[listening])
    finally:
        listening.close()
        if schedule is not None:
            schedule.stop()
        if checkpointing is not None:
            checkpointing.stop()
        predrawing.stop(wait=False)  # a drawing cut off is only drawn again


def for_requests(settings: Settings) -> Settings:
    """The settings the API is built with: its store's URL bounds each statement on PostgreSQL by
    CREDENCE_STATEMENT_TIMEOUT_SECONDS, so a request's query does not run on long after its client left."""
    url = interactive_url(settings.database_url, settings.statement_timeout_seconds)
    return settings.model_copy(update={"database_url": url})


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to HOST:PORT, handed to uvicorn (which listens on it): a port already taken is said
    in one line before the server says it serves, and no other server can take the port in between."""
    try:
        family, kind, proto, _canonname, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise fail(_("cannot listen on %(host)s: %(why)s", host=host, why=exc.strerror), 1) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a restart need not wait
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise fail(
                _(
                    "port %(port)s on %(host)s is already in use: stop the other server or pass --port",
                    port=port,
                    host=host,
                ),
                1,
            ) from None
        raise fail(
            _("cannot listen on port %(port)s on %(host)s: %(why)s", port=port, host=host, why=exc.strerror),
            1,
        ) from None
    return sock
