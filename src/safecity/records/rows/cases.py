"""Case rows."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.records.keys import number_key
from safecity.records.models import Case
from safecity.records.rows.common import Row, RowError, cell, cells, choice, given

CASE_FIELDS = ["kind", "status", "unit", "classification", "summary", "opened_at", "closed_at"]
_CASE_KINDS = {str(v): v for v in Case.Kind} | {
    "hinh su": Case.Kind.CRIMINAL,
    "hanh chinh": Case.Kind.ADMINISTRATIVE,
    "giao thong": Case.Kind.TRAFFIC,
    "mang": Case.Kind.CYBER,
}
_CASE_STATUSES = {str(v): v for v in Case.Status} | {
    "dang dieu tra": Case.Status.OPEN,
    "tam dinh chi": Case.Status.SUSPENDED,
    "da dong": Case.Status.CLOSED,
}


def parse_moment(text: str, column: str) -> datetime | None:
    """A date or an ISO date-time; without an offset it is Vietnam's local time."""
    if not text:
        return None
    try:
        moment = (
            datetime.combine(date.fromisoformat(text), time(0))
            if len(text) == 10
            else datetime.fromisoformat(text)
        )
    except ValueError:
        message = _("%(column)s must be YYYY-MM-DD or ISO 8601.") % {"column": column}
        raise RowError(f"{column}_format", message, column) from None
    if not 1900 <= moment.year <= 2200:
        message = _("%(column)s is out of range.") % {"column": column}
        raise RowError(f"{column}_format", message, column)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def check_case(
    line: int, row: dict[str, Any], *, ward_codes: set[int], units: dict[str, int]
) -> Row:
    number = cell(row, "number", 40)
    key = number_key(number)
    if len(key) < 2:
        raise RowError("number_missing", _("number (the case number) is required."), "number")
    unit_code = cell(row, "unit_code", 40)
    if unit_code not in units:
        message = _("unit_code %(code)r is not a unit.") % {"code": unit_code}
        raise RowError("unit_unknown", message, "unit_code")
    classification_text = cell(row, "classification", 2) or "0"
    if classification_text not in {"0", "1", "2", "3"}:
        raise RowError(
            "classification", _("classification must be 0, 1, 2 or 3."), "classification"
        )
    incidents = cells(row, "incident_ids", 20)
    if any(not i.isdigit() for i in incidents):
        raise RowError("incident_ids", _("incident_ids must be numbers."), "incident_ids")
    opened_at = parse_moment(cell(row, "opened_at", 40), "opened_at")
    closed_at = parse_moment(cell(row, "closed_at", 40), "closed_at")
    fields = {
        "number": number,
        "number_key": key,
        "kind": choice(cell(row, "type", 20), _CASE_KINDS, "type") or Case.Kind.CRIMINAL,
        "status": choice(cell(row, "status", 20), _CASE_STATUSES, "status") or Case.Status.OPEN,
        "unit_id": units[unit_code],
        "classification": int(classification_text),
        "summary": cell(row, "summary", 4000),
        "opened_at": opened_at,  # None: now, for a new case; left alone on an update
        "closed_at": closed_at,
    }
    external_id = cell(row, "external_id", 120) or key
    data = given(
        {
            "number": number,
            "type": fields["kind"],
            "status": fields["status"],
            "unit_code": unit_code,
            "classification": fields["classification"],
            "summary": fields["summary"],
            "opened_at": opened_at.isoformat() if opened_at else "",
            "closed_at": closed_at.isoformat() if closed_at else "",
            "incident_ids": incidents,
        }
    )
    return Row(
        line=line,
        external_id=external_id,
        fields=fields,
        data=data,
        raw=dict(row),
        extra={"incident_ids": [int(i) for i in incidents]},
        match_keys={f"x:{external_id}", f"k:{key}"},
    )
