"""`credence token …` and `credence user …`: API tokens and web accounts, made by the operator."""

from __future__ import annotations

import typer
from rich.table import Table

from credence.access import accounts, tokens
from credence.access.principal import Role
from credence.cli.context import AppContext, app_context, console, fail
from credence.cli.output import FORMAT, Format, add_row, print_listing
from credence.i18n import _

tokens_app = typer.Typer(
    help=_("API tokens: made, listed and revoked by the operator."), no_args_is_help=True
)
users_app = typer.Typer(help=_("Web accounts with a password sign-in."), no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role if r is not Role.PUBLIC)


def _check_department(app_: AppContext, department: str | None) -> None:
    if department and department.strip().upper() not in app_.catalog.departments:
        known = ", ".join(sorted(app_.catalog.departments))
        raise fail(
            _(
                "--department: '%(department)s' is not a department of the catalog; one of %(known)s",
                department=department,
                known=known,
            )
        )


@tokens_app.command(
    "create",
    help=_("Make a token and print it once: it is stored only as a hash and cannot be shown again."),
)
def create_token(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", help=_("One of %(roles)s.", roles=ROLES)),
    name: str = typer.Option(..., "--name", help=_("Who uses the token, e.g. 'SAMR licensing system'.")),
    department: str = typer.Option(None, "--department", help=_("The department (role department).")),
    organisation: str = typer.Option(None, "--organisation", help=_("The USCC or LEI (role organisation).")),
    days: int = typer.Option(None, "--days", help=_("Days until it expires (default: settings.token_days).")),
) -> None:
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
    console.print(
        _(
            "token #%(id)s (%(role)s, %(name)s); shown once, keep it secret:",
            id=token_id,
            role=role,
            name=name,
        ),
        highlight=False,
    )
    console.print(text, highlight=False, markup=False)


TOKEN_FIELDS = ("id", "name", "role", "department", "organisation", "created", "expires", "state")


@tokens_app.command(
    "list",
    help=_("Every token: who it is for, when it expires, whether it is revoked (never the token itself)."),
)
def list_tokens(ctx: typer.Context, output: Format = FORMAT) -> None:
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
        shown = Table("id", "name", "role", "for", "created", "expires", "state", title=_("API tokens"))
        for r in rows:
            for_ = r["department"] or r["organisation"]
            add_row(shown, r["id"], r["name"], r["role"], for_, r["created"], r["expires"], r["state"])
        return shown

    print_listing(output, TOKEN_FIELDS, rows, table)


@tokens_app.command("revoke", help=_("Revoke a token now; requests with it get 401 from then on."))
def revoke_token(ctx: typer.Context, token_id: int = typer.Argument(..., help=_("The token's id."))) -> None:
    app_ = app_context(ctx)
    with app_.engine.begin() as conn:
        done = tokens.revoke(conn, token_id, app_.clock.now())
    if not done:
        raise fail(_("no active token #%(id)s", id=token_id), 1)
    console.print(_("token #%(id)s revoked", id=token_id), highlight=False)


@users_app.command(
    "add",
    help=_("Add a web account (an operator account is needed before the server starts outside demo mode)."),
)
def add_user(
    ctx: typer.Context,
    username: str = typer.Argument(..., help=_("The sign-in name.")),
    role: str = typer.Option(..., "--role", help=_("One of %(roles)s.", roles=ROLES)),
    department: str = typer.Option(None, "--department", help=_("The department (role department).")),
    organisation: str = typer.Option(None, "--organisation", help=_("The USCC or LEI (role organisation).")),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="CREDENCE_NEW_PASSWORD",
        help=_("At least 12 characters; asked for when not given (or from CREDENCE_NEW_PASSWORD)."),
    ),
) -> None:
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
    console.print(
        _("account #%(id)s %(username)s (%(role)s) added", id=account_id, username=username, role=role),
        highlight=False,
    )


USER_FIELDS = ("id", "username", "role", "department", "organisation", "created", "state")


@users_app.command("list", help=_("Every account (never a password or its hash)."))
def list_users(ctx: typer.Context, output: Format = FORMAT) -> None:
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
        shown = Table("id", "user name", "role", "for", "created", "state", title=_("Accounts"))
        for r in rows:
            for_ = r["department"] or r["organisation"]
            add_row(shown, r["id"], r["username"], r["role"], for_, r["created"], r["state"])
        return shown

    print_listing(output, USER_FIELDS, rows, table)


@users_app.command("disable", help=_("Disable an account and end its sessions."))
def disable_user(ctx: typer.Context, username: str = typer.Argument(...)) -> None:
    app_ = app_context(ctx)
    with app_.engine.begin() as conn:
        done = accounts.disable(conn, username, app_.clock.now())
    if not done:
        raise fail(_("no account '%(username)s'", username=username), 1)
    console.print(_("%(username)s disabled; its sessions are ended", username=username), highlight=False)


@users_app.command("passwd", help=_("Set an account's password."))
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
    app_ = app_context(ctx)
    try:
        with app_.engine.begin() as conn:
            done = accounts.set_password(conn, username, password)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not done:
        raise fail(_("no account '%(username)s'", username=username), 1)
    console.print(_("password of %(username)s set", username=username), highlight=False)
