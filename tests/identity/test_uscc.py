"""USCC parsing: known codes, the shared real-data file, the stdnum cross-check, and every error message."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from credence.identity import (
    ALPHABET,
    PROVINCES,
    IdentifierError,
    OrgKind,
    SubjectError,
    Uscc,
    build_uscc,
    is_valid_uscc,
    org_code_check_character,
    parse_uscc,
    resolve_subject,
    uscc_check_character,
)

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uscc" / "valid_uscc.txt"

# Weights as printed in DOMAIN.md §2, so the implementation is checked against the text, not itself.
DOC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def reference_check(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, DOC_WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def with_char(code: str, position: int, char: str) -> str:
    """Replace the character at a 1-based position."""
    return code[: position - 1] + char + code[position:]


def build_first17_with_checks(prefix: str, division: str, body: str) -> str:
    """A code with both check characters right, whatever its prefix and division say."""
    first17 = prefix + division + body + org_code_check_character(body)
    return first17 + reference_check(first17)


def expect_error(text: str, reason: str, message: str, position: int | None) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_uscc(text)
    assert caught.value.reason == reason
    assert caught.value.message == message
    assert str(caught.value) == message
    assert caught.value.position == position
    assert not is_valid_uscc(text)


@pytest.fixture(scope="module")
def real_codes() -> list[str]:
    if not REAL_DATA.is_file():
        pytest.skip("../shared/data/uscc/valid_uscc.txt not found: real-data test skipped")
    codes = [line.strip() for line in REAL_DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert codes, f"{REAL_DATA} is empty"
    return codes


# --- valid codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "division", "province"),
    [
        ("91110000600037341L", OrgKind.ENTERPRISE, "110000", "Beijing"),
        ("914403001922038216", OrgKind.ENTERPRISE, "440300", "Guangdong"),
        ("91330100799655058B", OrgKind.ENTERPRISE, "330100", "Zhejiang"),
    ],
)
def test_domain_examples_validate(code: str, kind: OrgKind, division: str, province: str) -> None:
    parsed = parse_uscc(code)
    assert parsed == Uscc(
        code=code,
        authority=code[0],
        category=code[1],
        division=division,
        organisation_code=code[8:17],
        kind=kind,
    )
    assert parsed.province == province
    assert parsed.prefix == "91"
    assert parsed.kind_info.label_en == "enterprise"
    assert str(parsed) == code
    assert is_valid_uscc(code)
    assert stdnum_uscc.is_valid(code)


@pytest.mark.realdata
def test_every_real_code_validates(real_codes: list[str]) -> None:
    failures = {}
    for code in real_codes:
        try:
            parse_uscc(code)
        except IdentifierError as error:
            failures[code] = error.message
    assert failures == {}


@pytest.mark.realdata
def test_no_real_code_is_refused_by_resolve_subject(real_codes: list[str]) -> None:
    # The province rule (positions 3-4) and the resident-ID refusal must not cost a real organisation.
    failures = {}
    for code in real_codes:
        try:
            assert resolve_subject(code).code == code
        except SubjectError as error:
            failures[code] = f"{error.reason}: {error.message}"
    assert failures == {}


@pytest.mark.realdata
def test_real_codes_have_a_province_at_positions_3_and_4(real_codes: list[str]) -> None:
    # "00" is not among them: a USCC's division is a real GB/T 2260 code, or 10 for the central level.
    assert {code[2:4] for code in real_codes} <= set(PROVINCES) - {"00"}


@pytest.mark.realdata
def test_real_codes_with_digit_prefix_also_validate_in_stdnum(real_codes: list[str]) -> None:
    digit_prefixed = [code for code in real_codes if code[:2].isdigit()]
    assert digit_prefixed
    assert [code for code in digit_prefixed if not stdnum_uscc.is_valid(code)] == []


def test_normalisation_strips_whitespace_and_upper_cases_only() -> None:
    assert parse_uscc(" \t91330100799655058b\n").code == "91330100799655058B"
    assert parse_uscc("\u300091330100799655058B\u3000").code == "91330100799655058B"  # ideographic space
    # Inner separators are not "normalised away": a code is copied, not retyped.
    expect_error("9133 0100799655058B", "length", "USCC must be 18 characters, got 19", None)
    expect_error(
        "91330100-99655058B",
        "forbidden_character",
        "character '-' at position 9 is not allowed in a USCC (allowed: 0-9 and A-Z without I, O, S, V, Z)",
        9,
    )


@pytest.mark.parametrize("prefix", ["A1", "A9", "N1", "N2", "N3", "N9", "Y1"])
def test_letter_authorities_validate_here_but_not_in_stdnum(prefix: str) -> None:
    first17 = prefix + "110000" + "60003734" + "1"  # body with a correct organisation-code check
    code = first17 + reference_check(first17)
    assert build_uscc(prefix, "110000", "60003734") == code
    assert parse_uscc(code).prefix == prefix
    # Known stdnum 2.2 limitation (DOMAIN §2): it requires positions 1-8 to be digits. Its check character
    # agrees with ours, so the format rule is the only difference.
    assert stdnum_uscc.is_valid(code) is False
    assert stdnum_uscc.calc_check_digit(first17) == code[17]


def test_weights_match_the_standard() -> None:
    first17 = "91110000600037341"
    assert uscc_check_character(first17) == reference_check(first17) == "L"


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("60003734", "1"),  # 91110000600037341L
        ("19220382", "1"),  # 914403001922038216
        ("79965505", "8"),  # 91330100799655058B
    ],
)
def test_org_code_check_character(body: str, check: str) -> None:
    assert org_code_check_character(body) == check


def test_org_code_check_maps_10_to_x_and_11_to_0() -> None:
    # Find digit-only bodies whose weighted sum is 1 (r = 10) and 0 (r = 11) modulo 11.
    by_remainder: dict[int, str] = {}
    for n in range(2000):
        body = f"{n:08d}"
        total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        by_remainder.setdefault(total % 11, body)
    assert org_code_check_character(by_remainder[1]) == "X"
    assert org_code_check_character(by_remainder[0]) == "0"
    # Letters count as A=10 ... Z=35 with the skipped letters included (so Y is 34, not an alphabet index).
    assert org_code_check_character("Y0000000") == "8"  # 11 - (34 * 3) mod 11


def test_check_character_helper_errors() -> None:
    with pytest.raises(IdentifierError) as caught:
        uscc_check_character("9111000060003734")
    assert caught.value.reason == "length"
    with pytest.raises(IdentifierError) as caught:
        uscc_check_character("9111000060003734O")
    assert (caught.value.reason, caught.value.position) == ("forbidden_character", 17)


def test_build_uscc_refuses_unknown_prefix() -> None:
    with pytest.raises(IdentifierError) as caught:
        build_uscc("94", "110000", "60003734")
    assert caught.value.reason == "unknown_kind"


# --- errors, in the order they are checked ---------------------------------------------------------------

VALID = "91110000600037341L"


@pytest.mark.parametrize("text", ["", "9", VALID[:-1], VALID + "0", VALID * 2])
def test_wrong_length(text: str) -> None:
    expect_error(text, "length", f"USCC must be 18 characters, got {len(text)}", None)


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
@pytest.mark.parametrize("position", [1, 5, 12, 17, 18])
def test_forbidden_letters(letter: str, position: int) -> None:
    expect_error(
        with_char(VALID, position, letter),
        "forbidden_character",
        f"character '{letter}' at position {position} is not allowed in a USCC "
        "(allowed: 0-9 and A-Z without I, O, S, V, Z)",
        position,
    )


def test_forbidden_lowercase_letter_is_reported_upper_cased() -> None:
    expect_error(
        with_char(VALID, 5, "o"),
        "forbidden_character",
        "character 'O' at position 5 is not allowed in a USCC (allowed: 0-9 and A-Z without I, O, S, V, Z)",
        5,
    )


def test_non_ascii_character_is_reported_as_typed() -> None:
    # str.upper() would turn 'ß' into 'SS' and shift every position after it.
    expect_error(
        with_char(VALID, 10, "ß"),
        "forbidden_character",
        "character 'ß' at position 10 is not allowed in a USCC (allowed: 0-9 and A-Z without I, O, S, V, Z)",
        10,
    )
    expect_error(
        with_char(VALID, 4, "\uff11"),  # full-width digit one
        "forbidden_character",
        "character '１' at position 4 is not allowed in a USCC (allowed: 0-9 and A-Z without I, O, S, V, Z)",
        4,
    )


def test_first_forbidden_character_wins_over_a_later_problem() -> None:
    text = with_char(with_char(VALID, 4, "A"), 15, "Z")  # letter in division, forbidden letter later
    with pytest.raises(IdentifierError) as caught:
        parse_uscc(text)
    assert (caught.value.reason, caught.value.position) == ("forbidden_character", 15)


@pytest.mark.parametrize(("position", "letter"), [(3, "A"), (6, "A"), (8, "X")])
def test_letter_in_division(position: int, letter: str) -> None:
    expect_error(
        with_char(VALID, position, letter),
        "not_a_digit",
        f"character '{letter}' at position {position} is not a digit: positions 3-8 are the administrative "
        "division code (GB/T 2260) and must be six digits",
        position,
    )


@pytest.mark.parametrize(
    ("prefix", "why"),
    [
        ("94", "authority '9' (market regulation) has no entity category '4'"),
        ("10", "authority '1' (establishment offices) has no entity category '0'"),
        ("73", "authority '7' (religious affairs) has no entity category '3'"),
        ("A2", "authority 'A' (military reform and establishment office) has no entity category '2'"),
        ("B1", "'B' is not a registration authority"),
        ("01", "'0' is not a registration authority"),
    ],
)
def test_unknown_kind(prefix: str, why: str) -> None:
    expect_error(
        prefix + VALID[2:],
        "unknown_kind",
        f"'{prefix}' (positions 1-2) is not a known registration authority and entity category: {why}",
        1,
    )


PROVINCE_LIST = "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82, or 10 for the central level"


@pytest.mark.parametrize("division", ["000000", "010000", "160000", "200000", "470000", "990000", "011519"])
def test_unknown_province(division: str) -> None:
    code = build_first17_with_checks("91", division, "60003734")
    expect_error(
        code,
        "unknown_province",
        f"'{division[:2]}' (positions 3-4) is not a province-level division of GB/T 2260 ({PROVINCE_LIST})",
        3,
    )


def test_provinces_are_those_of_gb_t_2260_and_the_central_level() -> None:
    assert sorted(PROVINCES) == sorted(
        ["10", *"11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46".split()]
        + "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
    )
    for province in PROVINCES:
        assert parse_uscc(build_uscc("91", province + "0000", "60003734")).province == PROVINCES[province]
    assert parse_uscc(build_uscc("51", "100000", "50000053")).province == "Central"  # a national association


def test_prefix_is_checked_before_province() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_uscc("94" + "000000" + VALID[8:])
    assert caught.value.reason == "unknown_kind"


def test_build_uscc_refuses_unknown_province() -> None:
    with pytest.raises(IdentifierError) as caught:
        build_uscc("91", "000000", "60003734")
    assert caught.value.reason == "unknown_province"


def test_bad_org_code_check() -> None:
    expect_error(
        "91110000600037342L",
        "org_code_check",
        "organisation-code check character (position 17) is 2, expected 1",
        17,
    )
    # The org-code check comes before the final check, even when the final check would pass.
    first17 = "9111000060003734X"
    expect_error(
        first17 + reference_check(first17),
        "org_code_check",
        "organisation-code check character (position 17) is X, expected 1",
        17,
    )


@pytest.mark.parametrize(
    ("text", "actual", "expected"),
    [
        ("91110000600037341M", "M", "L"),
        ("914403001922038217", "7", "6"),
        ("913301007996550580", "0", "B"),
    ],
)
def test_bad_check_character(text: str, actual: str, expected: str) -> None:
    expect_error(text, "check_character", f"check character is {actual}, expected {expected}", 18)


# --- the error classes -----------------------------------------------------------------------------------


def test_identifier_error_is_a_subject_error_and_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_uscc("x")
    with pytest.raises(SubjectError):
        parse_uscc("x")


def test_identifier_error_pickles() -> None:
    error = IdentifierError("check_character", "check character is M, expected L", 18)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.message, copy.position) == ("check_character", error.message, 18)


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_uscc(91110000600037341)  # type: ignore[arg-type]
