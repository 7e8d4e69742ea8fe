"""Screening: what the registry refuses in any text, whatever its label (DOMAIN §1).

Prohibited grounds (lexicon.yaml), laws whose subject is one (denied_laws.yaml), a natural person's data,
and religious bodies or trade unions known only by name. `Screen` is the one entry point every path calls:
ingest, the API, the known sources, lists, commitments, objections, and the loaders of catalogs, lists,
measures and templates.
"""

from credence.screening.laws import Citation, DeniedLaws, LawRef, law_key, parse_citations
from credence.screening.lexicon import Ground, Hit, Lexicon, LexiconError, default_lexicon, load_lexicon
from credence.screening.screen import Refusal, Screen

__all__ = [
    "Citation",
    "DeniedLaws",
    "Ground",
    "Hit",
    "LawRef",
    "Lexicon",
    "LexiconError",
    "Refusal",
    "Screen",
    "default_lexicon",
    "law_key",
    "load_lexicon",
    "parse_citations",
]
