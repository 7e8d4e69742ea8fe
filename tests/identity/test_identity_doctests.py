"""The module docstrings of credence.identity are examples; keep them true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from credence.identity import kinds, lei, resident, subject, uscc


@pytest.mark.parametrize("module", [uscc, lei, subject, kinds, resident], ids=lambda m: m.__name__)
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
