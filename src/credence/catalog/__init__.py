"""The catalog as code: what may be recorded, by whom, on what legal basis, seen by whom and for how long."""

from credence.catalog.loader import Catalog, CatalogError, Problem, load_catalog, parse_catalog, screen_from
from credence.catalog.model import (
    Category,
    Citations,
    Department,
    InformationClass,
    LegalBasis,
    Period,
    Polarity,
    Publicity,
    Severity,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "Category",
    "Citations",
    "Department",
    "InformationClass",
    "LegalBasis",
    "Period",
    "Polarity",
    "Problem",
    "Publicity",
    "Severity",
    "load_catalog",
    "screen_from",
    "parse_catalog",
]
