"""`credence demo`: build the demo registry in the store."""

from __future__ import annotations

import typer

from credence.catalog import CatalogError
from credence.cli.context import app_context, console, fail, make_store
from credence.clock import today
from credence.demo.generate import build
from credence.i18n import _, format_number
from credence.log.checkpoints import make_checkpoint
from credence.log.keys import LogKeyError, signer_for
from credence.rating import PolicyError
from credence.records import repository as repo


def demo(
    ctx: typer.Context,
    organisations: int = typer.Option(12_000, "--organisations", min=10, help=_("How many organisations.")),
    records: int = typer.Option(120_000, "--records", min=10, help=_("How many records, in all.")),
    seed: int = typer.Option(2026, "--seed", help=_("The same seed and day give the same registry.")),
    if_empty: bool = typer.Option(
        False, "--if-empty", help=_("If the store already holds records, leave it as it is and exit 0.")
    ),
) -> None:
    """Build a realistic demo registry: organisations of every in-scope kind over real divisions, records
    from seven departments through the ingestion service, then ratings. Only into an empty store."""
    app_ = app_context(ctx)
    make_store(app_.unchecked_engine)  # the demo may make the store
    with app_.engine.connect() as conn:
        held = repo.table_counts(conn)["records"]
    if held and if_empty:
        console.print(
            _("the store already holds %(n)s records; the demo is not built", n=format_number(held)),
            highlight=False,
        )
        return
    if held:
        raise fail(
            _(
                "the store already holds %(n)s records; the demo is built only into an empty store",
                n=format_number(held),
            ),
            1,
        )
    if records < organisations:
        raise fail(_("--records must be at least --organisations (every organisation gets a record)"))
    # The log key (CREDENCE_LOG_KEY_PATH, else the demo's own beside its store) signs a first checkpoint,
    # so that `credence log verify` and the log's endpoints have one from the start.
    try:
        signer = signer_for(app_.settings.model_copy(update={"demo_mode": True}))
    except LogKeyError as exc:
        raise fail(str(exc), 1) from None
    try:
        service = app_.ingest()
        day = today(app_.clock, app_.settings.timezone)
        with console.status(_("generating and ingesting the demo registry")):
            result = build(service, app_.process(), app_.catalog, day, organisations, records, seed)
        with console.status(_("rating every organisation")):
            rated = app_.rating().rate(as_of=day, cause="demo registry built")
    except (CatalogError, PolicyError) as exc:
        raise fail(str(exc), 1) from None
    with app_.engine.begin() as conn:
        signed = make_checkpoint(conn, signer, app_.clock.now())
    departments = ", ".join(f"{d} {format_number(n)}" for d, n in result.by_department.items())
    procedures = "; " + _("due process: %(line)s", line=result.procedures.line()) if result.procedures else ""
    procedures += f"; {result.listings.line()}" if result.listings else ""
    console.print(
        _(
            "demo registry: %(organisations)s organisations, %(records)s records (%(departments)s)"
            "%(procedures)s; %(rated)s rated as of %(day)s; the transparency log holds %(events)s events, "
            "checkpoint signed",
            organisations=format_number(result.organisations),
            records=format_number(result.records),
            departments=departments,
            procedures=procedures,
            rated=format_number(rated.rated),
            day=rated.as_of,
            events=format_number(signed.size),
        ),
        highlight=False,
    )
