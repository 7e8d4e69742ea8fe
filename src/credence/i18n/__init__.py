"""Chinese and English: the message catalogs, the language of the work at hand, and numbers and dates in it.

Every string a reader sees is written in English in the code or a template and marked for translation:
`_("...")` in Python and `{{ _("...") }}` or `{% trans %}` in templates (Jinja's i18n extension, new-style
gettext, so `_("%(n)s records", n=5)` formats after translating). The translations are gettext catalogs
(`.po`) under `locale/<language>/LC_MESSAGES/`. A language may have several catalogs, one per area of the
registry (pages, self-service, reports, the command line...), so that work on one area never touches
another's file; they are read and merged once per process, with Babel. `make messages AREA=name` adds the
strings not yet in any catalog to that area's file in both languages; `tests/test_i18n.py` fails while
a marked string is missing from either language or untranslated in Chinese.

The language is a context variable: the web edge sets it per request (the switch on every page, a cookie,
then `Accept-Language`), the command line from the environment (`CREDENCE_LANG`, then `LANGUAGE`,
`LC_ALL`, `LC_MESSAGES`, `LANG`). Code below the edges only calls `_()`.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
"""The languages the registry speaks; the first is the registry's own."""
DEFAULT = "en"
"""The language when nothing asks for one: the code's own, so that an API client or a script that sends no
preference keeps reading what it always read."""
NAMES = {"zh": "中文", "en": "English"}
"""Each language in its own words, for the switch."""
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("credence_language", default=DEFAULT)


def current() -> str:
    """The language of the work at hand."""
    return _current.get()


def set_language(lang: str) -> contextvars.Token[str]:
    return _current.set(lang if lang in LANGUAGES else DEFAULT)


def reset_language(token: contextvars.Token[str]) -> None:
    _current.reset(token)


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Do the work inside in `lang`."""
    token = set_language(lang)
    try:
        yield
    finally:
        _current.reset(token)


def catalog_files(lang: str) -> list[Path]:
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


@cache
def translations(lang: str) -> Translations:
    """Every catalog of `lang`, merged (read once per process)."""
    merged: Translations | None = None
    for path in catalog_files(lang):
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang if lang in LANGUAGES else None)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        read = Translations(fp=buffer)
        if merged is None:
            merged = read  # the first catalog's plural rule (Chinese has one form) is the language's
        else:
            merged.merge(read)
    return merged if merged is not None else Translations()


def _format(text: str, variables: Mapping[str, Any]) -> str:
    return text % variables if variables else text


def gettext(message: str, **variables: Any) -> str:
    """`message` in the current language, with `%(name)s` placeholders filled from `variables`."""
    return _format(translations(current()).gettext(message), variables)


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """The singular or plural form for `n`, in the current language; `%(num)s` is `n`, formatted."""
    variables.setdefault("num", format_number(n))
    return _format(translations(current()).ngettext(singular, plural, n), variables)


_ = gettext


def pick(en: str, zh: str | None) -> str:
    """A text the registry's data holds in both languages (a criterion's `text` and `text_zh`, a measure's
    `title` and `title_zh`, an authority's `label_en` and `label_zh`): the Chinese one when the work at hand
    is in Chinese and there is one, else the English."""
    return zh if current() == "zh" and zh else en


def N_(message: str) -> str:
    """Marks a string for the catalogs where it is defined (a module constant); `_()` translates it where
    it is shown."""
    return message


def format_number(value: int | float) -> str:
    """A count or figure with the current language's grouping: 12,000 in both (Chinese groups in
    thousands too)."""
    return format_decimal(value, locale=_locale(current()))


def format_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the current language: 6 Dec 2026 / 2026年12月6日. ISO dates stay ISO where a machine reads
    them (JSON, CSV); this is for reading."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return _babel_format_date(value, format=style, locale=_locale(current()))


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse({"zh": "zh_Hans_CN", "en": "en_GB"}.get(lang, "en_GB"))


def negotiate(accept_language: str | None) -> str | None:
    """The first of our languages the `Accept-Language` header asks for, by its q-values; None when it asks
    for none of them."""
    if not accept_language:
        return None
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, position, tag.strip().lower()))
    for _q, _position, tag in sorted(wanted):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return None


def from_environment(environ: Mapping[str, str]) -> str:
    """The command line's language: `CREDENCE_LANG`, then the POSIX locale variables (`zh_CN.UTF-8`)."""
    for name in ("CREDENCE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        for choice in value.split(":"):
            primary = choice.split(".")[0].split("_")[0].split("-")[0].lower()
            if primary in LANGUAGES:
                return primary
            if primary in ("c", "posix"):
                return DEFAULT
    return DEFAULT
