"""Every environment variable the settings read is documented in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "src" / "safecity" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"env_[a-z]+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))


def test_it_finds_the_knobs_in_settings() -> None:
    names = _variables_read_by_settings()
    # A guard on the guard: if the pattern stopped matching, the next test would pass vacuously.
    assert {"SAFECITY_ENV", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"} <= names
    assert len(names) >= 20


def test_it_documents_every_knob_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in _variables_read_by_settings() if f"`{name}`" not in table)
    assert missing == []
