"""The registry's subjects kept in an in-memory DuckDB table, to screen names against without reading the
store per query: the screening by name of the match API and of the eligibility checks.

The subjects (credence.subjects.candidates: every name each was submitted under; sole proprietors never)
are written once into a DuckDB table in the model's input form, and read again only when the store's
subjects change: each `match` first reads a small fingerprint of the store (the largest organisation and
record ids, the number of record versions, the last judgement on links), and the index is rebuilt when it
moved. A query is scored in two steps: the model's own blocking rules pick the subjects it could be
compared with (equality joins on the registered table, some 13 ms for 20,000 subjects), then Splink's
predict_between scores the query against those alone. With no term-frequency adjustments in the model
this gives the pairs, and the weights, that `Model.match(queries, registry)` gives (tests hold it).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
from splink.internals.duckdb.database_api import DuckDBAPI
from splink.internals.splink_dataframe import SplinkDataFrame
from sqlalchemy import Connection, Engine, Table, func, select

from credence.store.models import Organisation, Record, RecordVersion, SubjectLink
from credence.subjects.candidates import candidates
from credence.subjects.model import Candidate, Model, Pair, identifier_pairs, table
from credence.subjects.prepared import prepared

__all__ = ["Fingerprint", "ScreeningIndex"]

_orgs: Table = Organisation.__table__  # type: ignore[assignment]
_records: Table = Record.__table__  # type: ignore[assignment]
_versions: Table = RecordVersion.__table__  # type: ignore[assignment]
_links: Table = SubjectLink.__table__  # type: ignore[assignment]

REGISTRY = "screening_registry"
QUERIES = "screening_queries"
BLOCKED = "screening_blocked"


@dataclass(frozen=True)
class Fingerprint:
    """What changes when the registry's subjects, their names or their files do: new organisations and
    records, corrections (a new version may rename the subject) and judgements on links (append-only)."""

    organisations: int
    records: int
    versions: int
    links: int

    @classmethod
    def of(cls, conn: Connection) -> Fingerprint:
        row = conn.execute(
            select(
                select(func.coalesce(func.max(_orgs.c.id), 0)).scalar_subquery(),
                select(func.coalesce(func.max(_records.c.id), 0)).scalar_subquery(),
                select(func.count()).select_from(_versions).scalar_subquery(),
                select(func.coalesce(func.max(_links.c.id), 0)).scalar_subquery(),
            )
        ).one()
        return cls(*(int(v) for v in row))


class _Registered:
    """One build of the index: a DuckDB connection holding the subjects, and each subject's file head."""

    def __init__(
        self, model: Model, subjects: Sequence[Candidate], inputs: pa.Table, heads: dict[int, int]
    ) -> None:
        self.model = model
        self.subjects = {s.id: s for s in subjects}
        self.heads = heads  # a member's file head; a subject alone or the head of its file is absent
        self.db = DuckDBAPI()
        con = self.db._con  # Splink's own connection: the tables it scores must live in it
        con.register("screening_input", inputs)
        con.execute(f"CREATE TABLE {REGISTRY} AS SELECT * FROM screening_input")  # noqa: S608
        con.unregister("screening_input")
        rules = [r["blocking_rule"] for r in model.settings["blocking_rules_to_generate_predictions"]]
        # The model's blocking rules as one query: each an equality join of the queries on the registry.
        self._statements: dict[bool, _Statements] = {}
        self._blocking = " UNION ".join(
            f"SELECT r.unique_id FROM {QUERIES} AS l JOIN {REGISTRY} AS r ON {rule}"  # noqa: S608
            for rule in rules
        )

    def match(self, queries: Sequence[Candidate], floor: float) -> list[Pair]:
        """The model's pairs of each query (negative ids) with a registered subject, probability at least
        `floor`."""
        if not queries or not self.subjects:
            return []
        con = self.db._con
        con.register(QUERIES, table(queries))
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {BLOCKED} AS SELECT * FROM {REGISTRY} "  # noqa: S608
                f"WHERE unique_id IN ({self._blocking})"
            )
            blocked = [int(i) for (i,) in con.execute(f"SELECT unique_id FROM {BLOCKED}").fetchall()]  # noqa: S608
            if not blocked:
                return []
            # A shared identifier decides outright, whatever the model says (the blocking rules join on
            # every identifier, so whoever shares one is among the blocked).
            shared = [
                p
                for p in identifier_pairs([*queries, *(self.subjects[i] for i in blocked)])
                if p.left < 0 <= p.right
            ]
            # One query: every blocked subject was blocked by it, so the pairs to score are all of them
            # (a cross join, far cheaper for DuckDB to plan than the rules again). Several: the rules.
            scored = self.model._collect(self.db, [self._predict(len(queries) == 1)], floor)
            decided = {(p.left, p.right) for p in shared}
            return sorted(
                [*shared, *(p for p in scored if (p.left, p.right) not in decided)],
                key=lambda p: (p.left, p.right),
            )
        finally:
            con.unregister(QUERIES)

    def _predict(self, single: bool) -> SplinkDataFrame:
        """Splink's predict_between of the queries against the blocked subjects (for a single query, all
        of them: a cross join), every pair scored whatever its probability: the floor is applied after, so
        a caller's choice of floor costs nothing. The SQL Splink generates depends only on the model, the
        blocking and the two tables' names, which are always the same here; generating it costs some 0.2 s
        of Python per call, more than running it on a few rows. So the first call of each kind runs Splink
        and keeps the statements it executed, and later calls execute those statements again; should they
        fail, Splink runs again and they are kept anew."""
        statements = self._statements.get(single)
        if statements is not None:
            try:
                for statement in statements:
                    self.db._con.execute(statement)
                found: SplinkDataFrame = self.db.table_to_splink_dataframe(
                    statements.result, statements.result
                )
                found.created_by_splink = True  # it was: _collect drops it once read
                return found
            except duckdb.Error:
                del self._statements[single]
        run = self.db._execute_sql_against_backend
        seen: list[str] = []

        def keep(sql: str) -> Any:
            seen.append(sql)
            return run(sql)

        self.db._execute_sql_against_backend = keep  # type: ignore[method-assign,assignment]
        try:
            left = self.db.table_to_splink_dataframe(QUERIES, QUERIES)
            right = self.db.table_to_splink_dataframe(BLOCKED, BLOCKED)
            found = self.model._linker(right).inference.predict_between(
                left,
                right,
                blocking_rules_to_generate_predictions=["1=1"] if single else None,
                threshold_match_probability=None,
                warning_mode="never",
            )
        finally:
            del self.db._execute_sql_against_backend
        kept = [sql for sql in seen if not sql.lstrip().upper().startswith("SELECT")]  # schema reads
        self._statements[single] = _Statements(kept, found.physical_name)
        return found

    def close(self) -> None:
        self.db._con.close()


class _Statements(list[str]):
    """The statements of one predict_between, and the table its predictions end in."""

    def __init__(self, statements: list[str], result: str) -> None:
        super().__init__(statements)
        self.result = result


class ScreeningIndex:
    """The registry's subjects, registered once and rebuilt when the store's subjects change. Safe to
    share between threads: one query at a time runs on the DuckDB connection."""

    def __init__(self, engine: Engine, model: Model | None = None, model_path: Path | None = None) -> None:
        self.engine = engine
        self._model = model
        self._model_path = model_path  # the model to load on first use (None: the shipped one)
        self._lock = threading.Lock()
        self._built: _Registered | None = None
        self._fingerprint: Fingerprint | None = None
        self.builds = 0  # how many times the subjects were read from the store (for tests and benchmarks)

    @property
    def model(self) -> Model:
        if self._model is None:
            self._model = Model.load(self._model_path)
        return self._model

    def _current(self) -> _Registered:
        with self.engine.connect() as conn:
            fingerprint = Fingerprint.of(conn)
            if self._built is not None and fingerprint == self._fingerprint:
                return self._built
            subjects = candidates(conn)
            # the forms kept by linkage where current; the index only reads the store
            inputs = prepared(conn, subjects, keep=False)
            heads = {
                int(i): int(head)
                for i, head in conn.execute(
                    select(_orgs.c.id, _orgs.c.file_id).where(_orgs.c.file_id.is_not(None))
                )
            }
        if self._built is not None:
            self._built.close()
        self._built = _Registered(self.model, subjects, inputs, heads)
        self._fingerprint = fingerprint
        self.builds += 1
        return self._built

    def match(self, queries: Sequence[Candidate], floor: float) -> tuple[list[Pair], dict[int, int]]:
        """The pairs of each query with a subject of the registry as it is now (probability at least
        `floor`; a query's id must be negative), and each matched member's file head."""
        if any(q.id >= 0 for q in queries):
            raise ValueError("a query's id must be negative, apart from every subject's")
        with self._lock:
            built = self._current()
            pairs = built.match(queries, floor)
            heads = {p.right: built.heads.get(p.right, p.right) for p in pairs}
        return pairs, heads

    def close(self) -> None:
        with self._lock:
            if self._built is not None:
                self._built.close()
                self._built = None
