"""Turns one raw source row (column -> cell) into an interchange row, as a DatasetMapping says.

Nothing here judges a value: what cannot be read (a date, a country) passes through as published, so the
ingestion service rejects the row naming the field.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache

import pycountry

from credence.identity import fold, person_refusal
from credence.records.interchange import FIELDS
from credence.screening import Screen
from credence.screening.persons import has_organisation_sign
from credence.sources.mapping import DatasetMapping, DecisionRule, NaturalPersonRules, Role

RawValue = str | date | None
RawRow = Mapping[str, RawValue]
InterchangeDict = dict[str, str | None]

# The registry's interchange fields, in order: one definition, in credence.records.interchange.
INTERCHANGE_FIELDS: tuple[str, ...] = FIELDS
RECORD_ID_HEX_CHARS = 24

# CJK unified ideographs, extension A and compatibility ideographs.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN}]")
HAN_CHAR = _HAN_CHAR  # a Chinese character: how other readers tell a Chinese name
# Chinese writes no spaces between characters: the ones in the lists are line-wrap artefacts ("有 限公司").
ADDRESS_LIMIT = 500  # subject_address's limit in the interchange format
_SPACE_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}])\\s+(?=[{_HAN}])")
_HAN_RUN = re.compile(f"[{_HAN}()（）·]+")
_OPENERS = {"(": ")", "（": "）"}
_CLOSERS = {")": "(", "）": "（"}

# The 31-symbol USCC alphabet (no I, O, S, V, Z); the service checks the check character, not this module.
USCC_ALPHABET = "0-9A-HJ-NP-RTUW-Y"
_IDENTIFIER_PATTERNS = {
    "uscc": re.compile(f"(?<![0-9A-Za-z])[{USCC_ALPHABET}]{{18}}(?![0-9A-Za-z])"),
    "lei": re.compile("(?<![0-9A-Za-z])[0-9A-Z]{18}[0-9]{2}(?![0-9A-Za-z])"),
}


class UnreadableDecision(ValueError):
    """A cell that starts like a decision rule's prefix but does not match its pattern. The message
    names the column and the rule, never the cell's text."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def clean_text(value: RawValue) -> str | None:
    """Text as published, trimmed, with runs of whitespace (line breaks too) made one space; None if empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = " ".join(unicodedata.normalize("NFC", value).split())
    text = _SPACE_BETWEEN_HAN.sub("", text)
    return text or None


def key_text(value: RawValue) -> str:
    """The form of a value that goes into a record id or a comparison: clean and case-folded."""
    return (clean_text(value) or "").casefold().replace("’", "'")


def parse_date(value: RawValue, formats: Iterable[str]) -> str | None:
    """YYYY-MM-DD, or the text as published when no format reads it."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = clean_text(value)
    if text is None:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


@lru_cache(maxsize=1024)
def _pycountry_alpha2(text: str) -> str | None:
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        return None
    code: str = country.alpha_2
    return code


def country_code(value: RawValue, aliases: Mapping[str, str]) -> str | None:
    """ISO 3166-1 alpha-2 for a country as published; the text itself when it cannot be mapped.

    `aliases` is keyed by key_text(spelling).
    """
    text = clean_text(value)
    if text is None:
        return None
    return aliases.get(key_text(text)) or _pycountry_alpha2(text) or text


def has_organisation_form(*names: str | None) -> bool:
    """True when any of the names carries a sign of an organisation: the test every path applies to a
    subject without an identifier (credence.screening.persons)."""
    return has_organisation_sign(*names)


def is_natural_person(name: str | None, entity: str | None, rules: NaturalPersonRules) -> bool:
    """True when the entity column says so or the name starts with a personal title.

    Titles compare as written, case and all: "Ms <given> <family>" is a person, "MS Gul Construction
    Co." (M/S, Messrs) a firm.
    """
    if entity is not None and key_text(entity) in {key_text(v) for v in rules.entity_values}:
        return True
    if not name:
        return False
    first, _, rest = name.partition(" ")
    for prefix in rules.name_prefixes:
        if first == prefix and rest:
            return True
        # "DR.<GIVEN> <FAMILY>": a title with its dot needs no space after it.
        if prefix.endswith(".") and name.startswith(prefix) and len(name) > len(prefix):
            return True
    return False


def find_identifier(text: str | None, kinds: Iterable[str]) -> str | None:
    """The first USCC- or LEI-shaped code in the text, trying the kinds in order."""
    if not text:
        return None
    for kind in kinds:
        match = _IDENTIFIER_PATTERNS[kind].search(text)
        if match:
            return match.group()
    return None


def _closing_index(text: str, start: int) -> int | None:
    depth = 0
    for index in range(start, len(text)):
        if text[index] in _OPENERS:
            depth += 1
        elif text[index] in _CLOSERS:
            depth -= 1
            if depth == 0:
                return index
    return None


def _trim_brackets(text: str) -> str:
    """Drops unmatched brackets and brackets around the whole text: "(河南(集团)公司" -> "河南(集团)公司"."""
    stack: list[int] = []
    unmatched: set[int] = set()
    for index, char in enumerate(text):
        if char in _OPENERS:
            stack.append(index)
        elif char in _CLOSERS:
            if stack and text[stack[-1]] == _CLOSERS[char]:
                stack.pop()
            else:
                unmatched.add(index)
    unmatched.update(stack)
    text = "".join(char for index, char in enumerate(text) if index not in unmatched)
    while len(text) >= 2 and text[0] in _OPENERS and _closing_index(text, 0) == len(text) - 1:
        text = text[1:-1]
    return text


def find_han_name(text: str | None) -> str | None:
    """The first name written in Chinese characters in the text, without the brackets around it."""
    if not text:
        return None
    for match in _HAN_RUN.finditer(text):
        if _HAN_CHAR.search(match.group()):
            name = _trim_brackets(match.group()).strip()
            if _HAN_CHAR.search(name):
                return name
    return None


def record_id(prefix: str, values: Iterable[RawValue]) -> str:
    """A deterministic id from the key columns: prefix, '-', the first 24 hex digits of their SHA-256."""
    key = "\x1f".join(key_text(value) for value in values)
    return f"{prefix}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:RECORD_ID_HEX_CHARS]}"


class RowMapper:
    """Maps raw rows of one source; built once per file so the lookups are prepared once."""

    def __init__(self, dataset: DatasetMapping, screen: Screen | None = None) -> None:
        self.dataset = dataset
        self._screen = screen or Screen.default()
        self._col = {role: dataset.column_for(role) for role in Role}
        self._aliases = {key_text(text): code for text, code in dataset.country_aliases.items()}
        self._sentinels = {key_text(text): word for text, word in dataset.sentinels.items()}
        self._own = {key_text(text) for text in dataset.originators.own}
        self._originators = {key_text(text): name for text, name in dataset.originators.names.items()}
        self._rules = [
            (index, rule, rule.prefix_re, rule.pattern_re)
            for index, rule in enumerate(dataset.decision_rules)
        ]

    def record_id(self, raw: RawRow) -> str:
        """The row's source_record_id, from its key columns."""
        return record_id(
            self.dataset.record_id.prefix, (raw.get(column) for column in self.dataset.record_id.key)
        )

    def _get(self, raw: RawRow, role: Role) -> RawValue:
        column = self._col[role]
        return raw.get(column) if column is not None else None

    def _until(self, value: RawValue) -> str | None:
        text = clean_text(value)
        if text is None:
            return None
        word = self._sentinels.get(key_text(text))
        if word is not None:
            return word
        parsed = parse_date(value, self.dataset.date_formats)
        return self._sentinels.get(key_text(parsed), parsed)

    def _address(self, raw: RawRow) -> str | None:
        """The firm's address, or None when the ingest would refuse it: a bank's address that holds a
        person's data, touches the lexicon (place names do: "... Autonomous Prefecture", "Temple Village")
        or runs over 500 characters is left out, and the listing itself is kept."""
        text = clean_text(self._get(raw, Role.SUBJECT_ADDRESS))
        if text is None or len(text) > ADDRESS_LIMIT or text[0] in "=+-@" or person_refusal(fold(text)):
            return None
        return None if self._screen.text("subject_address", text) is not None else text

    def _decision(self, raw: RawRow) -> dict[str, str]:
        """What the decision rules read from the row's free text: originator, decided_on, effective_until.

        For each column the first rule whose prefix the cell starts with decides; a value already read
        by an earlier rule is kept. Raises UnreadableDecision when a cell starts like a rule but does
        not match it."""
        found: dict[str, str] = {}
        decided: set[str] = set()
        for index, rule, prefix, pattern in self._rules:
            if rule.column in decided:
                continue
            text = clean_text(raw.get(rule.column))
            if text is None or not prefix.match(text):
                continue
            decided.add(rule.column)
            match = pattern.fullmatch(text)
            if match is None:
                raise UnreadableDecision(rule.column, self._unreadable(index, rule))
            for group, value in match.groupdict().items():
                if value is not None and value.strip() and group not in found:
                    found[group] = value.strip()
        return found

    def _unreadable(self, index: int, rule: DecisionRule) -> str:
        return (
            f"column {rule.column!r} starts like decision rule {index + 1} of {self.dataset.name} "
            f"(prefix {rule.prefix!r}) but does not match its pattern; the text is not guessed at: "
            "correct the cell, or widen the rule's pattern"
        )

    def _summary(
        self, raw: RawRow, fell_back: bool, originator: str | None, decision: Mapping[str, str]
    ) -> str | None:
        sentences: list[str] = []
        grounds = clean_text(self._get(raw, Role.GROUNDS)) or clean_text(decision.get("grounds"))
        if grounds:
            sentences.append(f"Grounds: {grounds}.")
        if originator and key_text(originator) not in self._own:
            name = self._originators.get(key_text(originator), originator)
            sentences.append(f"Cross-debarment: first sanctioned by {name}.")
        authority = clean_text(self._get(raw, Role.AUTHORITY))
        if authority:
            sentences.append(f"Decided by: {authority}.")
        sanction_type = clean_text(self._get(raw, Role.SANCTION_TYPE)) or clean_text(decision.get("program"))
        if sanction_type:
            sentences.append(f"Sanction type: {sanction_type}.")
        if fell_back:
            sentences.append(
                f"{self._col[Role.DECIDED_ON]!r} is not published; the decision date given is "
                f"{self._col[Role.DECIDED_ON_FALLBACK]!r}."
            )
        return " ".join(sentences) or None

    def __call__(self, raw: RawRow) -> InterchangeDict:
        dataset = self.dataset
        name = clean_text(self._get(raw, Role.SUBJECT_NAME))
        info = clean_text(self._get(raw, Role.ADDITIONAL_INFO))
        rules = dataset.additional_info

        alt_name = clean_text(self._get(raw, Role.SUBJECT_ALT_NAME))
        if alt_name is None and rules.alt_name == "han":
            alt_name = find_han_name(info)
        if alt_name is not None and name is not None and key_text(alt_name) == key_text(name):
            alt_name = None

        # A column says it first; what a rule reads from free text fills what the columns leave empty.
        decision = self._decision(raw)
        decided_raw = self._get(raw, Role.DECIDED_ON)
        if clean_text(decided_raw) is None:
            decided_raw = decision.get("decided_on")
        fallback_raw = self._get(raw, Role.DECIDED_ON_FALLBACK)
        fell_back = clean_text(decided_raw) is None and clean_text(fallback_raw) is not None
        if fell_back:
            decided_raw = fallback_raw
        originator = clean_text(self._get(raw, Role.ORIGINATING_INSTITUTION)) or decision.get("originator")
        until_raw = self._get(raw, Role.EFFECTIVE_UNTIL)
        if clean_text(until_raw) is None:
            until_raw = decision.get("effective_until")

        entity = clean_text(self._get(raw, Role.ENTITY_TYPE))
        natural = is_natural_person(name, entity, dataset.natural_person)
        subject_id = find_identifier(info, rules.identifiers)
        # A row without a name is refused for the missing name, not taken for a person's.
        if dataset.natural_person.require_organisation_form and subject_id is None and name is not None:
            natural = natural or not has_organisation_form(name, alt_name)
        row: InterchangeDict = {
            "source_record_id": self.record_id(raw),
            "category": dataset.category,
            "subject_id": subject_id,
            "subject_name": name,
            "subject_alt_name": alt_name,
            "subject_country": country_code(self._get(raw, Role.SUBJECT_COUNTRY), self._aliases),
            "subject_address": self._address(raw),
            "subject_org_code": None,
            "subject_registration": None,
            "subject_type": "natural_person" if natural else "organisation",
            "severity": None,
            "decided_on": parse_date(decided_raw, dataset.date_formats),
            "legal_basis": dataset.legal_basis,
            "status": "final",
            "amount": None,
            "currency": None,
            "summary": self._summary(raw, fell_back, originator, decision),
            "effective_until": self._until(until_raw),
        }
        return row
