"""Factories for the people and units the tests talk about (STYLE.md: named people — a
citizen Lan, a dispatcher Minh, a patrol officer Hùng)."""

from __future__ import annotations

import itertools
from typing import Any

from safecity.accounts import services
from safecity.accounts.models import Clearance, Unit, User

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def unit(
    *,
    name: str = "",
    kind: str = Unit.Kind.STATION,
    parent: Unit | None = None,
    city_wide: bool = False,
    code: str = "",
    **kwargs: Any,
) -> Unit:
    number = next(_seq)
    return services.unit_create(
        code=code or f"U{number:05d}",
        name=name or f"Unit {number}",
        kind=kind,
        parent=parent,
        city_wide=city_wide,
        **kwargs,
    )


def force() -> Unit:
    """The city police: a city-wide root."""
    return unit(name="Công an Thành phố Hồ Chí Minh", kind=Unit.Kind.FORCE, city_wide=True)


def officer(
    *,
    username: str = "",
    unit_: Unit | None = None,
    roles: list[str] | None = None,
    clearance: int = Clearance.UNCLASSIFIED,
    password: str = PASSWORD,
    full_name: str = "",
    **kwargs: Any,
) -> User:
    number = next(_seq)
    return services.officer_create(
        username=username or f"officer{number}",
        password=password,
        unit=unit_ or unit(),
        roles=roles or [],
        clearance=clearance,
        full_name=full_name or f"Officer {number}",
        **kwargs,
    )


def citizen(*, username: str = "", password: str = PASSWORD, full_name: str = "") -> User:
    number = next(_seq)
    return services.citizen_create(
        username=username or f"citizen{number}",
        password=password,
        full_name=full_name or f"Citizen {number}",
    )
