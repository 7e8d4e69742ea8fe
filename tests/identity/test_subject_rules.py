"""Who may be a subject: organisations by USCC or LEI; persons, religious bodies and unions are refused."""

from __future__ import annotations

import pickle
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric
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


def test_natural_person_is_refused() -> None:
    assert ric.is_valid(RESIDENT_ID)
    assert not is_valid_uscc(RESIDENT_ID)
    assert not stdnum_uscc.is_valid(RESIDENT_ID)
    error = refused(RESIDENT_ID)
    assert error.reason == "natural_person"
    assert error.message == (
        "natural persons are not subjects of this registry: this is a Chinese resident identity card "
        "number, and only organisations can be recorded"
    )
    assert RESIDENT_ID not in error.message  # the refusal must not repeat personal data
    assert refused(f" {RESIDENT_ID.lower()} ").reason == "natural_person"


def test_invalid_resident_id_is_just_a_bad_identifier() -> None:
    wrong = RESIDENT_ID[:-1] + "1"
    assert not ric.is_valid(wrong)
    with pytest.raises(IdentifierError) as caught:
        resolve_subject(wrong)
    assert caught.value.reason == "org_code_check"


def test_stdnum_key_error_on_unknown_county_does_not_escape() -> None:
    # RIC-shaped (date and check digit fine), province 11 known, county 0001 not in stdnum's table.
    text = "110001194912310029"
    try:
        stdnum_says = ric.is_valid(text)
    except KeyError:  # python-stdnum 2.2 bug; tolerate a future fix returning False
        stdnum_says = False
    assert stdnum_says is False
    with pytest.raises(IdentifierError) as caught:
        resolve_subject(text)
    assert caught.value.reason == "org_code_check"


def test_code_valid_as_both_resident_id_and_uscc_is_a_uscc() -> None:
    # Not rare: about one resident ID in 340 from a province whose code is also a USCC prefix (11, 12,
    # 13, 31-35, 41, 51-53, 61, 62) passes every USCC check. The rule gives the USCC precedence.
    both = "110105198001050704"
    assert ric.is_valid(both)
    assert is_valid_uscc(both)
    assert resolve_subject(both).kind is OrgKind.GOVERNMENT_ORGAN


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
