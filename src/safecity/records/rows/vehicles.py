"""Vehicle and phone rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import phonenumbers
from django.utils.translation import gettext as _
from phonenumbers import carrier as phone_carrier

from safecity.records.keys import number_key, plate_keys
from safecity.records.models import Phone, Vehicle
from safecity.records.rows.common import Row, RowError, cell, choice, e164, given, owner_cccd

VEHICLE_FIELDS = [
    "plate",
    "plate_key",
    "plate_lookalike",
    "plate_kind",
    "kind",
    "brand",
    "model",
    "colour",
    "chassis_number",
    "engine_number",
    "registration",
]
_VEHICLE_KINDS = {
    "car": Vehicle.Kind.CAR,
    "o to": Vehicle.Kind.CAR,
    "oto": Vehicle.Kind.CAR,
    "xe hoi": Vehicle.Kind.CAR,
    "motorbike": Vehicle.Kind.MOTORBIKE,
    "motorcycle": Vehicle.Kind.MOTORBIKE,
    "xe may": Vehicle.Kind.MOTORBIKE,
    "mo to": Vehicle.Kind.MOTORBIKE,
    "moped": Vehicle.Kind.MOPED,
    "truck": Vehicle.Kind.TRUCK,
    "xe tai": Vehicle.Kind.TRUCK,
    "bus": Vehicle.Kind.BUS,
    "xe khach": Vehicle.Kind.BUS,
    "trailer": Vehicle.Kind.TRAILER,
    "ro mooc": Vehicle.Kind.TRAILER,
    "other": Vehicle.Kind.OTHER,
}
_KIND_FROM_PLATE = {
    "car": Vehicle.Kind.CAR,
    "motorbike": Vehicle.Kind.MOTORBIKE,
    "under_50cc": Vehicle.Kind.MOPED,
}
_REGISTRATIONS = {
    "registered": Vehicle.Registration.REGISTERED,
    "da dang ky": Vehicle.Registration.REGISTERED,
    "temporary": Vehicle.Registration.TEMPORARY,
    "tam thoi": Vehicle.Registration.TEMPORARY,
    "revoked": Vehicle.Registration.REVOKED,
    "thu hoi": Vehicle.Registration.REVOKED,
    "deregistered": Vehicle.Registration.DEREGISTERED,
}


def check_vehicle(
    line: int, row: dict[str, Any], *, ward_codes: set[int], units: dict[str, int]
) -> Row:
    typed = cell(row, "plate", 20)
    keys = plate_keys(typed) if typed else None
    if keys is None:
        message = _("%(text)r is not a Vietnamese plate.") % {"text": typed}
        raise RowError("plate_invalid", message, "plate")
    kind = choice(cell(row, "kind", 20), _VEHICLE_KINDS, "kind") or str(
        _KIND_FROM_PLATE.get(keys.kind, "")
    )
    fields = {
        "plate": keys.display,
        "plate_key": keys.key,
        "plate_lookalike": keys.lookalike,
        "plate_kind": keys.kind,
        "kind": kind,
        "brand": cell(row, "brand", 60),
        "model": cell(row, "model", 60),
        "colour": cell(row, "color", 40),
        "chassis_number": number_key(cell(row, "chassis", 40))[:30],
        "engine_number": number_key(cell(row, "engine", 40))[:30],
        "registration": choice(cell(row, "status", 20), _REGISTRATIONS, "status"),
    }
    external_id = cell(row, "external_id", 120) or keys.key
    data = given({k: v for k, v in fields.items() if k not in {"plate_key", "plate_lookalike"}})
    out = Row(
        line=line,
        external_id=external_id,
        fields=fields,
        data=data,
        raw=dict(row),
        match_keys={f"x:{external_id}", f"p:{keys.key}"},
    )
    owner_cccd(out, cell(row, "owner_cccd", 30))
    if "owner_cccd" in out.extra:
        out.data["owner_cccd"] = out.extra["owner_cccd"]
    return out


# --- Phones ---------------------------------------------------------------------------------------

PHONE_FIELDS = ["kind", "carrier", "note"]
# ``phonenumbers`` names the 087 range Vinaphone; it is the iTel network (DOMAIN.md).
CARRIER_OVERRIDES = {"+8487": "iTel"}
_PHONE_KINDS = {
    phonenumbers.PhoneNumberType.MOBILE: Phone.Kind.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE: Phone.Kind.LANDLINE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE: Phone.Kind.PREMIUM,
}


_DETAILS_BY_PREFIX: dict[str, tuple[str, str]] = {}


def _details(number: str) -> tuple[str, str]:
    parsed = phonenumbers.parse(number)
    kind = _PHONE_KINDS.get(phonenumbers.number_type(parsed), Phone.Kind.OTHER)
    carrier = next(
        (name for prefix, name in CARRIER_OVERRIDES.items() if number.startswith(prefix)),
        phone_carrier.name_for_number(parsed, "en"),
    )
    return str(kind), carrier


def phone_details(number: str) -> tuple[str, str]:
    """(kind, carrier) of an E.164 number. Both follow from the first digits (a Vietnamese
    mobile range is one carrier's), so they are remembered per prefix (+84 and three digits)."""
    found = _DETAILS_BY_PREFIX.get(number[:6])
    if found is None:
        found = _DETAILS_BY_PREFIX[number[:6]] = _details(number)
    return found


def phone_values(number: str, *, now: datetime) -> dict[str, Any]:
    kind, carrier = phone_details(number)
    return {
        "number": number,
        "kind": kind,
        "carrier": carrier,
        "note": "",
        "classification": 0,
        "created_at": now,
    }


def check_phone(
    line: int, row: dict[str, Any], *, ward_codes: set[int], units: dict[str, int]
) -> Row:
    typed = cell(row, "number", 30) or cell(row, "phone", 30)
    number = e164(typed) if typed else None
    if number is None:
        message = _("%(text)r is not a valid phone number.") % {"text": typed}
        raise RowError("phone_invalid", message, "number")
    kind, carrier = phone_details(number)
    fields = {
        "number": number,
        "kind": kind,
        "carrier": cell(row, "carrier", 40) or carrier,
        "note": cell(row, "note", 300),
    }
    external_id = cell(row, "external_id", 120) or number
    out = Row(
        line=line,
        external_id=external_id,
        fields=fields,
        data=given(dict(fields)),
        raw=dict(row),
        match_keys={f"x:{external_id}", f"n:{number}"},
    )
    owner_cccd(out, cell(row, "owner_cccd", 30))
    if "owner_cccd" in out.extra:
        out.data["owner_cccd"] = out.extra["owner_cccd"]
    return out
