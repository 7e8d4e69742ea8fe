"""Who may be a subject: organisations by USCC or LEI; persons, religious bodies and unions are refused."""

from __future__ import annotations

import pickle
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from credence.identity import (
    IdentifierError,
    OrgKind,
    SubjectError,
    SubjectId,
    SubjectRefused,
    build_uscc,
    is_valid_uscc,
    refuse_kind,
    resolve_subject,
)

RESIDENT_ID = "11010519491231002X"


def refused(text: str) -> SubjectRefused:
    with pytest.raises(SubjectRefused) as caught:
        resolve_subject(text)
    assert isinstance(caught.value, SubjectError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.position is None
    return caught.value


def test_enterprise() -> None:
    subject = resolve_subject(" 91110000600037341l ")
    assert subject == SubjectId("uscc", "91110000600037341L", OrgKind.ENTERPRISE, never_public=False)
    assert subject.key == "uscc:91110000600037341L"
    assert str(subject) == subject.key


def test_lei_subject() -> None:
    subject = resolve_subject("5493001KJTIIGC8Y1R12")
    assert subject == SubjectId("lei", "5493001KJTIIGC8Y1R12", None, never_public=False)
    assert subject.key == "lei:5493001KJTIIGC8Y1R12"


def test_sole_proprietor_is_never_public() -> None:
    code = build_uscc("92", "440300", "MA5DXXX0")
    subject = resolve_subject(code)
    assert subject.kind is OrgKind.SOLE_PROPRIETOR
    assert subject.never_public is True


@pytest.mark.parametrize("prefix", ["11", "12", "13", "31", "51", "53", "91", "93", "A1", "N2", "Y1"])
def test_other_kinds_are_public_subjects(prefix: str) -> None:
    subject = resolve_subject(build_uscc(prefix, "110000", "60003734"))
    assert subject.never_public is False
    assert refuse_kind(subject.kind) is None


PERSON = (
    "natural persons are not subjects of this registry: this is a Chinese resident identity card number, and "
    "only organisations can be recorded"
)
LOOKS_LIKE = "this looks like a resident identity number; natural persons are not recorded"
CONTAINS = "this contains what looks like a resident identity number; natural persons are not recorded"


def refused_as_person(text: str, message: str = PERSON) -> None:
    error = refused(text)
    assert (error.reason, error.message) == ("natural_person", message)
    assert_not_echoed(text, error.message)


def assert_not_echoed(text: str, message: str) -> None:
    digits = "".join(c for c in text if c.isdigit())
    assert digits[:12] not in message and digits[-6:] not in message, message


def test_natural_person_is_refused() -> None:
    assert not is_valid_uscc(RESIDENT_ID)
    assert not stdnum_uscc.is_valid(RESIDENT_ID)
    refused_as_person(RESIDENT_ID)
    refused_as_person(f" {RESIDENT_ID.lower()} ")
    refused_as_person("１１０１０５１９４９１２３１００２Ｘ")  # full-width, from a Chinese input method


@pytest.mark.parametrize(
    "text",
    [
        "220102196608044172",  # was unknown_kind: county 220102 is younger than its holder
        "310115195503120094",  # was "check character is 4, expected J"
        "110001194912310029",  # no such county; was org_code_check
    ],
)
def test_resident_ids_with_any_county_are_refused(text: str) -> None:
    refused_as_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "31011519550312009J",  # was accepted as a legal_service organisation after "fixing" the check
        "310115195503120095",
        RESIDENT_ID[:-1] + "1",  # was org_code_check, an invitation to fix the number
        "110105194902300024",  # 30 February
    ],
)
def test_mistyped_resident_id_is_refused_as_a_person(text: str) -> None:
    refused_as_person(text, LOOKS_LIKE)
    error = refused(text)
    assert "check" not in error.message and "expected" not in error.message


@pytest.mark.parametrize("text", ["110105491231002", "220102660804417", "１１０１０５４９１２３１００２"])
def test_fifteen_digit_resident_ids_are_refused(text: str) -> None:
    refused_as_person(text)


def test_fifteen_digit_number_with_an_impossible_date_looks_like_a_person() -> None:
    refused_as_person("110105490230002", LOOKS_LIKE)


@pytest.mark.parametrize(
    "text",
    [
        "110105 19491231 002X",
        "1101-0519-4912-3100-2X",
        "110105\u300019491231\u3000002X",  # ideographic spaces
        "110105－19491231－002X",  # full-width hyphens
    ],
)
def test_resident_id_written_in_groups_is_refused(text: str) -> None:
    refused_as_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "ID 11010519491231002X",
        "张三（11010519491231002X）",
        "Zhang San, 110105 19491231 002X",
        "old 110105491231002",
    ],
)
def test_text_holding_a_resident_id_is_refused(text: str) -> None:
    refused_as_person(text, CONTAINS)


def test_a_code_valid_as_both_resident_id_and_uscc_is_refused_as_a_person() -> None:
    # Positions 3-4 of a resident ID are its prefecture, which can equal a province code (4113 Nanyang,
    # 5113 Nanchong, 1310 Langfang): about one such ID in 341 from a province whose code is also a USCC
    # prefix still passes every USCC check, the province rule included. The person wins.
    for both in ("411302198503011178", "511302198503010021", "131002198503014594"):
        assert is_valid_uscc(both)
        refused_as_person(both)


@pytest.mark.parametrize(
    ("text", "position", "what"),
    [
        ("91110000 600037341L", 9, "space"),
        ("9111-0000-6000-3734-1L", 5, "hyphen"),
        ("91110000\u3000600037341L", 9, "space"),
        ("91110000－600037341L", 9, "hyphen"),
        ("5493 001K JTII GC8Y 1R12", 5, "space"),
        ("9111\t0000600037341L", 5, "space"),
    ],
)
def test_inner_separators_are_named_with_their_position(text: str, position: int, what: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        resolve_subject(text)
    assert (caught.value.reason, caught.value.position) == ("inner_separator", position)
    assert caught.value.message == (
        f"there is a {what} at position {position}: write the code without spaces or hyphens"
    )


def test_full_width_codes_are_folded() -> None:
    assert resolve_subject("９１１１００００６０００３７３４１Ｌ").key == "uscc:91110000600037341L"
    assert resolve_subject("\u30005493001KJTIIGC8Y1R12\u3000").key == "lei:5493001KJTIIGC8Y1R12"


@pytest.mark.parametrize("prefix", ["71", "72", "79"])
def test_religious_bodies_are_refused(prefix: str) -> None:
    error = refused(build_uscc(prefix, "110000", "60003734"))
    assert error.reason == "religious_body"
    assert error.message == (
        "religious bodies (USCC prefixes 71, 72, 79) are out of scope by design: "
        "the registry keeps no records that touch on religion or belief"
    )


@pytest.mark.parametrize("prefix", ["81", "89"])
def test_trade_unions_are_refused(prefix: str) -> None:
    error = refused(build_uscc(prefix, "330100", "79965505"))
    assert error.reason == "trade_union"
    assert error.message == (
        "trade unions (USCC prefixes 81, 89) are out of scope by design: "
        "union activity must never become a credit record"
    )


def test_malformed_religious_code_is_an_identifier_error_first() -> None:
    code = build_uscc("71", "110000", "60003734")
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(IdentifierError) as caught:
        resolve_subject(bad)
    assert caught.value.reason == "check_character"


@pytest.mark.parametrize("text", ["", "1234", "91110000600037341", "5493001KJTIIGC8Y1R1", "9" * 19, "9" * 21])
def test_neither_uscc_nor_lei(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        resolve_subject(text)
    assert caught.value.reason == "length"
    assert caught.value.position is None
    noun = "character" if len(text) == 1 else "characters"
    expected = f"{len(text)} {noun} is neither an 18-character USCC nor a 20-character LEI"
    assert caught.value.message == expected


def test_errors_of_the_chosen_scheme_pass_through() -> None:
    with pytest.raises(IdentifierError) as caught:
        resolve_subject("5493001KJTIIGC8Y1R21")
    assert caught.value.reason == "check_digits"
    with pytest.raises(IdentifierError) as caught:
        resolve_subject("91110000600037341M")
    assert caught.value.reason == "check_character"


def test_refuse_kind() -> None:
    refusals = {kind: refuse_kind(kind) for kind in OrgKind}
    assert {kind for kind, r in refusals.items() if r is not None} == {
        OrgKind.RELIGIOUS_BODY,
        OrgKind.TRADE_UNION,
    }
    assert refuse_kind(None) is None
    first = refuse_kind(OrgKind.TRADE_UNION)
    second = refuse_kind(OrgKind.TRADE_UNION)
    assert first is not None and second is not None
    assert first is not second  # fresh instances: raising one must not share a traceback with another


def test_subject_refused_pickles() -> None:
    error = refuse_kind(OrgKind.RELIGIOUS_BODY)
    assert error is not None
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.reason, copy.message, copy.position) == (
        SubjectRefused,
        "religious_body",
        error.message,
        None,
    )


@given(st.text(alphabet=string.digits + "X", min_size=18, max_size=18))
def test_eighteen_digit_strings_only_raise_subject_errors(text: str) -> None:
    try:
        resolve_subject(text)
    except SubjectError:
        pass


@given(st.text(max_size=24))
def test_arbitrary_text_only_raises_subject_errors(text: str) -> None:
    try:
        subject = resolve_subject(text)
    except SubjectError:
        return
    assert subject.scheme in ("uscc", "lei")
