from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The accounts tests make many officers and log in often; the production hasher
    (PBKDF2, ~0.2 s a hash) would dominate their run time and prove nothing more here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
