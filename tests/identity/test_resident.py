"""Resident identity numbers (GB 11643-1999) are recognised by their own structure (DOMAIN §8).

Province, date of birth and check character decide; the county code does not, because a number keeps
the area code in force when it was issued, not the one of the birth year (python-stdnum's `cn.ric`
checks the latter and so misses many real numbers).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from stdnum.cn import ric

from credence.identity import SubjectError, resolve_subject
from credence.identity.resident import find_resident_ids, fold, is_resident_id, looks_like_resident_id

# As printed in DOMAIN.md §8, so the module is checked against the text, not against itself.
DOC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
DOC_CHECKS = "10X98765432"
PROVINCES = (
    *("11", "12", "13", "14", "15", "21", "22", "23"),
    *("31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46"),
    *("50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"),
)
TODAY = date(2026, 1, 1)


def reference_check(first17: str) -> str:
    return DOC_CHECKS[sum(int(c) * w for c, w in zip(first17, DOC_WEIGHTS, strict=True)) % 11]


def with_check(first17: str) -> str:
    return first17 + reference_check(first17)


# --- is_resident_id ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "11010519491231002X",  # DOMAIN's example
        "11010519491231002x",  # lower-case x
        "220102196608044172",  # county code 220102 dates from 1983; born 1966
        "310115195503120094",  # Pudong New Area (310115) dates from 1993; born 1955
        " 11010519491231002X\n",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as Chinese input methods type it
        "110001194912310029",  # no such county at all: the county code is not looked up
    ],
)
def test_real_structures_are_resident_ids(text: str) -> None:
    assert is_resident_id(text, TODAY)
    assert is_resident_id(text)  # today defaults to the current UTC date
    assert looks_like_resident_id(text)


def test_stdnum_misses_numbers_whose_county_is_younger_than_their_holder() -> None:
    # Why Credence does not use stdnum.cn.ric: it refuses these well-formed, issued numbers.
    for text in ("220102196608044172", "310115195503120094"):
        try:
            assert not ric.is_valid(text)
        except KeyError:  # python-stdnum 2.2 raises for an unknown county instead of answering
            pass
        assert is_resident_id(text, TODAY)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("11010519491231002", "17 characters"),
        ("11010519491231002X1", "19 characters"),
        ("11010519491231002Y", "check character not a digit or X"),
        ("1101051949123100X2", "X before the last place"),
        ("11010519491231002Z", "letter"),
        ("110105194912310021", "wrong check character"),
        ("10010519491231002?", "province 10 is no province"),
        ("00010519491231002?", "province 00"),
        ("16010519491231002?", "province 16"),
        ("99010519491231002?", "province 99"),
        ("11010519490230002?", "30 February"),
        ("11010519491301002?", "month 13"),
        ("11010519490001002?", "month 00"),
        ("11010518791231002?", "born before 1880"),
        ("11010520300101002?", "born after today"),
        ("11010519491231 02X", "a space"),
        ("11010519491231٠02X", "an Arabic-Indic digit"),
    ],
)
def test_broken_structures_are_not_resident_ids(text: str, why: str) -> None:
    if text.endswith("?"):  # the right check character, so that only the named fault is left
        text = with_check(text[:17])
    assert not is_resident_id(text, TODAY), why


def test_the_date_is_checked_against_today() -> None:
    born = with_check("11010520251231001")
    assert is_resident_id(born, date(2025, 12, 31))
    assert not is_resident_id(born, date(2025, 12, 30))
    assert is_resident_id(with_check("11010518800101001"), TODAY)  # the earliest accepted birth date
    tomorrow = datetime.now(UTC).date().toordinal() + 1
    assert not is_resident_id(with_check("110105" + date.fromordinal(tomorrow).strftime("%Y%m%d") + "001"))


def test_leap_days() -> None:
    assert is_resident_id(with_check("11010520000229001"), TODAY)  # 2000 is a leap year
    assert not is_resident_id(with_check("11010519000229001"), TODAY)  # 1900 is not


def test_fifteen_digit_numbers() -> None:
    assert is_resident_id("110105491231002", TODAY)  # 6 area, YYMMDD (1949-12-31), 3 sequence
    assert is_resident_id("220102660804417", TODAY)
    assert is_resident_id("１１０１０５４９１２３１００２", TODAY)
    assert not is_resident_id("110105490230002", TODAY)  # 30 February 1949
    assert not is_resident_id("100105491231002", TODAY)  # province 10
    assert not is_resident_id("11010549123100X", TODAY)  # no check character in the old form
    assert not is_resident_id("1101054912310021", TODAY)  # 16 digits


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        is_resident_id(11010519491231002)  # type: ignore[arg-type]


# --- looks_like_resident_id -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "110105194912310021",  # wrong check character
        "31011519550312009J",  # check character "corrected" as the old USCC message suggested
        "31011519550312009j",
        "110105194902300021",  # 30 February: a plausible day and month, not a real date
        "110105209912310021",  # born in 2099
        "110105490230002",  # the 15-digit form with an impossible date
    ],
)
def test_mistyped_numbers_look_like_resident_ids(text: str) -> None:
    assert not is_resident_id(text, TODAY)
    assert looks_like_resident_id(text)


@pytest.mark.parametrize(
    "text",
    [
        "91110000600037341L",  # a USCC
        "914403001922038216",  # an all-digit USCC
        "100105194912310021",  # province 10
        "110105187912310021",  # 1879
        "110105210012310021",  # 2100
        "110105194913310021",  # month 13
        "110105194912320021",  # day 32
        "110105194912000021",  # day 00
        "11010519491231002",  # 17 characters
        "1101051949123100A2",  # a letter before the last place
        "11010519491231002-",  # not a letter or digit at the end
        "100105491231002",  # 15 digits, province 10
        "110105491331002",  # 15 digits, month 13
        "",
    ],
)
def test_other_texts_do_not_look_like_resident_ids(text: str) -> None:
    assert not looks_like_resident_id(text)
    assert not is_resident_id(text, TODAY)


# --- fold ---------------------------------------------------------------------------------------------------


def test_fold_normalises_full_width_and_strips() -> None:
    assert fold("\u3000９１１１００００６０００３７３４１Ｌ ") == "91110000600037341L"
    assert fold("ｘ") == "x"  # case is left alone: each check decides what case means
    assert fold("北京") == "北京"


# --- find_resident_ids --------------------------------------------------------------------------------------


def spans(text: str) -> list[str]:
    return [text[start:end] for start, end in find_resident_ids(text, TODAY)]


def test_find_in_free_text() -> None:
    text = "当事人张三（身份证号11010519491231002X）经营无证摊位；另有李四，身份证220102196608044172。"
    assert spans(text) == ["11010519491231002X", "220102196608044172"]


def test_find_mistyped_and_old_numbers() -> None:
    text = (
        "ID 110105194912310021, old card 110105491231002, lower 11010519491231002x, fixed 31011519550312009J."
    )
    assert spans(text) == [
        "110105194912310021",
        "110105491231002",
        "11010519491231002x",
        "31011519550312009J",
    ]


def test_find_reports_spans_in_the_text_as_given() -> None:
    text = "号码：１１０１０５１９４９１２３１００２Ｘ。"
    assert find_resident_ids(text, TODAY) == [(3, 21)]
    assert spans(text) == ["１１０１０５１９４９１２３１００２Ｘ"]
    assert find_resident_ids(text) == [(3, 21)]  # today defaults to the current UTC date


@pytest.mark.parametrize(
    "text",
    [
        "Beijing Example Trading Co. Ltd., USCC 91110000600037341L",
        "914403001922038216",  # an all-digit USCC: province 91 does not exist
        "order 1110105194912310021 is a 19-digit number",
        "A11010519491231002X",  # part of a longer run of letters and digits
        "11010519491231002XY",
        "110105194912310021a",
        "1101051949123100",  # 16 digits
        "amount 100000000000000 CNY",  # 15 digits, province 10
        "",
    ],
)
def test_find_ignores_other_numbers(text: str) -> None:
    assert find_resident_ids(text, TODAY) == []


# --- a sweep: every province, counties old and new, births 1900-2025 ---------------------------------------

# Real city and county parts (positions 3-6) beside made-up ones: all must be treated alike.
REAL_LOOKING = ("0101", "0102", "0105", "0115", "0119", "0228", "0302", "0681", "1302", "2701", "9001")


def sweep() -> list[str]:
    """More than 20,000 well-formed numbers, with their check characters, made the same way every run."""
    import random

    rng = random.Random(20261206)
    numbers = []
    for province in PROVINCES:
        for year in range(1900, 2026):
            for k in range(5):
                if k == 0:
                    area = rng.choice(REAL_LOOKING)
                else:
                    area = f"{rng.randint(1, 99):02d}{rng.randint(1, 99):02d}"
                if k == 1 and year % 4 == 0 and year != 1900:
                    born = date(year, 2, 29)
                else:
                    born = date.fromordinal(date(year, 1, 1).toordinal() + rng.randrange(365))
                first17 = province + area + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
                numbers.append(with_check(first17))
    return numbers


SWEEP = sweep()


def test_the_sweep_covers_what_it_says() -> None:
    assert len(SWEEP) >= 20_000
    assert {n[:2] for n in SWEEP} == set(PROVINCES)
    assert {int(n[6:10]) for n in SWEEP} == set(range(1900, 2026))
    assert len({n[4:6] for n in SWEEP}) == 99
    assert any(n[10:14] == "0229" for n in SWEEP)
    assert any(n.endswith("X") for n in SWEEP)


def test_every_well_formed_number_is_a_resident_id() -> None:
    missed = [n for n in SWEEP if not is_resident_id(n, TODAY)]
    assert missed == []


def test_every_wrong_check_character_still_looks_like_a_resident_id() -> None:
    missed = []
    for number in SWEEP:
        for check in DOC_CHECKS:
            if check != number[17]:
                wrong = number[:17] + check
                if is_resident_id(wrong, TODAY) or not looks_like_resident_id(wrong):
                    missed.append(wrong)
    assert missed == []


def test_every_fifteen_digit_form_is_a_resident_id() -> None:
    old = [n[:6] + n[8:17] for n in SWEEP if n[6:8] == "19"]
    assert len(old) > 10_000
    assert [n for n in old if not is_resident_id(n, TODAY)] == []


# --- the sweep through resolve_subject: every one refused as a person, none accepted, none echoed ---------

PERSON = (
    "natural persons are not subjects of this registry: this is a Chinese resident identity card number, and "
    "only organisations can be recorded"
)
LOOKS_LIKE = "this looks like a resident identity number; natural persons are not recorded"
ISSUE_CASES = ("220102196608044172", "310115195503120094", "11010519491231002X")
LETTERS = "ABCDEFGHJKLMNPQRTUWY"  # check characters a USCC could have and a resident ID cannot


def outcome(text: str) -> tuple[str, str]:
    """What resolve_subject answers: (reason, message) of its refusal, ("echoed", message) when the
    message repeats the number, ("accepted", key) when it takes the text for an organisation."""
    try:
        subject = resolve_subject(text, today=TODAY)
    except SubjectError as error:
        if text[:12] in error.message or text[-6:] in error.message:
            return ("echoed", error.message)
        return (error.reason, error.message)
    return ("accepted", subject.key)


def test_issue_cases_are_resident_ids() -> None:
    assert [n for n in ISSUE_CASES if not is_resident_id(n, TODAY)] == []
    assert outcome("31011519550312009J") == ("natural_person", LOOKS_LIKE)


def test_resolve_subject_refuses_every_well_formed_number_as_a_person() -> None:
    texts = [text for number in (*SWEEP, *ISSUE_CASES) for text in (number, number.lower())]
    wrong = {text: found for text in texts if (found := outcome(text)) != ("natural_person", PERSON)}
    assert wrong == {}


def test_resolve_subject_refuses_every_wrong_check_character_as_looking_like_a_person() -> None:
    texts = []
    for i, number in enumerate((*SWEEP, *ISSUE_CASES)):
        texts += [number[:17] + c for c in DOC_CHECKS if c != number[17]]
        texts.append(number[:17] + LETTERS[i % len(LETTERS)])
    assert len(texts) > 11 * 20_000
    wrong = {text: found for text in texts if (found := outcome(text)) != ("natural_person", LOOKS_LIKE)}
    assert wrong == {}


def test_resolve_subject_refuses_every_fifteen_digit_form_as_a_person() -> None:
    old = [n[:6] + n[8:17] for n in SWEEP if n[6:8] == "19"]
    wrong = {text: found for text in old if (found := outcome(text)) != ("natural_person", PERSON)}
    assert wrong == {}
