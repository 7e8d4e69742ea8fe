"""What every command needs, built once per invocation from settings: never module globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine

from credence.catalog import Catalog, load_catalog
from credence.catalog.loader import Refused
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
