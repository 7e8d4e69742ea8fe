"""Fuzzy name search: names that are close to the text typed, for when no name contains it.

rapidfuzz scores every public organisation's Chinese and Latin names in C; the names are held in memory
and reloaded when organisations are added. Exact, prefix and contains matches come from the store
first (credence.api.queries.search); this is the fallback for typos.
"""

from __future__ import annotations

import threading
from typing import Any, cast

from rapidfuzz import fuzz, process, utils
from sqlalchemy import Connection, Table, func, select

from credence.store.models import Organisation

organisations = cast(Table, Organisation.__table__)
CUTOFF = 75.0  # out of 100: below this, a name is not offered


class NameIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple[int, int | None] | None = None
        self._ids: list[int] = []
        self._names: list[str] = []

    def search(self, conn: Connection, text: str) -> list[int]:
        """Organisation ids whose name or alternative name is close to the text, closest first."""
        self._refresh(conn)
        scores: dict[int, float] = {}
        for _, score, index in process.extract(
            text,
            self._names,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=CUTOFF,
            limit=200,
        ):
            org = self._ids[index]
            scores[org] = max(score, scores.get(org, 0.0))
        return sorted(scores, key=lambda org: (-scores[org], org))

    def _refresh(self, conn: Connection) -> None:
        version = tuple(conn.execute(select(func.count(), func.max(organisations.c.id))).one())
        with self._lock:
            if version == self._version:
                return
            rows: list[Any] = list(
                conn.execute(
                    select(organisations.c.id, organisations.c.name, organisations.c.alt_name).where(
                        organisations.c.never_public.is_(False)
                    )
                )
            )
            ids, names = [], []
            for row in rows:
                for name in (row.name, row.alt_name):
                    if name:
                        ids.append(row.id)
                        names.append(name)
            self._ids, self._names, self._version = ids, names, cast(tuple[int, int | None], version)
