"""The catalogs' upkeep: which strings the code marks, which of them a language lacks, and adding the missing
ones to an area's catalog (`make messages AREA=name`, or `python -m credence.i18n.catalogs name`).

Extraction is Babel's, with Jinja's extractor for the templates; nothing here parses code by hand.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from credence.i18n import LANGUAGES, LOCALE_DIR, catalog_files

SOURCE = Path(__file__).resolve().parents[1]
"""The package's source: every module and template under it is read for marked strings."""
METHODS = [
    ("**/i18n/**.py", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**/templates/**.svg", "jinja2.ext:babel_extract"),
]
OPTIONS = {
    "**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"},
    "**/templates/**.svg": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"},
}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


@dataclass(frozen=True)
class Marked:
    msgid: str | tuple[str, str]
    where: str

    @property
    def key(self) -> str:
        return self.msgid[0] if isinstance(self.msgid, tuple) else self.msgid


def marked(source: Path = SOURCE) -> list[Marked]:
    """Every string the code and templates mark for translation, with where it is (file:line)."""
    found = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(source), METHODS, OPTIONS, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            msgid: str | tuple[str, str] = (message[0], message[1])
        else:
            msgid = message
        if msgid and (msgid[0] if isinstance(msgid, tuple) else msgid):
            found.append(Marked(msgid, f"{filename}:{lineno}"))
    return found


def read(lang: str) -> dict[str, tuple[Path, Catalog]]:
    """Every message of a language's catalogs, by msgid, with the file that holds it."""
    held: dict[str, tuple[Path, Catalog]] = {}
    for path in catalog_files(lang):
        with path.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id:
                key = message.id[0] if isinstance(message.id, tuple | list) else message.id
                held.setdefault(key, (path, catalog))
    return held


def missing(lang: str, strings: Iterable[Marked] | None = None) -> list[Marked]:
    """The marked strings no catalog of `lang` holds."""
    held = read(lang)
    seen: set[str] = set()
    out = []
    for m in strings if strings is not None else marked():
        if m.key not in held and m.key not in seen:
            seen.add(m.key)
            out.append(m)
    return out


def add_missing(area: str, paths: Iterable[str] = ()) -> dict[str, int]:
    """Adds every marked string that a language lacks to `locale/<lang>/LC_MESSAGES/<area>.po`, untranslated;
    returns how many each language gained. `paths` (relative to the package, e.g. `web/templates/search.html`
    or `web/selfservice`) limits it to the strings of those files. Translate the Chinese ones by hand
    (English needs none: an empty translation is the English itself)."""
    prefixes = tuple(paths)
    strings = [m for m in marked() if not prefixes or m.where.startswith(prefixes)]
    added = {}
    for lang in LANGUAGES:
        lacking = missing(lang, strings)
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{area}.po"
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f)
        else:
            catalog = Catalog(
                locale=lang,
                domain=area,
                project="Credence",
                copyright_holder="the Credence authors",
                fuzzy=False,
            )
        for m in lacking:
            filename, line = m.where.rsplit(":", 1)
            empty = "" if isinstance(m.msgid, str) else ("", "")
            catalog.add(m.msgid, empty, locations=[(filename, int(line))])
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=110, omit_header=False, sort_output=False, include_lineno=False)
        added[lang] = len(lacking)
    return added


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    if len(sys.argv) < 2:
        sys.exit("usage: python -m credence.i18n.catalogs AREA [PATH ...]  (paths relative to src/credence)")
    for lang, n in add_missing(sys.argv[1], sys.argv[2:]).items():
        print(f"{lang}: {n} strings added to {sys.argv[1]}.po")
