"""Where a report is and which unit owns it: a citizen's or call-taker's report as given
(``ReportInput``), its place (a point in the province, or a typed address's ward) and the
ward's police station (remembered per ward for a minute)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from safecity.accounts.models import Unit
from safecity.core.errors import Conflict, InvalidInput
from safecity.geography.models import Ward
from safecity.geography.selectors import ward_at


@dataclass(frozen=True)
class ReportInput:
    category: str
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    ward_code: int | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    location_source: str = "pin"


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    ward: Ward | None
    source: str


def locate(data: ReportInput) -> Place:
    """Where the report is: a point (pin or phone) inside the force's province, or a typed
    address with a ward of the province (the ward's label point stands for it)."""
    province = settings.SAFECITY_PROVINCE_CODE
    if data.lat is not None and data.lon is not None:
        ward = ward_at(data.lat, data.lon)
        if ward is None or ward.province_id != province:
            raise InvalidInput(
                _("This location is outside the area this police force covers."),
                code="outside_province",
                fields={"lat": [_("Outside the province.")], "lon": [_("Outside the province.")]},
            )
        source = data.location_source if data.location_source in {"pin", "device"} else "pin"
        return Place(lat=data.lat, lon=data.lon, ward=ward, source=source)
    if data.ward_code is not None and data.address.strip():
        ward = Ward.objects.filter(code=data.ward_code, province_id=province).first()
        if ward is None:
            raise InvalidInput(
                _("Choose a ward of this province."),
                code="outside_province",
                fields={"ward_code": [_("Not a ward of this province.")]},
            )
        if ward.label_lat is None or ward.label_lon is None:
            raise InvalidInput(fields={"ward_code": [_("This ward has no known location.")]})
        return Place(lat=ward.label_lat, lon=ward.label_lon, ward=ward, source="address")
    raise InvalidInput(
        _("Give the location: a point on the map, or an address with its ward."),
        fields={
            "lat": [_("Required unless address and ward_code are given.")],
            "address": [_("Required with ward_code when there is no point.")],
        },
    )


_OWNER_TTL_SECONDS = 60.0
_owners: dict[int | None, tuple[float, Unit]] = {}
_owners_lock = threading.Lock()


def _forget_owners(**_kwargs: Any) -> None:
    with _owners_lock:
        _owners.clear()


# A unit saved or deleted in this process clears the memo at once; other processes see the
# change within the TTL.
post_save.connect(_forget_owners, sender=Unit, dispatch_uid="incidents-owning-unit-save")
post_delete.connect(_forget_owners, sender=Unit, dispatch_uid="incidents-owning-unit-delete")


def owning_unit(ward_code: int | None) -> Unit:
    """The ward's police station, or the force itself where no station covers the ward.

    Remembered per ward for a minute (every report asks; the unit tree rarely changes). The
    returned ``Unit`` is shared; do not change it."""
    now = time.monotonic()
    memo = _owners.get(ward_code)
    if memo is not None and memo[0] > now:
        return memo[1]
    unit = None
    if ward_code is not None:
        unit = Unit.objects.filter(ward_code=ward_code, kind=Unit.Kind.STATION).first()
    if unit is None:
        unit = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    if unit is None:
        raise Conflict(_("No police unit is set up yet (run `safecity units init`)."))
    with _owners_lock:
        _owners[ward_code] = (now + _OWNER_TTL_SECONDS, unit)
    return unit
