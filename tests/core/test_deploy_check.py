"""A production configuration passes Django's deployment checklist with no warning at all."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

_OURS = ("SAFECITY_", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "CSRF_")


def _safecity(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``safecity`` command (the one operators run) in a child process, on a
    clean environment plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    base.update(SAFECITY_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [str(Path(sys.executable).with_name("safecity")), *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _production(**extra: str) -> dict[str, str]:
    return {
        "SAFECITY_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64)[:60],
        "ALLOWED_HOSTS": "safecity.example",
        **extra,
    }


def test_it_passes_the_deployment_checklist_in_production(tmp_path: Path) -> None:
    result = _safecity(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_it_fails_the_checklist_when_https_is_switched_off(tmp_path: Path) -> None:
    """The control: the same check does fail a weakened configuration."""
    result = _safecity(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **_production(SAFECITY_HTTPS="false"),
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr  # SECURE_SSL_REDIRECT off
    assert "security.W004" in result.stderr  # no HSTS
