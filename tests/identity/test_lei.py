"""LEI parsing: real codes, each error message, and agreement with stdnum.lei on random input."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import lei as stdnum_lei
from stdnum.iso7064 import mod_97_10

from credence.identity import IdentifierError, Lei, is_valid_lei, lei_check_digits, parse_lei

LEI_CHARS = string.digits + string.ascii_uppercase


def expect_error(text: str, reason: str, message: str, position: int | None) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_lei(text)
    assert (caught.value.reason, caught.value.message, caught.value.position) == (reason, message, position)
    assert not is_valid_lei(text)


@pytest.mark.parametrize(
    "code",
    ["5493001KJTIIGC8Y1R12", "213800D1EI4B9WTWWD28", "529900T8BM49AURSDO55", "213800KUD8LAJWSQ9D15"],
)
def test_real_leis(code: str) -> None:
    assert parse_lei(code) == Lei(code)
    assert parse_lei(f"  {code.lower()} ").code == code
    assert stdnum_lei.is_valid(code)
    assert lei_check_digits(code[:18]) == code[18:]


def test_lou_prefix() -> None:
    assert parse_lei("529900T8BM49AURSDO55").lou == "5299"


@pytest.mark.parametrize("text", ["", "5493001KJTIIGC8Y1R1", "5493001KJTIIGC8Y1R120", "91110000600037341L"])
def test_wrong_length(text: str) -> None:
    expect_error(text, "length", f"LEI must be 20 characters, got {len(text)}", None)


@pytest.mark.parametrize(("position", "char"), [(1, "-"), (7, " "), (20, "é"), (12, "_")])
def test_forbidden_character(position: int, char: str) -> None:
    code = "5493001KJTIIGC8Y1R12"
    text = code[: position - 1] + char + code[position:]
    expect_error(
        text,
        "forbidden_character",
        f"character {char!r} at position {position} is not allowed in an LEI (only 0-9 and A-Z)",
        position,
    )


@pytest.mark.parametrize(
    ("text", "actual", "expected"),
    [
        ("5493001KJTIIGC8Y1R21", "21", "12"),
        ("213800D1EI4B9WTWWD82", "82", "28"),
        ("529900T8BM49AURSDOAB", "AB", "55"),
    ],
)
def test_bad_check_digits(text: str, actual: str, expected: str) -> None:
    expect_error(text, "check_digits", f"check digits are {actual}, expected {expected}", 19)


@pytest.mark.parametrize(
    ("first18", "issued", "also_passes_checksum"),
    [
        ("54931P92ASWRYEXSEX", "98", "01"),
        ("5493LV7D5200UKOICP", "97", "00"),
        ("5493K5J2O3GK8GO7J6", "02", "99"),
    ],
)
def test_only_the_computed_check_digits_are_accepted(
    first18: str, issued: str, also_passes_checksum: str
) -> None:
    # ISO 7064 MOD 97-10 check digits run from 02 to 98; stdnum only tests "number mod 97 == 1", which
    # 00, 01 and 99 can also satisfy. We accept exactly the pair an issuer computes.
    assert lei_check_digits(first18) == issued
    assert is_valid_lei(first18 + issued)
    assert stdnum_lei.is_valid(first18 + also_passes_checksum)
    assert not is_valid_lei(first18 + also_passes_checksum)


def test_stdnum_lei_does_not_check_the_length() -> None:
    # Why parse_lei checks the length itself instead of delegating to stdnum.lei.validate.
    assert stdnum_lei.is_valid("01")
    expect_error("01", "length", "LEI must be 20 characters, got 2", None)


def agrees_with_stdnum(text: str) -> bool:
    """Our rule expressed through stdnum: its checksum, plus length, alphabet and issued check digits."""
    code = text.strip().upper()
    return (
        len(code) == 20
        and all(c in LEI_CHARS for c in code)
        and stdnum_lei.is_valid(code)
        and code[18:].isdigit()
        and 2 <= int(code[18:]) <= 98
    )


@given(
    st.text(alphabet=LEI_CHARS, min_size=18, max_size=18), st.text(alphabet=LEI_CHARS, min_size=2, max_size=2)
)
def test_random_codes_agree_with_stdnum(first18: str, tail: str) -> None:
    for text in (first18 + tail, first18 + mod_97_10.calc_check_digits(first18)):
        assert is_valid_lei(text) == agrees_with_stdnum(text)


@given(st.text(alphabet=string.digits, min_size=20, max_size=20))
def test_random_digit_strings_agree_with_stdnum(text: str) -> None:
    assert is_valid_lei(text) == agrees_with_stdnum(text)


@given(st.text(max_size=24))
def test_arbitrary_text_valid_here_is_valid_in_stdnum(text: str) -> None:
    if is_valid_lei(text):
        assert stdnum_lei.is_valid(text)
