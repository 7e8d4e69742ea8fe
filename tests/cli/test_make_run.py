"""`make run` installs what it needs, as `make test` does: the PDF reports it serves need the Debian
packages (Noto CJK fonts, Pango, HarfBuzz) that `system-packages` installs."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def prerequisites(target: str) -> list[str]:
    text = MAKEFILE.read_text("utf-8").replace("\\\n", " ")
    (line,) = re.findall(rf"^{re.escape(target)}:(?!=)(.*)$", text, flags=re.MULTILINE)
    return line.split("#", 1)[0].split()


def test_make_run_installs_the_system_packages() -> None:
    assert "system-packages" in prerequisites("run")
    assert "system-packages" in prerequisites("test-sqlite")  # as the tests do
