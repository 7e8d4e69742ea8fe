"""What every command needs, built once per invocation from settings: never module globals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from credence.catalog import Catalog, load_catalog, screen_from
from credence.catalog.loader import Refused
from credence.checks.service import CheckService
from credence.clock import Clock, SystemClock
from credence.dueprocess.service import DueProcess
from credence.i18n import _
from credence.lists.config import Lists, load_lists
from credence.measures.catalog import Measures, load_measures
from credence.rating import Policy, load_policy
from credence.rating.service import RatingService
from credence.records.service import IngestService
from credence.settings import Settings
from credence.store import migrate
from credence.store.db import make_engine, sqlite_path


@dataclass
class AppContext:
    settings: Settings
    clock: Clock

    @cached_property
    def unchecked_engine(self) -> Engine:
        """The store's engine, whatever the store's state: only for the commands that make or migrate it
        (`db upgrade`, `demo`) or look at it as it is (`db current`, `serve`). Others use `engine`."""
        try:
            return make_engine(self.settings.database_url)
        except (ArgumentError, ImportError) as exc:
            raise fail(
                _("the database URL (--database-url, CREDENCE_DATABASE_URL) is not usable: %(why)s", why=exc)
            ) from None

    @cached_property
    def engine(self) -> Engine:
        """The store, migrated to this Credence's newest revision. Without one (or with one at another
        revision) the command stops with one line saying what to do, and no store is made."""
        require_store(self.unchecked_engine)
        return self.unchecked_engine

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.settings.catalog_path, screen_from(self.settings))

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.catalog, self.settings.rating_policy, self.settings.rating_policy_path)

    def rating(self) -> RatingService:
        return RatingService(self.engine, self.catalog, self.policy, self.clock, self.settings)

    def ingest(self) -> IngestService:
        return IngestService(self.engine, self.catalog, self.clock, self.settings)

    @cached_property
    def lists(self) -> Lists:
        return load_lists(self.catalog, self.settings.lists_path)

    @cached_property
    def measures(self) -> Measures:
        return load_measures(self.catalog, self.settings.measures_path)

    def process(self) -> DueProcess:
        return DueProcess(
            self.engine,
            self.catalog,
            self.clock,
            self.settings,
            self.rating(),
            self.ingest(),
            lists=self.lists,
        )

    def checks(self) -> CheckService:
        return CheckService(
            self.engine, self.catalog, self.measures, self.lists, self.clock, self.settings, self.rating()
        )


T = TypeVar("T")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def app_context(ctx: typer.Context) -> AppContext:
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext(Settings(), SystemClock())
    return root.obj


def fail(message: str, code: int = 2) -> typer.Exit:
    said = _("error:")
    errors.print(f"[bold red]{said}[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def require_store(engine: Engine, *, migrated: bool = True, newest: bool = True) -> str | None:
    """Stop with one line (exit 2) unless the store exists and opens, and (`migrated`) is at a revision
    this Credence knows, (`newest`) its newest. Never creates the store: connecting to a SQLite file that
    does not exist would. Returns the store's revision."""
    url = engine.url.render_as_string(hide_password=True)
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    where = str(path) if path is not None else url
    if path is not None and not path.exists():
        raise fail(
            _("no Credence store at %(where)s: run `credence db upgrade` (or `make run`) first", where=where)
        )
    try:
        revision = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        reason: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        why = _first_line(reason)
        raise fail(_("cannot open the store at %(where)s: %(why)s", where=where, why=why)) from None
    if not (migrated or newest):
        return revision
    if revision is None:
        raise fail(
            _(
                "the store at %(where)s is empty (never migrated): run `credence db upgrade` first",
                where=where,
            )
        )
    heads = migrate.head_revisions(engine)
    if revision in heads:
        return revision
    if revision not in _known_revisions(engine):
        raise fail(
            _(
                "the store at %(where)s is at revision %(revision)s, which this Credence does not know "
                "(a newer Credence migrated it): upgrade Credence",
                where=where,
                revision=revision,
            )
        )
    if newest:
        raise fail(
            _(
                "the store at %(where)s is at revision %(revision)s, older than this Credence's %(heads)s: "
                "run `credence db upgrade` to migrate it",
                where=where,
                revision=revision,
                heads=", ".join(heads),
            )
        )
    return revision


def make_store(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the store to `revision`, creating it when there is none (`db upgrade`, `demo`); one line
    when that cannot be done. Returns the revision it is at."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    where = path or engine.url.render_as_string(hide_password=True)
    if path is not None and not path.parent.is_dir():
        raise fail(
            _(
                "cannot create the store at %(path)s: there is no folder %(folder)s",
                path=path,
                folder=path.parent,
            )
        )
    try:
        migrate.upgrade(engine, revision)
        return migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        reason: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        why = _first_line(reason)
        raise fail(_("cannot migrate the store at %(where)s: %(why)s", where=where, why=why)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_rules_file(path: Path, load: Callable[[Path], T], valid: Callable[[T], str]) -> None:
    """`credence catalog check` and `credence policy check`: load a rules file and say it is valid, or
    print every problem (exit 1); exit 2 when the path is not a file."""
    if not path.is_file():
        raise fail(_("%(path)s is not a file", path=path))
    try:
        loaded = load(path)
    except Refused as exc:
        errors.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(1) from None
    console.print(valid(loaded), highlight=False)


@contextmanager
def process_errors() -> Iterator[None]:
    """Due-process refusals as clear errors: exit 1 for something not found, 2 for a step not allowed."""
    from credence.process.errors import NotAllowed, NotFound
    from credence.process.machine import IllegalTransition
    from credence.records.service import RecordNotFound, RowsRejected

    try:
        yield
    except (NotFound, RecordNotFound) as exc:
        raise fail(str(exc).strip("'\""), 1) from None
    except (NotAllowed, IllegalTransition, RowsRejected) as exc:
        raise fail(str(exc), 2) from None


def _known_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config(engine))
    return {script.revision for script in scripts.walk_revisions()}


def local(ctx: typer.Context, at: datetime, fmt: str = "%Y-%m-%d") -> str:
    """An instant as the registry's local date (or time): decisions and deadlines are local dates."""
    return at.astimezone(ZoneInfo(app_context(ctx).settings.timezone)).strftime(fmt)


def report_grade(ctx: typer.Context, organisation_id: int) -> None:
    """Say the organisation's grade after a step that re-rated it, and whether the step changed it."""
    from credence.rating import repository as rating_repo

    with app_context(ctx).engine.connect() as conn:
        rating = rating_repo.rating_of(conn, organisation_id)
        history = rating_repo.history_of(conn, organisation_id)
    if rating is None:
        return
    last = history[-1] if history else None
    # The history has a row for every change of score; only one whose grade moved is a change of grade.
    changed = (
        last is not None and last.rated_at == rating.rated_at and last.old_grade not in (None, last.new_grade)
    )
    note = (
        _("(was %(grade)s: the grade changed)", grade=last.old_grade)
        if last is not None and changed
        else _("(unchanged)")
    )
    said = _("grade now %(grade)s, score %(score)s", grade=rating.grade, score=rating.score)
    console.print(f"{said} {note}", highlight=False)
