"""One record's values as they arrive (an import row, an officer's form), checked and turned
into model fields, the source record's values and the search keys. Shared by the import and
the services, so a value is accepted or refused the same way whichever way it came in.

Columns (CSV header or JSON keys; others can be mapped with ``--map``):
  person   full_name*, aliases (a|b), cccd, old_id, birth_date (YYYY-MM-DD, DD/MM/YYYY or YYYY),
           gender (male/female, nam/nữ), nationality (VN), permanent_address, ward_code,
           temporary_address, temporary_ward_code, phone (a|b), photo, external_id
  vehicle  plate*, kind, brand, model, color, chassis, engine, status, owner_cccd, external_id
  phone    number*, carrier, note, owner_cccd, external_id
  case     number*, unit_code*, type, status, classification (0–3), summary, opened_at,
           closed_at, incident_ids (a|b), external_id
"""

from __future__ import annotations

from collections.abc import Callable

from safecity.records.rows.cases import CASE_FIELDS, check_case, parse_moment
from safecity.records.rows.common import Row, RowError, rename_columns, source_name
from safecity.records.rows.persons import (
    PERSON_UPDATE_FIELDS,
    check_person,
    person_object,
    person_update,
    person_values,
    person_words,
    set_person_keys,
)
from safecity.records.rows.vehicles import (
    PHONE_FIELDS,
    VEHICLE_FIELDS,
    check_phone,
    check_vehicle,
    phone_details,
    phone_values,
)

Check = Callable[..., Row]
CHECKS: dict[str, Check] = {
    "person": check_person,
    "vehicle": check_vehicle,
    "phone": check_phone,
    "case": check_case,
}

__all__ = [
    "CASE_FIELDS",
    "CHECKS",
    "PERSON_UPDATE_FIELDS",
    "PHONE_FIELDS",
    "VEHICLE_FIELDS",
    "Row",
    "RowError",
    "parse_moment",
    "person_object",
    "person_update",
    "person_values",
    "person_words",
    "phone_details",
    "phone_values",
    "rename_columns",
    "set_person_keys",
    "source_name",
]
