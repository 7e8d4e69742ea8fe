"""`credence token …` and `credence user …`: API tokens and web accounts, made by the operator."""

from __future__ import annotations

import typer
from rich.table import Table

from credence.access import accounts, tokens
from credence.access.principal import Role
from credence.cli.context import AppContext, app_context, console, fail
from credence.cli.output import FORMAT, Format, add_row, print_listing

tokens_app = typer.Typer(help="API tokens: made, listed and revoked by the operator.", no_args_is_help=True)
users_app = typer.Typer(help="Web accounts with a password sign-in.", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role if r is not Role.PUBLIC)


def _check_department(app_: AppContext, department: str | None) -> None:
    if department and department.strip().upper() not in app_.catalog.departments:
        known = ", ".join(sorted(app_.catalog.departments))
        raise fail(f"--department: '{department}' is not a department of the catalog; one of {known}")


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", help=f"One of {ROLES}."),
    name: str = typer.Option(..., "--name", help="Who uses the token, e.g. 'SAMR licensing system'."),
    department: str = typer.Option(None, "--department", help="The department (role department)."),
    organisation: str = typer.Option(None, "--organisation", help="The USCC or LEI (role organisation)."),
    days: int = typer.Option(None, "--days", help="Days until it expires (default: settings.token_days)."),
) -> None:
    """Make a token and print it once: it is stored only as a hash and cannot be shown again."""
    app_ = app_context(ctx)
    _check_department(app_, department)
    now = app_.clock.now()
    try:
        with app_.engine.begin() as conn:
            token_id, text = tokens.create_token(
                conn,
                name=name,
                role=role,  # type: ignore[arg-type]
                department=department,
                organisation_code=organisation,
                days=days if days is not None else app_.settings.token_days,
                now=now,
            )
    except ValueError as exc:
        raise fail(str(exc)) from None
    console.print(f"token #{token_id} ({role}, {name}); shown once, keep it secret:", highlight=False)
    console.print(text, highlight=False, markup=False)


TOKEN_FIELDS = ("id", "name", "role", "department", "organisation", "created", "expires", "state")


@tokens_app.command("list")
def list_tokens(ctx: typer.Context, output: Format = FORMAT) -> None:
    """Every token: who it is for, when it expires, whether it is revoked (never the token itself)."""
    app_ = app_context(ctx)
    now = app_.clock.now()
    with app_.engine.connect() as conn:
        found = tokens.list_tokens(conn)
    rows = [
        {
            "id": r.id,
            "name": r.name,
            "role": r.role,
            "department": r.department,
            "organisation": r.organisation_code,
            "created": r.created_at.date(),
            "expires": r.expires_at.date(),
            "state": "revoked" if r.revoked_at else ("expired" if r.expires_at <= now else "active"),
        }
        for r in found
    ]

    def table() -> Table:
        shown = Table("id", "name", "role", "for", "created", "expires", "state", title="API tokens")
        for r in rows:
            for_ = r["department"] or r["organisation"]
            add_row(shown, r["id"], r["name"], r["role"], for_, r["created"], r["expires"], r["state"])
        return shown

    print_listing(output, TOKEN_FIELDS, rows, table)


@tokens_app.command("revoke")
def revoke_token(ctx: typer.Context, token_id: int = typer.Argument(..., help="The token's id.")) -> None:
    """Revoke a token now; requests with it get 401 from then on."""
    app_ = app_context(ctx)
    with app_.engine.begin() as conn:
        done = tokens.revoke(conn, token_id, app_.clock.now())
    if not done:
        raise fail(f"no active token #{token_id}", 1)
    console.print(f"token #{token_id} revoked", highlight=False)


@users_app.command("add")
def add_user(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The sign-in name."),
    role: str = typer.Option(..., "--role", help=f"One of {ROLES}."),
    department: str = typer.Option(None, "--department", help="The department (role department)."),
    organisation: str = typer.Option(None, "--organisation", help="The USCC or LEI (role organisation)."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="CREDENCE_NEW_PASSWORD",
        help="At least 12 characters; asked for when not given (or from CREDENCE_NEW_PASSWORD).",
    ),
) -> None:
    """Add a web account (an operator account is needed before the server starts outside demo mode)."""
    app_ = app_context(ctx)
    _check_department(app_, department)
    try:
        with app_.engine.begin() as conn:
            account_id = accounts.add_account(
                conn,
                username=username,
                password=password,
                role=role,
                department=department,
                organisation_code=organisation,
                now=app_.clock.now(),
            )
    except ValueError as exc:
        raise fail(str(exc)) from None
    console.print(f"account #{account_id} {username} ({role}) added", highlight=False)


USER_FIELDS = ("id", "username", "role", "department", "organisation", "created", "state")


@users_app.command("list")
def list_users(ctx: typer.Context, output: Format = FORMAT) -> None:
    """Every account (never a password or its hash)."""
    app_ = app_context(ctx)
    with app_.engine.connect() as conn:
        found = accounts.list_accounts(conn)
    rows = [
        {
            "id": r.id,
            "username": r.username,
            "role": r.role,
            "department": r.department,
            "organisation": r.organisation_code,
            "created": r.created_at.date(),
            "state": "disabled" if r.disabled_at else "active",
        }
        for r in found
    ]

    def table() -> Table:
        shown = Table("id", "user name", "role", "for", "created", "state", title="Accounts")
        for r in rows:
            for_ = r["department"] or r["organisation"]
            add_row(shown, r["id"], r["username"], r["role"], for_, r["created"], r["state"])
        return shown

    print_listing(output, USER_FIELDS, rows, table)


@users_app.command("disable")
def disable_user(ctx: typer.Context, username: str = typer.Argument(...)) -> None:
    """Disable an account and end its sessions."""
    app_ = app_context(ctx)
    with app_.engine.begin() as conn:
        done = accounts.disable(conn, username, app_.clock.now())
    if not done:
        raise fail(f"no account '{username}'", 1)
    console.print(f"{username} disabled; its sessions are ended", highlight=False)


@users_app.command("passwd")
def set_password(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="CREDENCE_NEW_PASSWORD",
    ),
) -> None:
    """Set an account's password."""
    app_ = app_context(ctx)
    try:
        with app_.engine.begin() as conn:
            done = accounts.set_password(conn, username, password)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not done:
        raise fail(f"no account '{username}'", 1)
    console.print(f"password of {username} set", highlight=False)
