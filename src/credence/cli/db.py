"""`credence db upgrade|current`."""

from __future__ import annotations

import typer

from credence.cli.context import app_context, console
from credence.store import migrate

app = typer.Typer(help="Create and migrate the store.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    engine = app_context(ctx).engine
    migrate.upgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}", highlight=False)


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the database's migration revision."""
    engine = app_context(ctx).engine
    console.print(
        f"{migrate.current_revision(engine) or 'empty (run: credence db upgrade)'}", highlight=False
    )
