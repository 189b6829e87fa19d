"""A person's row: checked, turned into columns and search keys, applied to a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from safecity.core.identifiers import cccd_normalise
from safecity.core.text import fold
from safecity.records.keys import name_fold, name_key, name_tokens, person_keys
from safecity.records.models import Person
from safecity.records.rows.common import (
    Row,
    RowError,
    cell,
    cells,
    checked_cccd,
    checked_phones,
    given,
    parse_birth,
    parse_gender,
    ward_code,
)

PERSON_UPDATE_FIELDS = [
    "full_name",
    "aliases",
    "name_key",
    "name_fold",
    "given_key",
    "given_fold",
    "search_doc",
    "cccd",
    "old_id",
    "birth_date",
    "birth_year",
    "gender",
    "nationality",
    "permanent_address",
    "permanent_ward",
    "temporary_address",
    "temporary_ward",
    "photo",
    "updated_at",
]


def check_person(
    line: int, row: dict[str, Any], *, ward_codes: set[int], units: dict[str, int]
) -> Row:
    full_name = cell(row, "full_name", 150)
    if not any(ch.isalpha() for ch in full_name):
        raise RowError("name_missing", _("full_name is required."), "full_name")
    aliases = [a for a in cells(row, "aliases", 150) if a != full_name]
    birth, year = parse_birth(cell(row, "birth_date", 20))
    gender = parse_gender(cell(row, "gender", 30))
    cccd = checked_cccd(cell(row, "cccd", 30), birth=birth, year=year, gender=gender)
    old_id = cccd_normalise(cell(row, "old_id", 20))
    if old_id and (len(old_id) != 9 or not old_id.isdigit()):
        raise RowError("old_id_format", _("old_id must be 9 digits."), "old_id")
    nationality = (cell(row, "nationality", 20) or "VN").upper()
    if fold(nationality) in {"viet nam", "vietnam"}:
        nationality = "VN"
    if len(nationality) != 2 or not nationality.isalpha():
        raise RowError(
            "nationality", _("nationality must be a 2-letter country code."), "nationality"
        )
    permanent_ward = ward_code(cell(row, "ward_code", 10), "ward_code", ward_codes)
    temporary_ward = ward_code(
        cell(row, "temporary_ward_code", 10), "temporary_ward_code", ward_codes
    )
    phones = checked_phones(cells(row, "phone", 30), "phone")
    fields = {
        "full_name": full_name,
        "aliases": aliases,
        "cccd": cccd,
        "old_id": old_id,
        "birth_date": birth,
        "birth_year": year,
        "gender": gender,
        "nationality": nationality,
        "permanent_address": cell(row, "permanent_address", 300),
        "permanent_ward_id": permanent_ward,
        "temporary_address": cell(row, "temporary_address", 300),
        "temporary_ward_id": temporary_ward,
        "photo": cell(row, "photo", 300),
    }
    external_id = cell(row, "external_id", 120)
    if not external_id:
        if cccd:
            external_id = cccd
        elif old_id:
            external_id = f"cmnd:{old_id}"
        else:
            external_id = f"{name_fold(full_name)}|{birth.isoformat() if birth else year or ''}"
    data = given(
        {
            **{k: v for k, v in fields.items() if not k.endswith("_id")},
            "birth_date": birth.isoformat() if birth else (str(year) if year else ""),
            "nationality": nationality if nationality != "VN" else "",
            "ward_code": permanent_ward,
            "temporary_ward_code": temporary_ward,
            "phones": phones,
        }
    )
    keys = {f"x:{external_id[:120]}"} | ({f"c:{cccd}"} if cccd else set())
    return Row(
        line=line,
        external_id=external_id[:120],
        fields=fields,
        data=data,
        raw=dict(row),
        extra={"phones": phones},
        match_keys=keys,
    )


def set_person_keys(person: Person) -> None:
    keys = person_keys(
        person.full_name,
        person.aliases or (),
        birth_year=person.birth_year,
        gender=person.gender,
        ward_codes=(person.permanent_ward_id, person.temporary_ward_id),
    )
    person.name_key = keys.name_key
    person.name_fold = keys.name_fold
    person.given_key = keys.given_key
    person.given_fold = keys.given_fold
    person.search_doc = keys.search_doc


def person_values(row: Row, *, now: datetime) -> dict[str, Any]:
    """A new person's column values (attribute names), search keys included."""
    fields = row.fields
    keys = person_keys(
        fields["full_name"],
        fields["aliases"],
        birth_year=fields["birth_year"],
        gender=fields["gender"],
        ward_codes=(fields["permanent_ward_id"], fields["temporary_ward_id"]),
    )
    return {
        **fields,
        "name_key": keys.name_key,
        "name_fold": keys.name_fold,
        "given_key": keys.given_key,
        "given_fold": keys.given_fold,
        "search_doc": keys.search_doc,
        "classification": 0,
        "merged_into_id": None,
        "created_at": now,
        "updated_at": now,
    }


def person_object(row: Row, *, now: datetime) -> Person:
    return Person(**person_values(row, now=now))


def person_update(person: Person, row: Row, *, now: datetime) -> None:
    """Apply a row's non-empty values to a person. A different full name keeps the old one as
    an alias, so the person is still found by what every source called them."""
    values = row.fields
    aliases = list(person.aliases or [])
    new_name = values["full_name"]
    # The same name in another spelling ("Hòa" for "Hoà") is not another name.
    if new_name and name_key(new_name) != name_key(person.full_name):
        if person.full_name and person.full_name not in aliases:
            aliases.append(person.full_name)
        person.full_name = new_name
    for alias in values["aliases"]:
        if alias not in aliases:
            aliases.append(alias)
    person.aliases = [a for a in aliases if a != person.full_name]
    for name, value in values.items():
        if name in {"full_name", "aliases"} or value in ("", None):
            continue
        if name == "nationality" and value == "VN" and person.nationality:
            continue  # the default, not something the source said
        setattr(person, name, value)
    year, known = values["birth_year"], person.birth_date
    if values["birth_date"] is None and year and known and known.year != year:
        person.birth_date = None  # a source's year disagrees with the older full date
    person.updated_at = now
    set_person_keys(person)


def person_words(person: Person) -> list[str]:
    return name_tokens(person.full_name, person.aliases or ())
