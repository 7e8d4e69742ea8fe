"""Check one submitted row against the interchange format, the catalog and the subject rules.

Every problem is reported with its field and a reason code, so a clerk can fix a whole row at once.
The checks are plain Python rather than a pydantic model per row: this is the hot path of ingestion and
each failure needs its own reason code and message (see docs/interchange.md for the list).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pycountry
from stdnum.iso7064 import mod_11_10

from credence.catalog import Catalog, Category, Severity
from credence.catalog.model import LIST_NAMES
from credence.i18n import _
from credence.identity import (
    SubjectError,
    SubjectId,
    fold,
    org_code_check_character,
    person_refusal,
    resolve_subject,
)
from credence.records.interchange import FIELDS, REQUIRED, UNTIL_WORDS
from credence.screening.persons import person_name

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^\d{1,15}(\.\d{1,4})?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")


def control_character_at(text: str, multiline: bool = False) -> int | None:
    """The 1-based position of the first control character in `text` (tab and line breaks are allowed
    when `multiline`), or None: the one definition every edge refuses text by."""
    found = (_CONTROL if multiline else _CONTROL_IN_LINE).search(text)
    return found.start() + 1 if found else None


# Spreadsheet formula triggers (OWASP CSV injection): a cell starting with these may execute when opened.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MULTILINE_FIELDS = frozenset({"summary", "legal_basis"})


def spreadsheet_safe(value: Any) -> Any:
    """A text cell for a CSV that people open in spreadsheets: one starting like a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def spreadsheet_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as CSV text with a header line, every cell spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return out.getvalue()


# Free text screened for prohibited grounds and people's data (credence.screening); a legal basis is also
# checked against the denied laws and its category's closed list.
SCREENED_FIELDS = frozenset({"summary", "legal_basis"})


def basis_refusal(category: Category) -> str:
    """The message for a legal basis outside the category's closed list (it never repeats the basis)."""
    return _(
        "legal_basis must cite a law and article that category '%(category)s' may rest on: %(bases)s",
        category=category.code,
        bases=category.bases_text(),
    )


_SHORT_LIMITS = {
    "source_record_id": 200,
    "subject_name": 500,
    "subject_alt_name": 500,
    "subject_address": 500,
    "legal_basis": 2000,
}
_EARLIEST = date(1900, 1, 1)
FIELD_SET = frozenset(FIELDS)
_REQUIRED_IN_ORDER = tuple(name for name in FIELDS if name in REQUIRED)
_FORMULA_FIELDS = frozenset(
    {"source_record_id", "subject_name", "subject_alt_name", "subject_address", "legal_basis", "summary"}
)
_ORG_CODE = re.compile(r"^[0-9A-Z]{8}-?[0-9A-Z]$")
_REGISTRATION = re.compile(r"^[0-9]{15}$")
# Codes in use but user-assigned in ISO 3166 (Kosovo), hence missing from pycountry.
_EXTRA_COUNTRIES = frozenset({"XK"})


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    field: str | None
    reason: str
    message: str
    source_record_id: str | None = None
    ground: str | None = None  # the prohibited ground, for reason prohibited_ground (logged, never the text)

    def to_json(self) -> dict[str, Any]:
        out = {
            "line": self.line,
            "field": self.field,
            "reason": self.reason,
            "message": self.message,
            "source_record_id": self.source_record_id,
        }
        if self.ground is not None:
            out["ground"] = self.ground
        return out


@dataclass(frozen=True, slots=True)
class Subject:
    key: str  # organisations.id
    scheme: str  # uscc | lei | unresolved
    code: str | None
    name: str
    alt_name: str | None
    kind: str | None
    country: str | None
    division: str | None
    never_public: bool


@dataclass(frozen=True, slots=True)
class ValidRow:
    line: int
    source_record_id: str
    category: str
    subject: Subject
    severity: str | None
    decided_on: date
    legal_basis: str
    status: str
    amount: str | None
    currency: str | None
    summary: str | None
    effective_until: date | None
    until_kind: str | None
    content_hash: str
    # Matching data (credence.records.interchange.MATCHING_FIELDS): stored, not in the content hash.
    subject_address: str | None = None
    subject_org_code: str | None = None
    subject_registration: str | None = None


def registration_check_digit(first14: str) -> str:
    """The ISO 7064 MOD 11,10 check digit of an old registration number's first 14 digits (python-stdnum).

    >>> registration_check_digit("11010500000000")
    '4'
    """
    return str(mod_11_10.calc_check_digit(first14))


def normalise_amount(text: str) -> str | None:
    """'001500.50' -> '1500.5'; None if the text is not a non-negative decimal with at most 4 places."""
    if not _AMOUNT.match(text):
        return None
    return format(Decimal(text).normalize(), "f")


def unresolved_key(name: str, country: str | None) -> str:
    normalised = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    digest = hashlib.blake2b(f"{normalised}\x1f{country or ''}".encode(), digest_size=12).hexdigest()
    return f"unresolved:{digest}"


class RowValidator:
    """Checks rows for one department against one catalog as of one date."""

    def __init__(
        self,
        catalog: Catalog,
        department: str,
        today: date,
        max_field_chars: int = 20_000,
        *,
        lists: bool = False,
    ) -> None:
        self.catalog = catalog
        self.department = department
        self.lists = lists  # the list procedure storing an entry's record; never a submission
        self.today = today
        self.max_field_chars = max_field_chars
        self._countries: dict[str, bool] = {}
        self._currencies: dict[str, bool] = {}
        # Organisations recur across rows; resolving a code once per run saves most identity checks.
        self._subjects: dict[str, SubjectId | SubjectError] = {}
        self._dates: dict[str, date] = {}
        self.screen = catalog.screen

    def check(self, line: int, raw: Mapping[str, Any]) -> ValidRow | list[Rejection]:
        problems: list[Rejection] = []
        sid_raw = raw.get("source_record_id")
        sid = sid_raw.strip() if isinstance(sid_raw, str) else None

        def reject(field: str | None, reason: str, message: str, ground: str | None = None) -> None:
            problems.append(Rejection(line, field, reason, message, sid, ground))

        for key in raw:
            if key not in FIELD_SET:
                reject(
                    str(key),
                    "unknown_field",
                    _("'%(key)s' is not a field of the interchange format", key=key),
                )

        values: dict[str, str | None] = {}
        text = self._text
        for name in FIELDS:
            value = raw.get(name)
            values[name] = None if value is None else text(name, value, reject)
        for name in _REQUIRED_IN_ORDER:
            if values[name] is None and not any(p.field == name for p in problems):
                reject(name, "missing", _("%(name)s is required", name=name))

        category = self.catalog.categories.get(values["category"] or "")
        if values["category"] is not None and category is None:
            reject(
                "category",
                "unknown_category",
                _("category '%(category)s' is not in the catalog", category=values["category"]),
            )
        elif category is not None and not self.catalog.may_submit(self.department, category.code):
            reject(
                "category",
                "category_not_allowed",
                _(
                    "department %(department)s may not submit category '%(category)s'",
                    department=self.department,
                    category=category.code,
                ),
            )
        elif category is not None and category.list is not None and not self.lists:
            reject(
                "category",
                "list_category",
                _(
                    "category '%(category)s' is the %(list)s list: its entries are made through the list "
                    "procedure (credence lists), with notice, not submitted",
                    category=category.code,
                    list=LIST_NAMES[category.list],
                ),
            )

        subject = self._subject(values, category is None or category.requires_identifier, reject)
        address, org_code, registration = self._matching(values, subject, reject)
        basis = values["legal_basis"]
        if (
            category is not None
            and basis is not None
            and not any(p.field in ("legal_basis", "category") for p in problems)
        ):
            if not category.accepts_basis(basis):
                reject("legal_basis", "legal_basis_not_in_catalog", basis_refusal(category))

        severity = values["severity"]
        if category is not None:
            if category.severity_applies and severity is None:
                reject(
                    "severity",
                    "missing",
                    _(
                        "severity is required for category '%(category)s' (minor, general or serious)",
                        category=category.code,
                    ),
                )
            elif not category.severity_applies and severity is not None:
                reject(
                    "severity",
                    "not_applicable",
                    _("severity does not apply to category '%(category)s'", category=category.code),
                )
        if severity is not None and severity not in Severity.__members__:
            reject(
                "severity",
                "invalid_value",
                _("severity '%(severity)s' is not one of minor, general, serious", severity=severity),
            )

        decided_on = self._date("decided_on", raw.get("decided_on"), values["decided_on"], reject)
        if decided_on is not None and decided_on > self.today:
            reject(
                "decided_on",
                "future_date",
                _("decided_on %(day)s is after today (%(today)s)", day=decided_on, today=self.today),
            )

        status = values["status"]
        if status is not None and status not in ("final", "pending"):
            reject("status", "invalid_value", _("status '%(status)s' is not final or pending", status=status))

        amount, currency = self._money(values, reject)
        until, until_kind = self._until(
            raw.get("effective_until"), values["effective_until"], decided_on, reject
        )

        if problems:
            return problems
        assert category is not None and subject is not None and decided_on is not None and sid is not None
        legal_basis, summary = values["legal_basis"], values["summary"]
        assert legal_basis is not None and status is not None
        content = (
            sid,
            category.code,
            subject.key,
            subject.country or "",
            subject.name,
            subject.alt_name or "",
            severity or "",
            decided_on.isoformat(),
            legal_basis,
            status,
            amount or "",
            currency or "",
            summary or "",
            until.isoformat() if until else (until_kind or ""),
        )
        content_hash = hashlib.sha256("\x1f".join(content).encode()).hexdigest()
        return ValidRow(
            line=line,
            source_record_id=sid,
            category=category.code,
            subject=subject,
            severity=severity,
            decided_on=decided_on,
            legal_basis=legal_basis,
            status=status,
            amount=amount,
            currency=currency,
            summary=summary,
            effective_until=until,
            until_kind=until_kind,
            content_hash=content_hash,
            subject_address=address,
            subject_org_code=org_code,
            subject_registration=registration,
        )

    def _text(self, name: str, value: Any, reject: Any) -> str | None:
        if value is None:
            return None
        if type(value) is not str:
            if isinstance(value, (date, datetime)) and name in ("decided_on", "effective_until"):
                return value.isoformat()
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and name == "amount":
                return format(Decimal(str(value)), "f")
            if not isinstance(value, str):
                reject(
                    name,
                    "invalid_type",
                    _("%(name)s must be text, got %(type)s", name=name, type=type(value).__name__),
                )
                return None
        limit = _SHORT_LIMITS.get(name, self.max_field_chars)
        if len(value) > limit:
            reject(
                name,
                "too_long",
                _(
                    "%(name)s is %(length)s characters long; the limit is %(limit)s",
                    name=name,
                    length=f"{len(value):,}",
                    limit=f"{limit:,}",
                ),
            )
            return None
        at = control_character_at(value, name in _MULTILINE_FIELDS)
        if at is not None:
            char = value[at - 1]
            label = (
                _("NUL byte")
                if char == "\x00"
                else _("control character U+%(code)s", code=f"{ord(char):04X}")
            )
            reject(
                name,
                "control_character",
                _("%(name)s contains a %(what)s at character %(at)s", name=name, what=label, at=at),
            )
            return None
        text: str = value.strip()
        if not text:
            return None
        if name in SCREENED_FIELDS:
            refused = self.screen.legal_basis(text) if name == "legal_basis" else self.screen.text(name, text)
            if refused is not None:
                reject(name, refused.reason, refused.message, refused.ground)
                return None
        if text[0] in _FORMULA_START and name in _FORMULA_FIELDS:
            reject(
                name,
                "formula_injection",
                _(
                    "%(name)s starts with '%(char)s', which spreadsheets run as a formula; remove it or "
                    "start the text with a letter or digit",
                    name=name,
                    char=text[0],
                ),
            )
            return None
        return text

    def _subject(self, values: dict[str, str | None], requires_id: bool, reject: Any) -> Subject | None:
        name, alt, country = values["subject_name"], values["subject_alt_name"], values["subject_country"]
        if country is not None:
            country = country.upper()
        subject_type = values["subject_type"] or "organisation"
        if subject_type == "natural_person":
            reject(
                "subject_type",
                "natural_person",
                _("natural persons are not subjects of this registry; only organisations are recorded"),
            )
            return None
        if subject_type != "organisation":
            reject(
                "subject_type",
                "invalid_value",
                _("subject_type '%(type)s' is not organisation", type=subject_type),
            )
            return None
        if country is not None and not self._known_country(country):
            reject(
                "subject_country",
                "invalid_country",
                _("subject_country '%(country)s' is not an ISO 3166-1 alpha-2 code", country=country),
            )
            return None
        code = values["subject_id"]
        if code is None:
            if requires_id:
                if values["category"] is not None:
                    reject(
                        "subject_id", "missing", _("subject_id (USCC or LEI) is required for this category")
                    )
                return None
            if name is None:
                return None
            refused = self.screen.subject_name(name, alt)
            if refused is not None:
                reject("subject_name", refused.reason, refused.message)
                return None
            # No identifier: the name must be an organisation's, whatever path the row came by.
            person = person_name(name, alt)
            if person is not None:
                reject(
                    "subject_name",
                    "natural_person",
                    _(
                        "natural persons are not subjects of this registry: a subject without an identifier "
                        "must be named as an organisation (with its legal form, such as Ltd, S.A. or "
                        "有限公司); this name has %(what)s",
                        what=person,
                    ),
                )
                return None
            return Subject(
                unresolved_key(name, country), "unresolved", None, name, alt, None, country, None, False
            )
        resolved = self._subjects.get(code)
        if resolved is None:
            if len(self._subjects) > 200_000:
                self._subjects.clear()
            try:
                resolved = resolve_subject(code)
            except SubjectError as exc:
                resolved = exc
            self._subjects[code] = resolved
        if isinstance(resolved, SubjectError):
            reject("subject_id", resolved.reason, resolved.message)
            return None
        if resolved.scheme == "uscc":
            if country not in (None, "CN"):
                reject(
                    "subject_country",
                    "country_mismatch",
                    _(
                        "a USCC names a Chinese organisation, but subject_country is %(country)s",
                        country=country,
                    ),
                )
                return None
            country = "CN"
        if name is None:
            return None
        if resolved.scheme != "uscc":
            refused = self.screen.subject_name(name, alt)
            if refused is not None:
                reject("subject_name", refused.reason, refused.message)
                return None
        return Subject(
            key=resolved.key,
            scheme=resolved.scheme,
            code=resolved.code,
            name=name,
            alt_name=alt,
            kind=resolved.kind.value if resolved.kind is not None else None,
            country=country,
            division=resolved.code[2:8] if resolved.scheme == "uscc" else None,
            never_public=resolved.never_public,
        )

    def _matching(
        self, values: dict[str, str | None], subject: Subject | None, reject: Any
    ) -> tuple[str | None, str | None, str | None]:
        """The address, organisation code and registration number, checked: a person's identity number in
        any of them is refused as natural_person, the address is screened as free text, and the codes'
        check characters must hold. An organisation code that a USCC subject contradicts is refused."""
        address, org_code, registration = (
            values["subject_address"],
            values["subject_org_code"],
            values["subject_registration"],
        )
        for name, text in (
            ("subject_address", address),
            ("subject_org_code", org_code),
            ("subject_registration", registration),
        ):
            refused = person_refusal(fold(text), self.today) if text is not None else None
            if refused is not None:
                reject(name, "natural_person", f"{name}: {refused.message}")
                return None, None, None
        if address is not None:
            screened = self.screen.text("subject_address", address)
            if screened is not None:
                reject("subject_address", screened.reason, screened.message, screened.ground)
                address = None
        if org_code is not None:
            org_code = self._org_code(org_code, subject, reject)
        if registration is not None:
            registration = self._registration(registration, reject)
        return address, org_code, registration

    @staticmethod
    def _org_code(text: str, subject: Subject | None, reject: Any) -> str | None:
        code = fold(text).upper()
        if not _ORG_CODE.match(code) or (len(code) == 10 and code[8] != "-"):
            reject(
                "subject_org_code",
                "invalid_org_code",
                _(
                    "subject_org_code must be an organisation code of 8 digits or capital letters and a "
                    "check character (GB 11714), optionally with a hyphen before the check character, like "
                    "60003734-1"
                ),
            )
            return None
        code = code.replace("-", "")
        expected = org_code_check_character(code[:8])
        if code[8] != expected:
            reject(
                "subject_org_code",
                "org_code_check",
                _(
                    "subject_org_code check character (position 9) is %(found)s, expected %(expected)s",
                    found=code[8],
                    expected=expected,
                ),
            )
            return None
        if subject is not None and subject.scheme == "uscc" and subject.code and subject.code[8:17] != code:
            reject(
                "subject_org_code",
                "org_code_mismatch",
                _(
                    "subject_org_code %(code)s is not the organisation code the USCC carries in positions "
                    "9-17 (%(carried)s); give the USCC alone, or correct one of them",
                    code=code,
                    carried=subject.code[8:17],
                ),
            )
            return None
        return code

    @staticmethod
    def _registration(text: str, reject: Any) -> str | None:
        number = fold(text)
        if not _REGISTRATION.match(number):
            reject(
                "subject_registration",
                "invalid_registration",
                _("subject_registration must be an old registration number of 15 digits"),
            )
            return None
        expected = registration_check_digit(number[:14])
        if number[14] != expected:
            reject(
                "subject_registration",
                "registration_check",
                _(
                    "subject_registration check digit (position 15, ISO 7064 MOD 11,10) is %(found)s, "
                    "expected %(expected)s",
                    found=number[14],
                    expected=expected,
                ),
            )
            return None
        return number

    def _date(self, name: str, raw: Any, text: str | None, reject: Any) -> date | None:
        if text is None:
            return None
        if isinstance(raw, datetime):
            reject(
                name,
                "invalid_date",
                _("%(name)s must be a date, got a timestamp %(value)s", name=name, value=raw.isoformat()),
            )
            return None
        known = self._dates.get(text)
        if known is not None:
            return known
        if not _DATE.match(text):
            reject(
                name,
                "invalid_date",
                _("%(name)s '%(text)s' is not a date in the form YYYY-MM-DD", name=name, text=text),
            )
            return None
        try:
            value = date.fromisoformat(text)
        except ValueError as exc:
            reject(
                name,
                "invalid_date",
                _("%(name)s '%(text)s' is not a real date (%(why)s)", name=name, text=text, why=exc),
            )
            return None
        if value < _EARLIEST:
            reject(
                name,
                "invalid_date",
                _("%(name)s %(text)s is before %(earliest)s", name=name, text=text, earliest=_EARLIEST),
            )
            return None
        if len(self._dates) < 100_000:  # decisions share dates; parse each once
            self._dates[text] = value
        return value

    def _money(self, values: dict[str, str | None], reject: Any) -> tuple[str | None, str | None]:
        amount, currency = values["amount"], values["currency"]
        if currency is not None:
            currency = currency.upper()
        if amount is not None:
            normalised = normalise_amount(amount)
            if normalised is None:
                reject(
                    "amount",
                    "invalid_amount",
                    _(
                        "amount '%(amount)s' is not a non-negative decimal like 1500 or 1500.50",
                        amount=amount,
                    ),
                )
            amount = normalised
            if currency is None:
                reject("currency", "missing", _("currency is required when amount is given"))
        elif currency is not None:
            reject("currency", "currency_without_amount", _("currency is given but amount is empty"))
        if currency is not None and not self._known_currency(currency):
            reject(
                "currency",
                "invalid_currency",
                _("currency '%(currency)s' is not an ISO 4217 code", currency=currency),
            )
        return amount, currency

    def _until(
        self, raw: Any, text: str | None, decided_on: date | None, reject: Any
    ) -> tuple[date | None, str | None]:
        if text is None:
            return None, None
        if text in UNTIL_WORDS:
            return None, text.replace("-", "_")
        until = self._date("effective_until", raw, text, reject)
        if until is None:
            return None, None
        if decided_on is not None and until < decided_on:
            reject(
                "effective_until",
                "before_decision",
                _("effective_until %(until)s is before decided_on %(day)s", until=until, day=decided_on),
            )
            return None, None
        return until, "date"

    def _known_country(self, code: str) -> bool:
        if code not in self._countries:
            self._countries[code] = code in _EXTRA_COUNTRIES or (
                len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None
            )
        return self._countries[code]

    def _known_currency(self, code: str) -> bool:
        if code not in self._currencies:
            self._currencies[code] = len(code) == 3 and pycountry.currencies.get(alpha_3=code) is not None
        return self._currencies[code]
