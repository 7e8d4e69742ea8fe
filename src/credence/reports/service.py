"""Issue credit reports and verify them: the one place the edges (CLI, API, web pages) call.

A report is stored as the canonical JSON of what it says and that text's SHA-256, under a random
verification code. Verifying a code answers two questions: is the stored report genuine (its content
still hashes to its fingerprint, which is also printed on the PDF), and is it still current (a report
built today for the same organisation says the same thing, apart from its dates).

A report is issued in the language of the work at hand (the request's, or the command line's): its
headings and labels, and the sentences of its content (reasons, what would change), are in that language,
and the content records it ("language"), so the fingerprint covers what the reader reads. Verifying builds
today's content in the stored report's language, whatever the language of the verifier: a report issued in
Chinese is current when a Chinese report issued today would say the same. The verification code is random
and owes nothing to the language. A report stored before reports had a language was English and has no
"language" field: it is compared with today's English content without one."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, insert, select

from credence import i18n
from credence.catalog import Catalog
from credence.checks.service import CheckService
from credence.clock import Clock, today
from credence.i18n import _
from credence.identity import resolve_subject
from credence.rating.service import RatingService
from credence.reports import content as report_content
from credence.settings import Settings
from credence.store.models import CreditReport, Organisation

reports = cast(Table, CreditReport.__table__)
organisations = cast(Table, Organisation.__table__)

# Crockford's base32: digits and capitals without I, L, O and U, so a code read aloud or typed from paper
# has no look-alikes; I and L are read as 1, O as 0. 16 characters: 80 random bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOOK_ALIKES = {"I": "1", "L": "1", "O": "0"}
CODE_CHARS = 16
GROUP = 4
EXAMPLE = "K7QF-2M9X-4D8R-T1VW"


class ReportNotFound(LookupError):
    """No organisation with a public report (unknown, or a sole proprietor), or no report with a code."""


class MalformedCode(ValueError):
    """A verification code that cannot be one: says which character, or how many there are."""


@dataclass(frozen=True)
class Issued:
    code: str
    content: dict[str, Any]
    pdf_bytes: bytes


@dataclass(frozen=True)
class Verification:
    code: str
    found: bool
    genuine: bool = False  # the stored content still hashes to the fingerprint it was issued with
    current: bool = False  # a report built today says the same thing
    issued_at: datetime | None = None
    as_of: date | None = None
    organisation: dict[str, Any] | None = None  # identifier, name and key, as the report gave them
    content_sha256: str | None = None
    differences: list[str] = field(default_factory=list)
    language: str | None = (
        None  # the language the report was issued in (None: not genuine, or English before)
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "found": self.found,
            "genuine": self.genuine,
            "current": self.current,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "organisation": self.organisation,
            "content_sha256": self.content_sha256,
            "differences": self.differences,
        }


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return "-".join(chars[i : i + GROUP] for i in range(0, CODE_CHARS, GROUP))


def normalise_code(text: str) -> str:
    """The code in its printed form (XXXX-XXXX-XXXX-XXXX), from what a person typed: any case, with or
    without dashes and spaces, I and L for 1, O for 0. Raises MalformedCode."""
    if len(text) > 64:
        raise MalformedCode(
            _("a verification code has %(n)s characters, such as %(example)s", n=CODE_CHARS, example=EXAMPLE)
        )
    chars: list[str] = []
    for position, char in enumerate(text, start=1):
        if char in "- \t":
            continue
        upper = LOOK_ALIKES.get(char.upper(), char.upper())
        if upper not in ALPHABET:
            raise MalformedCode(
                _(
                    "character %(position)s of the verification code is %(char)s: a code has only digits "
                    "and the letters A to Z except U, such as %(example)s",
                    position=position,
                    char=repr(char),
                    example=EXAMPLE,
                )
            )
        chars.append(upper)
    if len(chars) != CODE_CHARS:
        raise MalformedCode(
            _(
                "a verification code has %(n)s characters (dashes aside), such as %(example)s; this has "
                "%(count)s",
                n=CODE_CHARS,
                example=EXAMPLE,
                count=len(chars),
            )
        )
    return "-".join("".join(chars[i : i + GROUP]) for i in range(0, CODE_CHARS, GROUP))


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReportService:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        rating: RatingService,
        checks: CheckService,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.rating = rating
        self.checks = checks
        self.clock = clock
        self.settings = settings

    def today(self) -> date:
        return today(self.clock, self.settings.timezone)

    def organisation(self, code: str) -> Any:
        """The organisations row of a public organisation, by USCC, LEI or key. Raises SubjectError for
        text that is no identifier, ReportNotFound for one the registry holds no public report on."""
        text = code.strip()
        subject = resolve_subject(text.split(":", 1)[1] if ":" in text else text, today=self.today())
        with self.engine.connect() as conn:
            org = conn.execute(select(organisations).where(organisations.c.code == subject.code)).first()
        if org is None or org.never_public:  # a sole proprietor's records are never public: no report
            raise ReportNotFound(_("no organisation %(key)s in the registry", key=subject.key))
        return org

    def content(self, org: Any, language: str | None = None) -> dict[str, Any]:
        """What a report on `org` says today, in `language` (default: the current one), which it records."""
        lang = language if language in i18n.LANGUAGES else i18n.current()
        with i18n.language(lang):
            built = report_content.build(
                self.engine, self.catalog, self.rating, self.checks, org, self.today()
            )
        built["language"] = lang
        return built

    def issue(self, code: str, verify_url: str | None = None) -> Issued:
        """Build, render and store a report on the organisation with this identifier (see organisation()
        for what it raises). verify_url is the site's /verify page, when the edge knows it: the PDF tells
        its reader to check the code there."""
        return self.issue_for(self.organisation(code), verify_url)

    def issue_for(self, org: Any, verify_url: str | None = None) -> Issued:
        """issue() for a public organisation's row already found."""
        from credence.reports.pdf import render  # WeasyPrint loads only when a report is rendered

        issued_at = self.clock.now()
        content = self.content(org)
        content["code"] = new_code()
        content["issued_at"] = issued_at.astimezone(UTC).isoformat(timespec="seconds")
        text = report_content.canonical(content)
        sha256 = fingerprint(text)
        pdf = render(content, sha256, verify_url, self.checks.citations)
        with self.engine.begin() as conn:
            conn.execute(
                insert(reports).values(
                    code=content["code"],
                    organisation_id=org.id,
                    issued_at=issued_at,
                    content_sha256=sha256,
                    content=text,
                )
            )
        return Issued(content["code"], content, pdf)

    def verify(self, verification_code: str) -> Verification:
        """Raises MalformedCode for a code that cannot be one; an unknown code is found=False."""
        code = normalise_code(verification_code)
        with self.engine.connect() as conn:
            row = conn.execute(select(reports).where(reports.c.code == code)).first()
            org = (
                None
                if row is None
                else conn.execute(
                    select(organisations).where(organisations.c.id == row.organisation_id)
                ).first()
            )
        if row is None or org is None:
            return Verification(code, found=False)
        genuine = fingerprint(row.content) == row.content_sha256
        try:
            stored = json.loads(row.content)
        except ValueError:
            stored = None
        if not genuine or not isinstance(stored, dict):
            # Nothing the stored text says can be trusted: name the organisation from its row only.
            who = {"identifier": org.code, "name": org.name, "key": org.key}
            return Verification(code, True, False, False, row.issued_at, None, who, row.content_sha256)
        issued_in = stored.get("language")
        now = self.content(org, issued_in or "en")
        if issued_in is None:  # issued before reports had a language: English, without the field
            del now["language"]
        current = report_content.comparable(stored) == report_content.comparable(now)
        shown = stored.get("organisation", {})
        return Verification(
            code,
            found=True,
            genuine=True,
            current=current,
            issued_at=row.issued_at,
            as_of=date.fromisoformat(stored["as_of"]),
            organisation={k: shown.get(k) for k in ("identifier", "name", "key")},
            content_sha256=row.content_sha256,
            differences=[] if current else report_content.differences(stored, now),
            language=issued_in or "en",
        )
