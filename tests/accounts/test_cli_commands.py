"""The command line: `safecity token create` prints a token alone on its line (scripts read
it), and `safecity createofficer` makes an officer from a script."""

from __future__ import annotations

import hashlib
import io
import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from safecity.accounts.models import ApiToken, Clearance, Unit, User
from safecity.accounts.services import token_authenticate

TOKEN_LINE = re.compile(r"^sct_[A-Za-z0-9_-]{43}$")
OFFICER_PASSWORD = "nhớ-mật-khẩu-này-2025"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_prints_one_line_that_is_a_working_token(client: Client, minh: User):
    output = _run("token", "create", "--user", "minh")

    lines = output.splitlines()
    assert len(lines) == 1
    assert output == lines[0] + "\n"
    assert TOKEN_LINE.match(lines[0])
    assert token_authenticate(lines[0]) == minh
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {lines[0]}")
    assert me.json()["username"] == "minh"


def test_it_names_and_limits_a_token_from_the_command_line(minh: User):
    _run("token", "create", "--user", "minh", "--name", "tablet", "--days", "7")

    token = ApiToken.objects.get(user=minh)
    assert token.name == "tablet"
    assert abs(token.expires_at - token.created_at - timedelta(days=7)) < timedelta(seconds=5)


def test_it_refuses_a_token_for_an_unknown_user(db: None):
    with pytest.raises(CommandError, match="no user 'khong-ai'"):
        _run("token", "create", "--user", "khong-ai")
    assert not ApiToken.objects.exists()


def test_it_refuses_a_token_for_a_citizen(lan: User):
    with pytest.raises(CommandError):
        _run("token", "create", "--user", "lan")
    assert not ApiToken.objects.exists()


def test_it_revokes_tokens_by_prefix(minh: User):
    raw = _run("token", "create", "--user", "minh").strip()

    output = _run("token", "revoke", "--prefix", raw[:10])

    assert output.strip() == "revoked 1 token(s)"
    assert token_authenticate(raw) is None


def test_it_creates_an_officer_with_a_password_from_stdin(
    station: Unit, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(OFFICER_PASSWORD + "\n"))

    output = _run(
        "createofficer",
        "--username",
        "hung2",
        "--unit",
        station.code,
        "--full-name",
        "Võ Văn Hùng",
        "--badge",
        "CA79-0105",
        "--rank",
        "trung_si",
        "--role",
        "patrol_officer",
        "--role",
        "traffic_officer",
        "--clearance",
        "mat",
        "--password-stdin",
    )

    officer = User.objects.get(username="hung2")
    assert "hung2" in output
    assert officer.kind == User.Kind.OFFICER
    assert officer.unit == station
    assert officer.full_name == "Võ Văn Hùng"
    assert officer.badge_number == "CA79-0105"
    assert officer.rank == "trung_si"
    assert officer.clearance == Clearance.CONFIDENTIAL
    assert sorted(officer.groups.values_list("name", flat=True)) == [
        "patrol_officer",
        "traffic_officer",
    ]
    assert not officer.is_staff
    assert authenticate(username="hung2", password=OFFICER_PASSWORD) == officer


def test_it_refuses_a_weak_password_from_stdin(station: Unit, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("12345\n"))

    with pytest.raises(CommandError):
        _run("createofficer", "--username", "hung2", "--unit", station.code, "--password-stdin")
    assert not User.objects.filter(username="hung2").exists()


def test_it_refuses_an_officer_in_an_unknown_unit(db: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(OFFICER_PASSWORD + "\n"))

    with pytest.raises(CommandError, match="no unit"):
        _run("createofficer", "--username", "hung2", "--unit", "CA79-XXX", "--password-stdin")
    assert not User.objects.filter(username="hung2").exists()


def test_it_refuses_a_taken_username(hung: User, station: Unit, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(OFFICER_PASSWORD + "\n"))

    with pytest.raises(CommandError):
        _run("createofficer", "--username", "hung", "--unit", station.code, "--password-stdin")
    assert User.objects.get(username="hung").unit == station


def test_it_prints_a_token_from_the_installed_safecity_command(tmp_path: Path):
    """GIVEN a fresh data directory, migrated and loaded with the demo by the real `safecity`
    entry point (its own process, its own SQLite file)
    WHEN `safecity token create --user dispatcher` runs
    THEN its last stdout line is the token alone, and that token's hash is what the database
    keeps for the dispatcher."""
    safecity = Path(sys.executable).with_name("safecity")
    data_dir = tmp_path / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SAFECITY_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env["SAFECITY_DATA_DIR"] = str(data_dir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
            [str(safecity), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done

    run("migrate", "--no-input", "-v", "0")
    run("demo")
    done = run("token", "create", "--user", "dispatcher")

    last = done.stdout.splitlines()[-1]
    assert TOKEN_LINE.match(last), done.stdout
    with sqlite3.connect(data_dir / "safecity.sqlite3") as db:
        rows = db.execute(
            "SELECT u.username FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id"
            " WHERE t.token_hash = ?",
            (hashlib.sha256(last.encode()).hexdigest(),),
        ).fetchall()
    assert rows == [("dispatcher",)]
