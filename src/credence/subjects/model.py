"""Which subjects are the same organisation: a shared identifier decides outright, Splink's model weighs
the rest.

The model is a Splink 5 model on DuckDB, trained offline (credence.subjects.train) and shipped as
Splink's saved-model JSON beside this module. Nothing is trained or downloaded at run time. Names are
compared in the forms of credence.subjects.names. Blocking rules look at the two subjects of a pair
alone, and no weight depends on the rest of the set (the model has no term-frequency adjustments; were
any added, `match` computes their tables from new and existing together), so linking a batch against the
registry gives the same pairs, with the same weights, as resolving the whole registry again
(docs/linkage.md).
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
from splink import Linker, SettingsCreator
from splink.internals.duckdb.database_api import DuckDBAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from credence.subjects.forms import IDENTIFIER_SCHEMES, Candidate, identifiers, paused_collection, table

__all__ = [
    "IDENTIFIER_SCHEMES",
    "Candidate",
    "Comparison",
    "Model",
    "Pair",
    "clusters",
    "identifier_pairs",
    "table",
]


@dataclass(frozen=True)
class Comparison:
    """One comparison of a pair: its name, the level the pair fell in, and that level's log2 Bayes factor."""

    name: str
    level: str
    weight: float


class Pair(NamedTuple):
    """Two subjects judged possibly the same. An identifier pair has weight inf and probability 1.

    A named tuple rather than a frozen dataclass: a run makes a million of them, and a tuple is made in a
    fifth of the time (docs/benchmarks.md, "Linkage")."""

    left: int
    right: int
    weight: float
    probability: float
    basis: str  # "identifier:uscc" (or lei, org_code, registration) or "model"
    comparisons: tuple[Comparison, ...]


def identifier_pairs(subjects: Sequence[Candidate]) -> list[Pair]:
    """Every pair of subjects that share a USCC, LEI, organisation code (also the one inside a USCC) or
    15-digit registration number: the same organisation, without a model. Sorted by (left, right)."""
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    for subject in subjects:
        for scheme, code in identifiers(subject).items():
            holders[(scheme, code)].add(subject.id)
    found: dict[tuple[int, int], str] = {}
    for (scheme, _code), ids in holders.items():
        for left, right in combinations(sorted(ids), 2):
            basis = found.get((left, right))
            if basis is None or IDENTIFIER_SCHEMES.index(scheme) < IDENTIFIER_SCHEMES.index(basis):
                found[(left, right)] = scheme
    return [
        Pair(
            left,
            right,
            math.inf,
            1.0,
            f"identifier:{scheme}",
            (Comparison(scheme, "same identifier", math.inf),),
        )
        for (left, right), scheme in sorted(found.items())
    ]


def _without_matches(sampled: dict[str, Any], prior: float) -> dict[str, Any]:
    """The model whose u-probabilities are the sampled shares of random pairs with the matches among
    them taken out, u = (P - prior * m) / (1 - prior), never below the smaller of P and 10^-6."""
    settings = copy.deepcopy(sampled)
    settings["probability_two_random_records_match"] = prior
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level") or level.get("u_probability") is None:
                continue
            share, m = float(level["u_probability"]), float(level["m_probability"])
            level["u_probability"] = max((share - prior * m) / (1 - prior), min(share, 1e-6))
    return settings


MODEL_FILE = "model.json"


class Model:
    """The shipped linkage model: `pairs` resolves a whole set, `match` links new subjects to the others."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        # Splink's output gives each comparison's weight, not its level; the level is found by its
        # weight, which Splink writes into the SQL as the same float (log2 of m/u, clamped as Splink does).
        self._levels: dict[str, dict[float, str]] = {}
        for comparison in SettingsCreator.from_path_or_dict(settings).get_settings("duckdb").comparisons:
            levels: dict[float, str] = {}
            for level in comparison.comparison_levels:
                weight = level._match_weight
                if weight is not None:
                    levels.setdefault(float(weight), level.label_for_charts)
            self._levels[comparison.output_column_name] = levels
        # Splink checks the settings against the input's columns each time a Linker is made, a tenth of a
        # second that grows with the input; they are checked once here, on an empty input table, and the
        # linkers of each run skip it.
        Linker(DuckDBAPI().register(table([])), self.splink_settings(), log_level=logging.WARNING)

    @classmethod
    def load(cls, path: Path | None = None) -> Model:
        """The model shipped with the package, or one saved by Splink at `path`."""
        if path is None:
            text = resources.files("credence.subjects").joinpath(MODEL_FILE).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        settings: dict[str, Any] = json.loads(text)
        return cls(settings)

    def calibrated(
        self, subjects: Sequence[Candidate], seed: int = 14, max_pairs: float = 5e6, rounds: int = 3
    ) -> Model:
        """This model calibrated on a registry's own subjects, without labels (`credence link
        calibrate`). The m-probabilities stay; the u-probabilities and the prior are estimated together:

        - Splink's random sampling gives, for each level, how often a random pair of the subjects falls
          in it: P = prior * m + (1 - prior) * u, since some random pairs are one organisation;
        - the prior is `estimated_prior` under the current u;
        - u = (P - prior * m) / (1 - prior), and the two steps again (`rounds` times).

        Meant to be run offline, like training: a calibrated model is saved and then used as it is."""
        db_api = DuckDBAPI()
        linker = Linker(db_api.register(table(subjects)), dict(self.settings), log_level=logging.WARNING)
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        sampled: dict[str, Any] = linker.misc.save_model_to_json()
        prior = float(sampled["probability_two_random_records_match"])
        model = Model(sampled)
        for _ in range(rounds):
            prior = model.estimated_prior(subjects)
            model = Model(_without_matches(sampled, prior))
        return model

    def estimated_prior(self, subjects: Sequence[Candidate], rounds: int = 100) -> float:
        """The share of all pairs of `subjects` that are one organisation, as this model sees them: the
        fixed point of prior = (sum over the blocked pairs of their probability under that prior) / (all
        pairs), which is the expectation-maximisation step for the prior alone, m and u held. Pairs that
        no blocking rule compares count as different organisations. On the labelled Chicago records it
        gives 1.13 x 10^-3 against a true 1.19 x 10^-3 (docs/linkage.md)."""
        n = len(subjects)
        if n < 2:
            return float(self.settings["probability_two_random_records_match"])
        db_api = DuckDBAPI()
        linker = self._linker(db_api.register(table(subjects)))
        predictions = linker.inference.predict(warning_mode="never")
        prior = float(self.settings["probability_two_random_records_match"])
        # each pair's Bayes factor, without the prior it was predicted with
        # (a float and Splink's own table name: nothing from outside goes into the SQL)
        odds = (1 - prior) / prior
        con = db_api.duckdb_con
        con.execute(
            f"create temp table _factors as select pow(2, match_weight) * {odds!r} as bf "  # noqa: S608
            f"from {predictions.physical_name}"
        )
        predictions.drop_table_from_database_and_remove_from_cache()
        all_pairs = n * (n - 1) / 2
        for _ in range(rounds):
            ((expected,),) = con.execute(
                "select coalesce(sum(? * bf / (? * bf + 1 - ?)), 0) from _factors", [prior, prior, prior]
            ).fetchall()
            estimate = min(max(float(expected) / all_pairs, 1e-12), 0.5)
            if abs(estimate - prior) <= 1e-6 * prior:
                prior = estimate
                break
            prior = estimate
        con.execute("drop table _factors")
        return prior

    def save(self, path: Path) -> None:
        """Write the model in Splink's saved-model format."""
        path.write_text(json.dumps(self.settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def _linker(self, data: SplinkDataFrame) -> Linker:
        return Linker(data, self.splink_settings(), log_level=logging.WARNING, validate_settings=False)

    def splink_settings(self) -> dict[str, Any]:
        """The settings Splink runs with: the model, keeping each comparison's weight in the output."""
        settings = dict(self.settings)
        settings["retain_intermediate_calculation_columns"] = True
        settings["retain_matching_columns"] = False
        return settings

    def pairs(self, subjects: Sequence[Candidate] | pa.Table, floor: float) -> list[Pair]:
        """Every pair of `subjects` the model gives a probability of at least `floor`, sorted. The subjects
        are Candidates, or already their input table (forms.table, or credence.subjects.prepared)."""
        data_table = _input(subjects)
        if data_table.num_rows < 2:
            return []
        db_api = DuckDBAPI()
        linker = self._linker(db_api.register(data_table))
        predictions = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
        return self._collect(db_api, [predictions], floor)

    def match(
        self,
        new: Sequence[Candidate] | pa.Table,
        existing: Sequence[Candidate] | pa.Table,
        floor: float,
    ) -> list[Pair]:
        """Pairs of a new subject with an existing one or with another new one, probability at least `floor`
        (Candidates, or their input tables).

        The same as the pairs of `pairs(existing + new, floor)` that involve a new subject: term
        frequencies come from both sets together, and blocking and scoring are Splink's own
        predict_between and predict_within."""
        # each subject prepared once: the new, the existing, and both together for the term frequencies
        new_table, existing_table = _input(new), _input(existing)
        if not new_table.num_rows:
            return []
        shared = set(new_table.column("unique_id").to_pylist()) & set(
            existing_table.column("unique_id").to_pylist()
        )
        if shared:
            raise ValueError(f"subject id {min(shared)} appears twice")
        db_api = DuckDBAPI()
        new_data = db_api.register(new_table)
        existing_data = db_api.register(existing_table) if existing_table.num_rows else None
        both = db_api.register(pa.concat_tables([existing_table, new_table]) if existing_data else new_table)
        linker = self._linker(both)
        for column in self._tf_columns():
            linker.table_management.compute_tf_table(column)
        results = []
        if new_table.num_rows > 1:
            results.append(
                linker.inference.predict_within(
                    new_data, threshold_match_probability=floor, warning_mode="never"
                )
            )
        if existing_data is not None:
            results.append(
                linker.inference.predict_between(
                    new_data, existing_data, threshold_match_probability=floor, warning_mode="never"
                )
            )
        return self._collect(db_api, results, floor)

    def _tf_columns(self) -> list[str]:
        columns = set()
        for comparison in self.settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                if level.get("tf_adjustment_column"):
                    columns.add(level["tf_adjustment_column"])
        return sorted(columns)

    def _collect(self, db_api: DuckDBAPI, results: Iterable[SplinkDataFrame], floor: float) -> list[Pair]:
        """The pairs of Splink's prediction tables with probability at least `floor`, sorted.

        Most pairs fall in the same few combinations of levels (some thousands in a million pairs), so
        DuckDB numbers the combinations, each combination's comparisons are made once, and only the ids,
        weight, probability and combination of a pair cross into Python: reading every comparison's
        weight of every pair was most of the time once Splink had predicted."""
        tables = list(results)
        if not tables:
            return []
        names = list(self._levels)
        weights = []
        for name in names:
            weights.append(f"mw_{name}")
            weights.append(f"mw_tf_adj_{name}" if self._has_tf(name) else "0.0")
        levels = ", ".join(f"{w} AS w{i}" for i, w in enumerate(weights))
        numbered = ", ".join(f"w{i}" for i in range(len(weights)))
        # the columns are the model's own comparison names, the tables Splink's; the floor is a parameter
        scored = " UNION ALL ".join(
            "SELECT least(unique_id_l, unique_id_r) AS l, greatest(unique_id_l, unique_id_r) AS r, "  # noqa: S608
            f"match_weight, match_probability, {levels} FROM {t.physical_name} WHERE match_probability >= ?"
            for t in tables
        )
        con = db_api.duckdb_con
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __credence_pairs AS SELECT l, r, match_weight, match_probability, "  # noqa: S608
            f"{numbered}, dense_rank() OVER (ORDER BY {numbered}) AS combination FROM ({scored})",
            [floor] * len(tables),
        )
        for t in tables:
            t.drop_table_from_database_and_remove_from_cache()
        combinations_sql = f"SELECT DISTINCT combination, {numbered} FROM __credence_pairs"  # noqa: S608
        seen: dict[tuple[int, float, float], Comparison] = {}  # a comparison at one level, made once
        made = {
            int(row[0]): self._comparisons(row[1:], names, seen)
            for row in con.execute(combinations_sql).fetchall()
        }
        out: list[Pair] = []
        # typed by DuckDB: the ids come as int, the weight and probability as float
        cursor = con.execute(
            "SELECT CAST(l AS BIGINT), CAST(r AS BIGINT), CAST(match_weight AS DOUBLE), "
            "CAST(match_probability AS DOUBLE), combination FROM __credence_pairs ORDER BY l, r"
        )
        with paused_collection():
            while rows := cursor.fetchmany(65536):  # in slices: a million pairs' rows at once are large
                out.extend(
                    [
                        Pair(left, right, weight, probability, "model", made[combination])
                        for left, right, weight, probability, combination in rows
                    ]
                )
        con.execute("DROP TABLE __credence_pairs")
        return out

    def _comparisons(
        self, levels: tuple[Any, ...], names: list[str], seen: dict[tuple[int, float, float], Comparison]
    ) -> tuple[Comparison, ...]:
        out = []
        for i, name in enumerate(names):
            level_weight, tf_weight = float(levels[2 * i]), float(levels[2 * i + 1] or 0.0)
            comparison = seen.get((i, level_weight, tf_weight))
            if comparison is None:
                label = self._levels[name].get(level_weight, f"weight {level_weight:.2f}")
                comparison = Comparison(name, label, level_weight + tf_weight)
                seen[i, level_weight, tf_weight] = comparison
            out.append(comparison)
        return tuple(out)

    def _has_tf(self, name: str) -> bool:
        for comparison in self.settings["comparisons"]:
            if comparison["output_column_name"] == name:
                return any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"])
        return False


def _input(subjects: Sequence[Candidate] | pa.Table) -> pa.Table:
    return subjects if isinstance(subjects, pa.Table) else table(subjects)


def clusters(ids: Iterable[int], pairs: Iterable[Pair], threshold: float) -> list[frozenset[int]]:
    """Connected components of the pairs with probability at least `threshold` (identifier pairs always
    count), over `ids`; a subject in no pair is a cluster of its own. Sorted by smallest id."""
    parent: dict[int, int] = {i: i for i in ids}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for pair in pairs:
        if pair.basis.startswith("identifier") or pair.probability >= threshold:
            a, b = find(pair.left), find(pair.right)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, set[int]] = defaultdict(set)
    for i in list(parent):
        groups[find(i)].add(i)
    return sorted((frozenset(g) for g in groups.values()), key=min)
