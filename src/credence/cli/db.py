"""`credence db upgrade|current`."""

from __future__ import annotations

import typer

from credence.cli.context import app_context, console, make_store, require_store
from credence.i18n import _
from credence.subjects import search

SEARCH_TERMS = "0016"  # the revision that keeps the subjects' search terms (credence.subjects.search)

app = typer.Typer(help=_("Create and migrate the store."), no_args_is_help=True)


@app.command(
    "upgrade",
    help=_("Apply the migrations up to REVISION (default: the newest); on a new database, create the store."),
)
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head", help=_("Target revision."))) -> None:
    engine = app_context(ctx).unchecked_engine
    at = make_store(engine, revision)
    if at is not None and at >= SEARCH_TERMS:  # subjects stored before 0016 get their search terms
        with engine.begin() as conn:
            search.index_missing(conn)
    console.print(_("database at revision %(revision)s", revision=at), highlight=False)


@app.command("current", help=_("Print the database's migration revision."))
def current(ctx: typer.Context) -> None:
    revision = require_store(app_context(ctx).unchecked_engine, migrated=False, newest=False)
    console.print(revision or _("empty (run: credence db upgrade)"), highlight=False)
