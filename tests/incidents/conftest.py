"""HCMC as the incidents tests see it: the 2025 wards with their boundaries and the force's unit
tree with one police station per ward, loaded once per module.

Modules opt in by asking for ``hcmc``. Nothing here overrides the root fixtures (``minh``,
``station`` …): a module that needs an officer on a real ward station says so itself, and a
transactional module (live delivery) must not ask for ``hcmc`` at all, because the load sits
in a transaction that stays open for the whole module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from safecity.accounts.models import Unit
from safecity.demo import units_load
from safecity.geography.models import Ward
from safecity.geography.selectors import ward_locator_reset
from safecity.geography.services import geography_load

HCMC = 79


@dataclass(frozen=True)
class Hcmc:
    force: Unit
    command_centre: Unit

    def ward(self, name: str) -> Ward:
        return Ward.objects.get(province_id=HCMC, name=name)

    def station(self, ward_name: str) -> Unit:
        """The police station of the ward called ``ward_name``."""
        return Unit.objects.get(kind=Unit.Kind.STATION, ward_code=self.ward(ward_name).code)

    def point(self, ward_name: str) -> tuple[float, float]:
        """A point inside the ward (its label point)."""
        ward = self.ward(ward_name)
        assert ward.label_lat is not None and ward.label_lon is not None
        return ward.label_lat, ward.label_lon


@pytest.fixture(scope="module")
def _hcmc_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Unit]]:
    """Divisions, boundaries and units, loaded once for the module inside a transaction rolled
    back after it (each test's own changes roll back to a savepoint within it)."""
    ward_locator_reset()
    with django_db_blocker.unblock(), transaction.atomic():
        geography_load()
        units = units_load(say=lambda _message: None)
        yield units
        transaction.set_rollback(True)
    ward_locator_reset()  # the boundaries went with the transaction


@pytest.fixture
def hcmc(_hcmc_loaded: dict[str, Unit], db: None) -> Hcmc:
    return Hcmc(force=_hcmc_loaded[""], command_centre=_hcmc_loaded["TTCH"])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Officers are made in many tests here; PBKDF2 would dominate the run and prove nothing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
