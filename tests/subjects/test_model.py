"""The linkage model: identifier pairs, determinism, small registries, and incremental equal to whole."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.identity import build_uscc
from credence.subjects.model import Candidate, Model, Pair, clusters, identifier_pairs

USCC = build_uscc("91", "110000", "60003734")  # 91110000600037341L
MODEL = Model.load()


def _keys(pairs: list[Pair]) -> set[tuple[int, int]]:
    return {(p.left, p.right) for p in pairs}


def test_same_uscc_lei_org_code_or_registration_is_the_same_organisation() -> None:
    subjects = [
        Candidate(1, ("Acme Construction Ltd",), "CN", uscc=USCC),
        Candidate(2, ("Something Else Entirely",), "KE", uscc=USCC.lower()),
        Candidate(3, ("Third",), "CN", org_code="60003734-1"),  # the code inside the USCC, written apart
        Candidate(4, ("Fourth",), "GB", lei="5493001KJTIIGC8Y1R12"),
        Candidate(5, ("Fifth",), "US", lei="5493 001K JTII GC8Y 1R12"),
        Candidate(6, ("Sixth",), "CN", registration="110000000123456"),
        Candidate(7, ("Seventh",), "CN", registration="110000000123456"),
        Candidate(8, ("Eighth",), "CN", registration="110000000999999"),
    ]
    pairs = identifier_pairs(subjects)
    assert [(p.left, p.right, p.basis) for p in pairs] == [
        (1, 2, "identifier:uscc"),
        (1, 3, "identifier:org_code"),
        (2, 3, "identifier:org_code"),
        (4, 5, "identifier:lei"),
        (6, 7, "identifier:registration"),
    ]
    assert all(p.probability == 1.0 and math.isinf(p.weight) for p in pairs)
    assert clusters(range(1, 9), pairs, threshold=1.1) == [
        frozenset({1, 2, 3}),
        frozenset({4, 5}),
        frozenset({6, 7}),
        frozenset({8}),
    ]


def test_a_small_registry_resolves() -> None:
    subjects = [
        Candidate(1, ("ACME Construction Co., Ltd. (北京某某建设有限公司)",), "CN", "Beijing"),
        Candidate(2, ("北京某某建设有限公司",), "cn"),
        Candidate(3, ('"ACME" CONSTRUCTION COMPANY LIMITED',), "CN", "Beijing"),
        Candidate(4, ("Kilimanjaro Roads Limited",), "KE", "Nairobi"),
        Candidate(5, ("Kilimanjaro Roads Ltd",), "KE", "Nairobi"),
        Candidate(6, ("Andes Ingenieria S.A.",), "CO"),
        Candidate(7, ("Adriatic Consulting GmbH",), "DE"),
        Candidate(8, ("Balkan Builders L.L.C.",), "XK"),
        Candidate(9, ("Balkan Builders LLC",), "xk"),
        Candidate(10, ("Mekong Trading Company Limited",), "VN"),
    ]
    pairs = MODEL.pairs(subjects, floor=0.5)
    assert {(1, 2), (1, 3), (4, 5), (8, 9)} <= _keys(pairs)
    assert all(p.left < p.right and p.basis == "model" for p in pairs)
    assert not {(4, 6), (6, 7), (7, 10)} & _keys(pairs)
    found = {frozenset({p.left, p.right}) for p in pairs if p.probability >= 0.5}
    assert frozenset({1, 2}) in found
    # every comparison names its level, as Splink's charts label it
    assert all(not c.level.startswith("weight") for p in pairs for c in p.comparisons)
    by_name = {c.name: c for c in pairs[0].comparisons}
    assert set(by_name) >= {"name", "chinese", "country", "city", "uscc", "lei", "org_code", "registration"}
    assert math.isclose(
        sum(c.weight for c in pairs[0].comparisons), pairs[0].weight - _prior_weight(), abs_tol=1e-6
    )


def test_a_branch_is_not_its_head_office_nor_another_branch() -> None:
    """The pairs the first model joined wrongly in the debarment lists: a group's branches, registered
    units of their own, were joined to the group and to each other by their shared name."""
    group = "Hebei Construction Group Corporation Limited"
    subjects = [
        Candidate(1, (f'{group} ("Hebei Construction")', "河北建设集团股份有限公司"), "CN"),
        Candidate(2, (f"{group.upper()} BEIJING NO 6 BRANCH", "河北建设集团股份有限公司北京六分公司"), "CN"),
        Candidate(3, (f"{group} Beijing No 6 Branch",), "CN"),
        Candidate(4, (f"{group} Beijing No 9 Branch",), "CN"),
        Candidate(5, (f"{group} Chengde Concrete Branch",), "CN"),
        Candidate(6, (f"{group} Dingxing Concrete Branch",), "CN"),
    ]
    found = {(p.left, p.right): p for p in MODEL.pairs(subjects, floor=0.001)}
    branch = {(p.left, p.right): {c.name: c.level for c in p.comparisons}["branch"] for p in found.values()}
    assert found[(2, 3)].probability >= 0.9  # one branch, listed twice
    for pair in [(1, 2), (1, 3), (1, 4), (1, 5)]:  # the group and a branch of it
        assert pair not in found or found[pair].probability < 0.01, (pair, found[pair])
        assert pair not in found or branch[pair] == "a branch and an organisation that is not one"
    for pair in [(3, 4), (2, 4)]:  # No 6 and No 9
        assert found[pair].probability < 0.5 and branch[pair] == "branches of different numbers"
    assert found[(5, 6)].probability < 0.9  # Chengde and Dingxing


def test_two_sites_sharing_a_telephone_are_two() -> None:
    """A group's sites share a telephone and a name's start but not a street number: the shared
    telephone counts for little there, and the different numbers against."""
    subjects = [
        Candidate(1, ("Christopher House Logan Square",), "US", "2610 N Francisco Avenue", phone="2354073"),
        Candidate(2, ("Christopher House - Logan Square",), "US", "3255 W Altgeld St", phone="2354073"),
        Candidate(3, ("Christopher House Logan Square",), "US", "2610 North Francisco Ave. 1st Floor"),
    ]
    found = {(p.left, p.right): p for p in MODEL.pairs(subjects, floor=0.01)}
    assert found[(1, 3)].probability >= 0.999  # the same site, its address written another way
    assert {c.name: c.level for c in found[(1, 3)].comparisons}["city"] == "same street number and street"
    assert (1, 2) not in found or found[(1, 2)].probability < found[(1, 3)].probability
    levels = {c.name: c.level for c in found[(1, 2)].comparisons} if (1, 2) in found else {}
    assert not levels or (levels["phone"], levels["city"]) == (
        "same telephone, different sites",
        "different street numbers",
    )


def test_the_name_forms_examples_hold() -> None:
    import doctest

    from credence.subjects import names

    result = doctest.testmod(names)
    assert result.attempted > 0 and result.failed == 0


def _prior_weight() -> float:
    prior = MODEL.settings["probability_two_random_records_match"]
    return math.log2(prior / (1 - prior))


def test_no_subjects_or_one_give_no_pairs() -> None:
    one = [Candidate(1, ("Acme Ltd",), "GB")]
    assert MODEL.pairs([], 0.5) == [] == MODEL.pairs(one, 0.5)
    assert MODEL.match([], one, 0.5) == []
    assert MODEL.match(one, [], 0.5) == []


def test_same_input_same_output() -> None:
    subjects = [
        Candidate(i, (name,), country)
        for i, (name, country) in enumerate(
            [("Acme Ltd", "GB"), ("ACME LIMITED", "gb"), ("Acme Limited", "UK"), ("Acme GmbH", "DE")] * 3,
            start=1,
        )
    ]
    first = MODEL.pairs(subjects, 0.01)
    assert first == MODEL.pairs(subjects, 0.01)
    assert first == MODEL.pairs(list(reversed(subjects)), 0.01)
    assert first == sorted(first, key=lambda p: (p.left, p.right))
    assert first


NAMES = [
    "ACME Construction Co., Ltd.",
    "Acme Construction Company Limited",
    "ACME CONSTRUCTION LTD (北京某某建设有限公司)",
    "北京某某建设有限公司",
    "Acme Constructoin Ltd",
    "Kilimanjaro Roads Limited",
    "Kilimanjaro Road Ltd",
    "Balkan Builders L.L.C.",
    "Balkan Builders LLC",
    "Mekong Trading Co Ltd",
    "Mekong Trading and Investment Company Limited Vietnam Branch Office Number One Hanoi",
    "Mekong Trading and Investment Company Limited Vietnam Branch Office Number One Ha",
]
candidates = st.builds(
    lambda names, country, city, phone, code: (names, country, city, phone, code),
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=2),
    st.sampled_from(["CN", "cn", "GB", "UK", "KE", "XK", None]),
    st.sampled_from([None, "Beijing", "221 E. 51st Street", "221 East 51st St.", "Nairobi"]),
    st.sampled_from([None, "773 285 9902", "2859902", "555 0101"]),
    st.sampled_from([None, None, None, "60615", "60616"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(candidates, min_size=1, max_size=14), st.integers(min_value=0, max_value=14))
def test_incremental_is_whole(
    rows: list[tuple[list[str], str | None, str | None, str | None, str | None]], cut: int
) -> None:
    subjects = [
        Candidate(i, tuple(names), country, city, phone=phone, postcode=code)
        for i, (names, country, city, phone, code) in enumerate(rows, start=1)
    ]
    existing, new = subjects[: min(cut, len(subjects))], subjects[min(cut, len(subjects)) :]
    floor = 0.2
    new_ids = {s.id for s in new}
    whole = [p for p in MODEL.pairs(subjects, floor) if p.left in new_ids or p.right in new_ids]
    incremental = MODEL.match(new, existing, floor)
    assert _keys(whole) == _keys(incremental)
    by_key = {(p.left, p.right): p for p in incremental}
    for pair in whole:
        other = by_key[(pair.left, pair.right)]
        assert math.isclose(pair.weight, other.weight, abs_tol=1e-6)
        assert [c.level for c in pair.comparisons] == [c.level for c in other.comparisons]


def test_a_calibrated_model_is_saved_and_loaded_as_it_is(tmp_path: Path) -> None:
    subjects = [
        Candidate(i, (f"{word} Construction Ltd",), "KE", f"{i} Main Street", phone=f"0722{i:06d}")
        for i, word in enumerate(["Acacia", "Baobab", "Condor", "Dune", "Ember", "Fjord"] * 4, start=1)
    ]
    calibrated = MODEL.calibrated(subjects, seed=1, max_pairs=1e4)
    assert calibrated.settings["comparisons"] != MODEL.settings["comparisons"]
    calibrated.save(tmp_path / "model.json")
    again = Model.load(tmp_path / "model.json")
    assert again.pairs(subjects, 0.0) == calibrated.pairs(subjects, 0.0)
    assert MODEL.calibrated(subjects, seed=1, max_pairs=1e4).settings == calibrated.settings


def test_the_prior_is_estimated_without_labels() -> None:
    """`estimated_prior` finds the share of pairs that are one organisation from the data alone: on
    generated records whose truth is known it lands within a fifth of the truth."""
    import sys

    benchmarks = str(Path(__file__).resolve().parents[2] / "benchmarks")
    sys.path.insert(0, benchmarks)
    try:
        from linkage_data import records
    finally:
        sys.path.remove(benchmarks)
    made = list(records(3000, seed=99))
    sizes: dict[int, int] = {}
    for _, truth in made:
        sizes[truth] = sizes.get(truth, 0) + 1
    n = len(made)
    true_prior = sum(k * (k - 1) / 2 for k in sizes.values()) / (n * (n - 1) / 2)
    estimate = MODEL.estimated_prior([c for c, _ in made])
    assert abs(estimate - true_prior) <= 0.2 * true_prior, (estimate, true_prior)
    # calibrated, u and the prior estimated together from the same records: the prior stays as near,
    # and each u is the sampled share with the pairs of one organisation taken out
    calibrated = MODEL.calibrated([c for c, _ in made], max_pairs=3e5)
    sampled = MODEL.calibrated([c for c, _ in made], max_pairs=3e5, rounds=0)  # the shares as sampled
    prior = calibrated.settings["probability_two_random_records_match"]
    assert abs(prior - true_prior) <= 0.2 * true_prior, (prior, true_prior)

    def exact_name(model: Model) -> dict:  # type: ignore[type-arg]
        (level,) = [
            level
            for comparison in model.settings["comparisons"]
            if comparison["output_column_name"] == "name"
            for level in comparison["comparison_levels"]
            if level.get("label_for_charts") == "same Latin name"
        ]
        return level

    share, m = exact_name(sampled)["u_probability"], exact_name(sampled)["m_probability"]
    assert math.isclose(exact_name(calibrated)["u_probability"], max((share - prior * m) / (1 - prior), 1e-6))
    assert exact_name(calibrated)["u_probability"] < share
    assert MODEL.estimated_prior(made[0][:1]) == MODEL.settings["probability_two_random_records_match"]
