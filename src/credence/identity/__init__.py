"""Identifiers of the registry's subjects: USCC and LEI parsing, organisation kinds, who may be a subject, and
the resident identity numbers of people, which never may.

Import from here; the submodules are an implementation detail.
"""

from credence.identity.errors import IdentifierError, SubjectError, SubjectRefused
from credence.identity.kinds import AUTHORITIES, KINDS, Authority, KindInfo, OrgKind, kind_info
from credence.identity.lei import Lei, is_valid_lei, lei_check_digits, parse_lei
from credence.identity.resident import find_resident_ids, fold, is_resident_id, looks_like_resident_id
from credence.identity.subject import (
    IDENTIFIER_EXPECTED,
    Scheme,
    SubjectId,
    no_organisation,
    not_an_identifier,
    person_refusal,
    refuse_kind,
    resolve_subject,
)
from credence.identity.uscc import (
    ALPHABET,
    PROVINCES,
    Uscc,
    build_uscc,
    is_valid_uscc,
    org_code_check_character,
    parse_uscc,
    uscc_check_character,
)

__all__ = [
    "ALPHABET",
    "AUTHORITIES",
    "IDENTIFIER_EXPECTED",
    "KINDS",
    "PROVINCES",
    "Authority",
    "IdentifierError",
    "KindInfo",
    "Lei",
    "OrgKind",
    "Scheme",
    "SubjectError",
    "SubjectId",
    "SubjectRefused",
    "Uscc",
    "build_uscc",
    "find_resident_ids",
    "fold",
    "is_resident_id",
    "is_valid_lei",
    "is_valid_uscc",
    "kind_info",
    "lei_check_digits",
    "looks_like_resident_id",
    "no_organisation",
    "not_an_identifier",
    "org_code_check_character",
    "parse_lei",
    "parse_uscc",
    "person_refusal",
    "refuse_kind",
    "resolve_subject",
    "uscc_check_character",
]
