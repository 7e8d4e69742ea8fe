"""What every command needs, built once per invocation from settings: never module globals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import typer
from rich.console import Console
from sqlalchemy import Engine

from credence.catalog import Catalog, load_catalog
from credence.clock import Clock, SystemClock
from credence.rating import Policy, load_policy
from credence.rating.service import RatingService
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
