"""Settings come from the environment through typed helpers that stop start-up on a bad value,
naming the variable (STYLE.md 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from safecity.core.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    env_url,
)

# --- The helpers, fed explicit environments ------------------------------------------------------


def test_it_reads_booleans_in_the_usual_spellings() -> None:
    assert env_bool("SAFECITY_DEBUG", False, environ={"SAFECITY_DEBUG": "yes"}) is True
    assert env_bool("SAFECITY_DEBUG", True, environ={"SAFECITY_DEBUG": " OFF "}) is False
    assert env_bool("SAFECITY_DEBUG", True, environ={}) is True
    assert env_bool("SAFECITY_DEBUG", True, environ={"SAFECITY_DEBUG": ""}) is True


def test_it_rejects_a_boolean_it_cannot_read_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"SAFECITY_DEBUG='maybe' is not a boolean"):
        env_bool("SAFECITY_DEBUG", False, environ={"SAFECITY_DEBUG": "maybe"})


def test_it_reads_whole_numbers_within_bounds() -> None:
    environ = {"SAFECITY_TOKEN_DAYS": "30"}
    assert env_int("SAFECITY_TOKEN_DAYS", 90, environ=environ, minimum=1, maximum=3650) == 30
    assert env_int("SAFECITY_TOKEN_DAYS", 90, environ={}) == 90


def test_it_rejects_a_number_that_is_not_whole_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"SAFECITY_TOKEN_DAYS='ten'"):
        env_int("SAFECITY_TOKEN_DAYS", 90, environ={"SAFECITY_TOKEN_DAYS": "ten"})
    with pytest.raises(ImproperlyConfigured, match=r"SAFECITY_TOKEN_DAYS='1.5'"):
        env_int("SAFECITY_TOKEN_DAYS", 90, environ={"SAFECITY_TOKEN_DAYS": "1.5"})


def test_it_rejects_a_number_outside_its_bounds_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"SAFECITY_LOGIN_MAX_FAILURES=0 is below"):
        env_int(
            "SAFECITY_LOGIN_MAX_FAILURES",
            5,
            environ={"SAFECITY_LOGIN_MAX_FAILURES": "0"},
            minimum=1,
        )
    with pytest.raises(ImproperlyConfigured, match=r"SAFECITY_LOGIN_MAX_FAILURES=101 is above"):
        env_int(
            "SAFECITY_LOGIN_MAX_FAILURES",
            5,
            environ={"SAFECITY_LOGIN_MAX_FAILURES": "101"},
            maximum=100,
        )


def test_it_reads_a_comma_list_trimming_each_item() -> None:
    environ = {"ALLOWED_HOSTS": "safecity.example, ops.safecity.example"}
    assert env_list("ALLOWED_HOSTS", [], environ=environ) == [
        "safecity.example",
        "ops.safecity.example",
    ]
    assert env_list("ALLOWED_HOSTS", ["localhost"], environ={}) == ["localhost"]


def test_it_rejects_a_comma_list_with_an_empty_item_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"ALLOWED_HOSTS='a,,b' has an empty item"):
        env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "a,,b"})
    with pytest.raises(ImproperlyConfigured, match=r"ALLOWED_HOSTS"):
        env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "safecity.example,"})


def test_it_rejects_a_value_outside_the_choices_naming_the_variable_and_the_choices() -> None:
    assert env_choice("SAFECITY_ENV", "development", ["development", "production"], environ={}) == (
        "development"
    )
    with pytest.raises(ImproperlyConfigured, match=r"SAFECITY_ENV='prod'.*development, production"):
        env_choice(
            "SAFECITY_ENV",
            "development",
            ["development", "production"],
            environ={"SAFECITY_ENV": "prod"},
        )


def test_it_accepts_a_url_with_an_allowed_scheme() -> None:
    environ = {"DATABASE_URL": "postgres://safecity@db/safecity"}
    assert env_url("DATABASE_URL", None, ["postgres"], environ=environ) == (
        "postgres://safecity@db/safecity"
    )
    assert env_url("DATABASE_URL", None, ["postgres"], environ={}) is None


@pytest.mark.parametrize(
    "value", ["mysql://db/safecity", "db.example:5432", "postgres://", "postgres:/db"]
)
def test_it_rejects_a_url_without_an_allowed_scheme_naming_the_variable(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL=.*schemes postgres, sqlite"):
        env_url("DATABASE_URL", None, ["postgres", "sqlite"], environ={"DATABASE_URL": value})


def test_it_returns_the_default_string_unless_the_variable_is_required() -> None:
    assert env_str("SAFECITY_LOG_LEVEL", "INFO", environ={}) == "INFO"
    assert env_str("SAFECITY_LOG_LEVEL", "INFO", environ={"SAFECITY_LOG_LEVEL": " DEBUG "}) == (
        "DEBUG"
    )
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY must be set"):
        env_str("SECRET_KEY", environ={"SECRET_KEY": "   "}, required=True)


def test_it_resolves_a_path_against_the_home_directory(tmp_path: Path) -> None:
    assert env_path("SAFECITY_DATA_DIR", tmp_path / "x", environ={}) == tmp_path / "x"
    home = Path("~").expanduser()
    assert env_path("SAFECITY_DATA_DIR", tmp_path, environ={"SAFECITY_DATA_DIR": "~/sc"}) == (
        (home / "sc").resolve()
    )


# --- Secrets from files --------------------------------------------------------------------------


def test_it_reads_a_secret_from_the_file_named_by_name_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("s3cr3t-from-the-orchestrator\n", encoding="utf-8")
    value = env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)}, required=True)
    assert value == "s3cr3t-from-the-orchestrator"


def test_it_reads_typed_values_from_a_file_too(tmp_path: Path) -> None:
    days = tmp_path / "days"
    days.write_text("45", encoding="utf-8")
    assert env_int("SAFECITY_TOKEN_DAYS", 90, environ={"SAFECITY_TOKEN_DAYS_FILE": str(days)}) == 45


def test_it_refuses_both_name_and_name_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("from-file", encoding="utf-8")
    environ = {"SECRET_KEY": "from-env", "SECRET_KEY_FILE": str(secret)}
    with pytest.raises(ImproperlyConfigured, match=r"either SECRET_KEY or SECRET_KEY_FILE"):
        env_str("SECRET_KEY", environ=environ)


def test_it_names_a_secret_file_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY_FILE=.*nowhere.*cannot be read"):
        env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(missing)})


def test_it_treats_an_empty_secret_file_as_unset(tmp_path: Path) -> None:
    """An empty file (a secret mounted before it was filled in) must not pass as a value."""
    empty = tmp_path / "secret_key"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY must be set"):
        env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(empty)}, required=True)
    assert (
        env_int("SAFECITY_TOKEN_DAYS", 90, environ={"SAFECITY_TOKEN_DAYS_FILE": str(empty)}) == 90
    )


# --- The settings module, imported fresh in a child process -----------------------------------

_OURS = ("SAFECITY_", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "CSRF_")


def _import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Set up Django with ``env`` on top of a clean environment (none of our variables)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    base.update(DJANGO_SETTINGS_MODULE="safecity.settings", SAFECITY_DATA_DIR=str(tmp_path))
    base.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import django; django.setup(); print('ready')"],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_starts_in_development_with_nothing_set(tmp_path: Path) -> None:
    """The control for the failures below: the same child process succeeds without them."""
    result = _import_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ready"


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, SAFECITY_ENV="production", ALLOWED_HOSTS="safecity.example")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set." in result.stderr
    assert "ready" not in result.stdout


def test_it_refuses_an_unknown_environment_name(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, SAFECITY_ENV="bogus")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SAFECITY_ENV='bogus' must be one of" in result.stderr


def test_it_refuses_a_database_it_does_not_support(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, DATABASE_URL="mysql://x")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL='mysql://x' is not a URL" in result.stderr
