"""How the shipped linkage model (model.json) is defined and trained, offline, once.

`settings()` holds the comparisons and blocking rules. `train()` estimates the parameters with Splink on
generated organisation records whose truth is known: u-probabilities by random sampling, m-probabilities
from the true organisation of each record (Splink's estimate_m_from_label_column), and the prior from
the true pairs. `benchmarks/bench_linkage.py train` runs it and writes model.json; docs/linkage.md says
why each comparison is there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.duckdb.database_api import DuckDBAPI

from credence.subjects.model import Candidate, table

__all__ = ["blocking_rules", "settings", "train"]


def _token_overlap(column: str, at_least: float) -> str:
    return (
        f"len(list_intersect({column}_l, {column}_r)) >= {at_least} * "
        f"greatest(len(list_distinct(list_concat({column}_l, {column}_r))), 1)"
    )


def _token_contained(column: str) -> str:
    return (
        f"len(list_intersect({column}_l, {column}_r)) = least(len(list_distinct({column}_l)), "
        f"len(list_distinct({column}_r)))"
    )


def _identifier(name: str, label: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=name,
        comparison_levels=[
            cll.NullLevel(name),
            cll.ExactMatchLevel(name).configure(label_for_charts=f"same {label}"),
            cll.ElseLevel().configure(label_for_charts=f"different {label}"),
        ],
    )


def comparisons() -> list[cl.CustomComparison]:
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name").configure(label_for_charts="same Latin name"),
            cll.CustomLevel("list_has_any(names_l, names_r)", "another of their Latin names is the same"),
            cll.CustomLevel(
                "least(length(name_l), length(name_r)) >= 8 and damerau_levenshtein(name_l, name_r) <= 2",
                "Latin names differ by a letter or two",
            ),
            cll.CustomLevel(_token_overlap("tokens", 1), "same words in another order"),
            cll.CustomLevel(
                "least(length(name_l), length(name_r)) >= 40 "
                "and (starts_with(name_l, name_r) or starts_with(name_r, name_l))",
                "one Latin name is the other cut short",
            ),
            cll.CustomLevel(_token_overlap("tokens", 0.7), "most words shared"),
            cll.CustomLevel(_token_contained("tokens"), "one name's words all in the other"),
            cll.CustomLevel(
                f"jaro_winkler_similarity(name_l, name_r) >= 0.92 and {_token_overlap('tokens', 0.5)}",
                "Latin names alike",
            ),
            cll.CustomLevel(_token_overlap("tokens", 0.4), "some words shared"),
            cll.ElseLevel().configure(label_for_charts="different Latin names"),
        ],
    )
    chinese = cl.CustomComparison(
        output_column_name="chinese",
        comparison_levels=[
            cll.NullLevel("chinese"),
            cll.ExactMatchLevel("chinese").configure(label_for_charts="same Chinese name"),
            cll.CustomLevel(
                "list_has_any(chinese_names_l, chinese_names_r)", "another of their Chinese names is the same"
            ),
            cll.CustomLevel(
                "least(length(chinese_l), length(chinese_r)) >= 4 "
                "and (contains(chinese_l, chinese_r) or contains(chinese_r, chinese_l))",
                "one Chinese name contains the other",
            ),
            cll.JaroWinklerLevel("chinese", 0.9).configure(label_for_charts="Chinese names alike"),
            cll.ElseLevel().configure(label_for_charts="different Chinese names"),
        ],
    )
    country = cl.CustomComparison(
        output_column_name="country",
        comparison_levels=[
            cll.NullLevel("country"),
            cll.ExactMatchLevel("country").configure(label_for_charts="same country"),
            cll.ElseLevel().configure(label_for_charts="different countries"),
        ],
    )
    city = cl.CustomComparison(
        output_column_name="city",
        comparison_levels=[
            cll.NullLevel("city"),
            cll.ExactMatchLevel("city").configure(label_for_charts="same address"),
            cll.CustomLevel(
                "street_number_l = street_number_r and jaro_winkler_similarity(city_l, city_r) >= 0.8",
                "same street number, addresses alike",
            ),
            cll.CustomLevel(
                "contains(city_l, city_r) or contains(city_r, city_l)", "one address is part of the other"
            ),
            cll.JaroWinklerLevel("city", 0.92).configure(label_for_charts="addresses alike"),
            cll.ElseLevel().configure(label_for_charts="different addresses"),
        ],
    )
    return [
        name,
        chinese,
        country,
        city,
        _identifier("postcode", "postcode"),
        _identifier("phone", "telephone"),
        _identifier("uscc", "USCC"),
        _identifier("lei", "LEI"),
        _identifier("org_code", "organisation code"),
        _identifier("registration", "registration number"),
    ]


def blocking_rules() -> list[BlockingRuleCreator]:
    """Which pairs are compared at all. Each rule looks at the two subjects only, so a pair is blocked
    the same way whether the subjects come in one set or in two."""
    return [
        block_on("name"),
        block_on("chinese"),
        block_on("substr(name, 1, 20)"),
        block_on("name_tail"),
        block_on("uscc"),
        block_on("lei"),
        block_on("org_code"),
        block_on("registration"),
        block_on("phone"),
        block_on("postcode", "substr(name, 1, 3)"),
        block_on("postcode", "street_number"),
        block_on("city", "substr(name, 1, 3)"),
        block_on("city", "street_number"),
    ]


def settings(probability_two_random_records_match: float = 0.0001) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=list(comparisons()),
        blocking_rules_to_generate_predictions=list(blocking_rules()),
        probability_two_random_records_match=probability_two_random_records_match,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


MIN_M = 1e-4  # the m of a level no generated match reached
MIN_U = 1e-6  # the u of a level no random pair reached


def _floor_unobserved(model: dict[str, Any]) -> None:
    """A level the generated matches never reach (another of two names the same, when the first names
    already differ) gets m = 0 or none, which Splink turns into a weight of about -30 or leaves
    untrained: it is given a small m instead, so it counts as evidence for, never as proof against."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            if not level.get("m_probability") or level["m_probability"] < MIN_M:
                level["m_probability"] = MIN_M
            if not level.get("u_probability"):
                level["u_probability"] = MIN_U


def train(records: Sequence[tuple[Candidate, int]], seed: int = 14) -> dict[str, Any]:
    """The trained model as Splink's saved-model dict, from records labelled with their organisation."""
    data = table([c for c, _ in records])
    data = data.append_column("truth", pa.array([t for _, t in records], pa.int64()))
    sizes: dict[int, int] = {}
    for _, truth in records:
        sizes[truth] = sizes.get(truth, 0) + 1
    true_pairs = sum(k * (k - 1) // 2 for k in sizes.values())
    n = len(records)
    prior = true_pairs / (n * (n - 1) / 2)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(data), settings(prior), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    linker.training.estimate_m_from_label_column("truth")
    model: dict[str, Any] = linker.misc.save_model_to_json()
    _floor_unobserved(model)
    return model


def write(model: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
