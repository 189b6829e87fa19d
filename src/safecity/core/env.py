"""Typed readers for settings that come from the environment.

Every knob SafeCity has is read through one of these helpers so that a bad value stops the
process at start-up with a message naming the variable, instead of surprising someone at 3 a.m.
A secret may also be given as ``NAME_FILE`` (a path whose contents are the value), the usual way
container platforms hand out secrets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    file_path = environ.get(f"{name}_FILE")
    if value is not None and file_path is not None:
        raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both.")
    if file_path is not None:
        try:
            value = Path(file_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(
    name: str,
    default: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    required: bool = False,
) -> str | None:
    value = _raw(name, environ)
    if value is None:
        if required:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no).")


def env_int(
    name: str,
    default: int,
    *,
    environ: Mapping[str, str] | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}.")
    return number


def env_list(
    name: str, default: Sequence[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item in its comma list.")
    return items


def env_choice(
    name: str, default: str, choices: Sequence[str], *, environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value


def env_path(name: str, default: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    value = _raw(name, environ)
    return (Path(value) if value is not None else default).expanduser().resolve()


def env_url(
    name: str,
    default: str | None,
    schemes: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    value = _raw(name, environ)
    if value is None:
        return default
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in schemes or not rest:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a URL with one of the schemes {', '.join(schemes)}."
        )
    return value


_RATE = re.compile(r"^[1-9][0-9]*/(s|m|h|d)$")


def env_rate(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """A request rate such as ``60/m`` (per second, minute, hour or day)."""
    value = _raw(name, environ)
    if value is None:
        return default
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate like 60/m (s, m, h or d).")
    return value


def env_duplicate_rules(
    name: str, default: str, *, environ: Mapping[str, str] | None = None
) -> dict[str, tuple[int, int]]:
    """``"fire=300/60,traffic_accident=150/30"`` → ``{"fire": (300, 60), ...}`` (metres,
    minutes). A category left out never absorbs reports into an open incident."""
    value = _raw(name, environ) or default
    rules: dict[str, tuple[int, int]] = {}
    for item in value.split(","):
        category, _eq, spec = item.strip().partition("=")
        metres, _slash, minutes = spec.partition("/")
        if not (category and metres.isdigit() and minutes.isdigit()):
            raise ImproperlyConfigured(
                f"{name}: {item.strip()!r} is not category=metres/minutes (e.g. fire=300/60)."
            )
        rules[category] = (int(metres), int(minutes))
    return rules
