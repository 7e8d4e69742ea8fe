"""Identifiers of the registry's subjects: USCC and LEI parsing, organisation kinds, and who may be a subject.

Import from here; the submodules are an implementation detail.
"""

from credence.identity.errors import IdentifierError, SubjectError, SubjectRefused
from credence.identity.kinds import AUTHORITIES, KINDS, Authority, KindInfo, OrgKind, kind_info
from credence.identity.lei import Lei, is_valid_lei, lei_check_digits, parse_lei
from credence.identity.subject import Scheme, SubjectId, refuse_kind, resolve_subject
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
    "is_valid_lei",
    "is_valid_uscc",
    "kind_info",
    "lei_check_digits",
    "org_code_check_character",
    "parse_lei",
    "parse_uscc",
    "refuse_kind",
    "resolve_subject",
    "uscc_check_character",
]
