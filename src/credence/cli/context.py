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
from sqlalchemy import Engine

from credence.catalog import Catalog, load_catalog
from credence.catalog.loader import Refused
from credence.clock import Clock, SystemClock
from credence.lists.config import Lists, load_lists
from credence.measures.catalog import Measures, load_measures
from credence.measures.checks import CheckService
from credence.process.service import DueProcess
from credence.rating import Policy, load_policy
from credence.rating.service import RatingService
from credence.records.service import IngestService
from credence.settings import Settings
from credence.store.db import make_engine


@dataclass
class AppContext:
    settings: Settings
    clock: Clock

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.settings.catalog_path)

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
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def check_rules_file(path: Path, load: Callable[[Path], T], valid: Callable[[T], str]) -> None:
    """`credence catalog check` and `credence policy check`: load a rules file and say it is valid, or
    print every problem (exit 1); exit 2 when the path is not a file."""
    if not path.is_file():
        raise fail(f"{path} is not a file")
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
    changed = last is not None and last.rated_at == rating.rated_at and last.old_grade is not None
    note = f" (was {last.old_grade}: the grade changed)" if last is not None and changed else " (unchanged)"
    console.print(f"grade now {rating.grade}, score {rating.score}{note}", highlight=False)
