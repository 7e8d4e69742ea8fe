"""Check rows a block at a time and hand the writer the accepted rows column by column.

RowValidator.check is the reference: it reports every problem of a row with its field and reason code.
Most rows of a real submission are valid and repeat the same categories, organisations, dates and legal
bases, so BlockChecker first tries a lean path that recognises only rows that are plainly valid, using a
cached verdict per distinct value. Any row it does not recognise goes to the reference check, which
accepts it or rejects it with the messages users see. The lean path therefore never decides a rejection,
and tests/records/test_block_checker.py shows on random rows that both paths store the same thing.

This is hand-written rather than a dataframe library's: the verdicts are the reference check's own
functions (a dataframe reader would also coerce JSON types and resolve duplicate keys differently from
the reference reader), and the per-row work left is a few dictionary lookups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from credence.catalog import Severity
from credence.identity import SubjectError, SubjectId, resolve_subject
from credence.records.interchange import UNTIL_WORDS
from credence.records.readers import RawRow
from credence.records.validation import (
    FIELD_SET,
    Rejection,
    RowValidator,
    Subject,
    ValidRow,
    normalise_amount,
    unresolved_key,
)

_SUSPECT: Any = object()  # "not plainly valid": the row goes to the reference check
_CACHE_LIMIT = 100_000
_SEVERITIES = frozenset(Severity.__members__)
_STATUSES = frozenset({"final", "pending"})
_UNTIL = {word: word.replace("-", "_") for word in UNTIL_WORDS}


@dataclass
class ValidBlock:
    """Accepted rows in line order, one list per stored column; `subjects` has each organisation once,
    as first seen in the block."""

    line: list[int] = field(default_factory=list)
    source_record_id: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    subject_key: list[str] = field(default_factory=list)
    subject_name: list[str] = field(default_factory=list)
    subject_alt_name: list[str | None] = field(default_factory=list)
    severity: list[str | None] = field(default_factory=list)
    decided_on: list[date] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    amount: list[str | None] = field(default_factory=list)
    currency: list[str | None] = field(default_factory=list)
    summary: list[str | None] = field(default_factory=list)
    effective_until: list[date | None] = field(default_factory=list)
    until_kind: list[str | None] = field(default_factory=list)
    content_hash: list[str] = field(default_factory=list)
    subjects: dict[str, Subject] = field(default_factory=dict)

    COLUMNS = (
        "line",
        "source_record_id",
        "category",
        "subject_key",
        "subject_name",
        "subject_alt_name",
        "severity",
        "decided_on",
        "legal_basis",
        "status",
        "amount",
        "currency",
        "summary",
        "effective_until",
        "until_kind",
        "content_hash",
    )

    def __len__(self) -> int:
        return len(self.line)

    def append(self, row: ValidRow) -> None:
        self.subjects.setdefault(row.subject.key, row.subject)
        self._append(
            row.line,
            row.source_record_id,
            row.category,
            row.subject.key,
            row.subject.name,
            row.subject.alt_name,
            row.severity,
            row.decided_on,
            row.legal_basis,
            row.status,
            row.amount,
            row.currency,
            row.summary,
            row.effective_until,
            row.until_kind,
            row.content_hash,
        )

    def _append(self, *values: Any) -> None:
        for name, value in zip(self.COLUMNS, values, strict=True):
            getattr(self, name).append(value)

    def take(self, indices: Sequence[int]) -> ValidBlock:
        """The rows at these positions, in that order."""
        out = ValidBlock()
        for name in self.COLUMNS:
            column = getattr(self, name)
            setattr(out, name, [column[i] for i in indices])
        out.subjects = {key: self.subjects[key] for key in dict.fromkeys(out.subject_key)}
        return out


class BlockChecker:
    """RowValidator over a block of rows, with a cached lean path for the rows that are plainly valid."""

    def __init__(self, validator: RowValidator) -> None:
        self.validator = validator
        catalog = validator.catalog
        self._allowed = {
            code: category
            for code, category in catalog.categories.items()
            if catalog.may_submit(validator.department, code)
        }
        self._texts: dict[str, dict[str, Any]] = {}
        self._subjects: dict[tuple[str, str | None], Any] = {}
        self._unresolved: dict[tuple[str, str | None], str] = {}
        self._dates: dict[str, Any] = {}
        self._amounts: dict[str, Any] = {}
        self._countries: dict[str, Any] = {}
        self._currencies: dict[str, Any] = {}

    def check(self, rows: Sequence[RawRow]) -> tuple[ValidBlock, list[Rejection]]:
        block = ValidBlock()
        rejections: list[Rejection] = []
        for raw in rows:
            if raw.error is not None:
                rejections.append(raw.error)
                continue
            assert raw.values is not None
            if self._lean(raw.line, raw.values, block):
                continue
            checked = self.validator.check(raw.line, raw.values)
            if isinstance(checked, list):
                rejections.extend(checked)
            else:
                block.append(checked)
        return block, rejections

    def _lean(self, line: int, raw: dict[str, Any], block: ValidBlock) -> bool:
        """Append the row and return True if it is plainly valid; otherwise change nothing."""
        if not raw.keys() <= FIELD_SET:
            return False
        text = self._text
        sid = raw.get("source_record_id")
        if type(sid) is not str:
            return False
        sid = self._plain(sid, "source_record_id")
        category_code = text(raw, "category")
        category = self._allowed.get(category_code)
        name = text(raw, "subject_name")
        alt = text(raw, "subject_alt_name")
        severity = text(raw, "severity")
        decided_text = text(raw, "decided_on")
        legal_basis = text(raw, "legal_basis")
        status = text(raw, "status")
        amount_text = text(raw, "amount")
        currency = text(raw, "currency")
        summary = text(raw, "summary")
        until_text = text(raw, "effective_until")
        subject_type = text(raw, "subject_type")
        country = text(raw, "subject_country")
        if (
            sid is _SUSPECT
            or sid is None
            or category is None
            or name is None
            or name is _SUSPECT
            or alt is _SUSPECT
            or legal_basis is None
            or legal_basis is _SUSPECT
            or summary is _SUSPECT
            or status not in _STATUSES
            or subject_type not in (None, "organisation")
            or decided_text is None
            or decided_text is _SUSPECT
            or until_text is _SUSPECT
            or amount_text is _SUSPECT
            or currency is _SUSPECT
            or country is _SUSPECT
        ):
            return False
        if category.severity_applies:
            if severity not in _SEVERITIES:
                return False
        elif severity is not None:
            return False
        decided = self._date(decided_text)
        if decided is _SUSPECT or decided > self.validator.today:
            return False
        if until_text is None:
            until, until_kind = None, None
        elif until_text in _UNTIL:
            until, until_kind = None, _UNTIL[until_text]
        else:
            until = self._date(until_text)
            if until is _SUSPECT or until < decided:
                return False
            until_kind = "date"
        if amount_text is None:
            if currency is not None:
                return False
            amount = None
        else:
            amount = self._amount(amount_text)
            if amount is _SUSPECT or currency is None:
                return False
            currency = self._currency(currency)
            if currency is _SUSPECT:
                return False
        if country is not None:
            country = self._country(country)
            if country is _SUSPECT:
                return False
        code = text(raw, "subject_id")
        if code is _SUSPECT:
            return False
        if code is None:
            if category.requires_identifier:
                return False
            resolved = None
            key = self._unresolved_key(name, country)
        else:
            resolved = self._subject(code, country)
            if resolved is _SUSPECT:
                return False
            key, country = resolved.key, resolved.country
        content = (
            sid,
            category.code,
            key,
            country or "",
            name,
            alt or "",
            severity or "",
            decided_text,
            legal_basis,
            status,
            amount or "",
            currency or "",
            summary or "",
            until_text if until is not None else (until_kind or ""),
        )
        if key not in block.subjects:
            if resolved is None:
                block.subjects[key] = Subject(key, "unresolved", None, name, alt, None, country, None, False)
            else:
                block.subjects[key] = Subject(
                    key,
                    resolved.scheme,
                    resolved.code,
                    name,
                    alt,
                    resolved.kind,
                    country,
                    resolved.division,
                    resolved.never_public,
                )
        block._append(
            line,
            sid,
            category.code,
            key,
            name,
            alt,
            severity,
            decided,
            legal_basis,
            status,
            amount,
            currency,
            summary,
            until,
            until_kind,
            hashlib.sha256("\x1f".join(content).encode()).hexdigest(),
        )
        return True

    # Each helper returns the value the reference check would produce, or _SUSPECT when the reference
    # check would reject it or might (then the whole row goes to the reference check).

    def _text(self, raw: dict[str, Any], name: str) -> Any:
        value = raw.get(name)
        if value is None:
            return None
        if type(value) is not str:
            return _SUSPECT
        cache = self._texts.get(name)
        if cache is None:
            cache = self._texts[name] = {}
        out = cache.get(value, cache)
        if out is cache:
            out = self._plain(value, name)
            if len(cache) < _CACHE_LIMIT:
                cache[value] = out
        return out

    def _plain(self, value: str, name: str) -> Any:
        problems: list[Any] = []
        out = self.validator._text(name, value, lambda *args: problems.append(args))
        return _SUSPECT if problems else out

    def _date(self, text: str) -> Any:
        out = self._dates.get(text)
        if out is None:
            problems: list[Any] = []
            out = self.validator._date("decided_on", text, text, lambda *args: problems.append(args))
            if problems or out is None:
                out = _SUSPECT
            if len(self._dates) < _CACHE_LIMIT:
                self._dates[text] = out
        return out

    def _amount(self, text: str) -> Any:
        out = self._amounts.get(text)
        if out is None:
            out = normalise_amount(text)
            if out is None:
                out = _SUSPECT
            if len(self._amounts) < _CACHE_LIMIT:
                self._amounts[text] = out
        return out

    def _currency(self, text: str) -> Any:
        out = self._currencies.get(text)
        if out is None:
            upper = text.upper()
            out = self._currencies[text] = upper if self.validator._known_currency(upper) else _SUSPECT
        return out

    def _country(self, text: str) -> Any:
        out = self._countries.get(text)
        if out is None:
            upper = text.upper()
            out = self._countries[text] = upper if self.validator._known_country(upper) else _SUSPECT
        return out

    def _unresolved_key(self, name: str, country: str | None) -> str:
        out = self._unresolved.get((name, country))
        if out is None:
            out = unresolved_key(name, country)
            if len(self._unresolved) < _CACHE_LIMIT:
                self._unresolved[(name, country)] = out
        return out

    def _subject(self, code: str, country: str | None) -> Any:
        out = self._subjects.get((code, country))
        if out is None:
            out = self._resolve(code, country)
            if len(self._subjects) > 2 * _CACHE_LIMIT:
                self._subjects.clear()
            self._subjects[(code, country)] = out
        return out

    @staticmethod
    def _resolve(code: str, country: str | None) -> Any:
        try:
            resolved: SubjectId = resolve_subject(code)
        except SubjectError:
            return _SUSPECT
        if resolved.scheme == "uscc":
            if country not in (None, "CN"):
                return _SUSPECT
            country = "CN"
        return _Resolved(
            resolved.key,
            resolved.scheme,
            resolved.code,
            resolved.kind.value if resolved.kind is not None else None,
            country,
            resolved.code[2:8] if resolved.scheme == "uscc" else None,
            resolved.never_public,
        )


@dataclass(frozen=True, slots=True)
class _Resolved:
    key: str
    scheme: str
    code: str
    kind: str | None
    country: str | None
    division: str | None
    never_public: bool
