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


def _shared_by_sites(name: str, label: str, different_sites: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=name,
        comparison_levels=[
            cll.NullLevel(name),
            cll.CustomLevel(f"{name}_l = {name}_r and {different_sites}", f"same {label}, different sites"),
            cll.ExactMatchLevel(name).configure(label_for_charts=f"same {label}"),
            cll.ElseLevel().configure(label_for_charts=f"different {label}"),
        ],
    )


NEUTRAL_BRANCH_LEVEL = "branches named alike, or in two scripts"
_NOT_BRANCH = "(branch_{side} is null and branch_chinese_{side} is null)"
# One name contained in the other says the same organisation only when both or neither are branches: a
# branch's name is its head office's with more words.
_SAME_STATUS = f"({_NOT_BRANCH.format(side='l')}) = ({_NOT_BRANCH.format(side='r')})"


# How many words of one branch's name have no word within one edit in the other's: each name having
# such a word (Chengde Concrete, Dingxing Concrete) makes two branches; a typo (Zhnogyuan) does not.
_UNMATCHED = (
    "len(list_filter(branch_tokens_{a}, lambda x: "
    "len(list_filter(branch_tokens_{b}, lambda y: damerau_levenshtein(x, y) <= 1)) = 0))"
)
# A name's numbers are not typos: "No 6 Branch" and "No 9 Branch", "Building 3" and "Building 5" are two.
_SAME_DIGITS = "regexp_replace(name_l, '[^0-9]', '', 'g') = regexp_replace(name_r, '[^0-9]', '', 'g')"


def comparisons() -> list[cl.CustomComparison]:
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name").configure(label_for_charts="same Latin name"),
            cll.CustomLevel("list_has_any(names_l, names_r)", "another of their Latin names is the same"),
            cll.CustomLevel(
                "least(length(name_l), length(name_r)) >= 8 and damerau_levenshtein(name_l, name_r) <= 2 "
                f"and {_SAME_DIGITS}",
                "Latin names differ by a letter or two",
            ),
            cll.CustomLevel(_token_overlap("tokens", 1), "same words in another order"),
            cll.CustomLevel(
                "least(length(name_l), length(name_r)) >= 40 "
                "and (starts_with(name_l, name_r) or starts_with(name_r, name_l))",
                "one Latin name is the other cut short",
            ),
            cll.CustomLevel(_token_overlap("tokens", 0.7), "most words shared"),
            cll.CustomLevel(
                f"{_token_contained('tokens')} and {_SAME_STATUS}", "one name's words all in the other"
            ),
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
                f"and (contains(chinese_l, chinese_r) or contains(chinese_r, chinese_l)) and {_SAME_STATUS}",
                "one Chinese name contains the other",
            ),
            cll.JaroWinklerLevel("chinese", 0.9).configure(label_for_charts="Chinese names alike"),
            cll.ElseLevel().configure(label_for_charts="different Chinese names"),
        ],
    )
    # The branch comparison only ever speaks against a pair: a branch and an organisation that is not one,
    # or two branches of different names, are different registered units whatever else they share.
    # Agreement is the name comparisons' to weigh, so branches named alike say nothing here.
    branch = cl.CustomComparison(
        output_column_name="branch",
        comparison_levels=[
            cll.CustomLevel(
                f"{_NOT_BRANCH.format(side='l')} and {_NOT_BRANCH.format(side='r')}", "neither is a branch"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                f"{_NOT_BRANCH.format(side='l')} or {_NOT_BRANCH.format(side='r')}",
                "a branch and an organisation that is not one",
            ),
            cll.CustomLevel(
                "branch_number_l is not null and branch_number_r is not null "
                "and branch_number_l <> branch_number_r",
                "branches of different numbers",
            ),
            cll.CustomLevel(
                "branch_l = branch_r or branch_chinese_l = branch_chinese_r "
                "or damerau_levenshtein(branch_l, branch_r) <= 2 "
                "or list_has_all(branch_tokens_l, branch_tokens_r) "
                "or list_has_all(branch_tokens_r, branch_tokens_l) "
                "or ((branch_l is null or branch_r is null) "
                "and (branch_chinese_l is null or branch_chinese_r is null))",
                NEUTRAL_BRANCH_LEVEL,
            ),
            cll.CustomLevel(
                f"{_UNMATCHED.format(a='l', b='r')} > 0 and {_UNMATCHED.format(a='r', b='l')} > 0",
                "different branches",
            ),
            cll.ElseLevel().configure(label_for_charts="branches with names alike"),
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
    # Two records at different street numbers are two sites: a branch, or another organisation. A group's
    # sites often share a telephone and a postcode, so these agree at different numbers far more often
    # than by chance, and count for little there (their own levels, below), not as independent evidence.
    different_numbers = "street_number_l <> street_number_r"
    city = cl.CustomComparison(
        output_column_name="city",
        comparison_levels=[
            cll.NullLevel("city"),
            cll.ExactMatchLevel("city").configure(label_for_charts="same address"),
            cll.CustomLevel(
                "street_number_l = street_number_r and street_l = street_r", "same street number and street"
            ),
            cll.CustomLevel(
                "street_number_l = street_number_r and jaro_winkler_similarity(city_l, city_r) >= 0.8",
                "same street number, addresses alike",
            ),
            cll.CustomLevel(different_numbers, "different street numbers"),
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
        branch,
        country,
        city,
        _shared_by_sites("postcode", "postcode", different_numbers),
        _shared_by_sites("phone", "telephone", different_numbers),
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
        # the same site written two ways (744 N Monticello Ave, 744 North Monticello Ave. 1st Floor), with
        # the name's first letter: a street number and street alone recur in every city, and joining on
        # them before a filter (a word of the names in common) tripled a million records' time
        block_on("street_number", "street", "substr(name, 1, 1)"),
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


def _only_against(model: dict[str, Any], comparison: str, neutral: tuple[str, ...]) -> None:
    """The comparison's levels weigh nothing for a pair (m = u where m > u), only against it. Two
    branches are rarer among random pairs than among a branch's own listings, so the training data
    would count "both are branches" as evidence for a pair; agreement of their names is the name
    comparisons' to weigh, and the branch comparison says only where two units differ."""
    for c in model["comparisons"]:
        if c["output_column_name"] == comparison:
            for level in c["comparison_levels"]:
                if level.get("is_null_level"):
                    continue
                if level["label_for_charts"] in neutral or level["m_probability"] > level["u_probability"]:
                    level["m_probability"] = level["u_probability"]


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
    # u is how often two different organisations agree: sampled from one record of each organisation, so
    # that no pair of the sample is a match (random pairs of all records include matches, which raised
    # the u of every agreement: an exact name's fivefold)
    first: dict[int, Candidate] = {}
    for candidate, truth in records:
        first.setdefault(truth, candidate)
    u_api = DuckDBAPI()
    u_linker = Linker(u_api.register(table(list(first.values()))), settings(prior), log_level=logging.WARNING)
    u_linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    u_model = u_linker.misc.save_model_to_json()
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(data), u_model, log_level=logging.WARNING)
    linker.training.estimate_m_from_label_column("truth")
    model: dict[str, Any] = linker.misc.save_model_to_json()
    _floor_unobserved(model)
    _only_against(model, "branch", (NEUTRAL_BRANCH_LEVEL, "branches with names alike"))
    return model


def write(model: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
