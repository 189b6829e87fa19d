"""The records search: what was typed is read every way it can be (``records.query``), each
reading is looked up in tiers, and the hits are ranked:

  100 exact identifier (CCCD, old ID, plate, phone, case, chassis or engine number)
   98 plate after look-alike resolution ("5IF12345" → 51F-123.45); 96 same look-alike key
   94 person linked to the phone typed
   90 exact name (case and tone placement ignored: "hoà" = "hòa"); 88 an alias so
   80 name without diacritics ("nguyen van an"); 78 an alias so
   76/72 given name alone, exact / without diacritics (with a birth year it narrows)
   68/64 every word typed is in the name or an alias, any order (given name last / anywhere)
   55 one typo away
   70 case number prefix; 64 organisation name containing the words

A birth year typed with a name ("An 1990") must match. Results the officer may not see
(clearance, scope) are never fetched, so they are not counted either. This module reads only;
``records.lookups.search`` adds the purpose check and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.conf import settings
from django.db.models import Q, QuerySet

from safecity.core.identifiers import lookalike_key
from safecity.records import selectors
from safecity.records.backends import SearchBackend, backend_for
from safecity.records.keys import GENDER_TOKENS, name_fold, name_key, ward_token, year_token
from safecity.records.models import Case, Organisation, Person, Role, Vehicle
from safecity.records.query import ParsedQuery, parse

KINDS = ("person", "vehicle", "phone", "case", "organisation")
_KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}
_PERSON_FIELDS = (
    "id",
    "full_name",
    "aliases",
    "cccd",
    "birth_year",
    "name_key",
    "name_fold",
    "given_key",
    "given_fold",
)
_TOKEN_CANDIDATES = 300


@dataclass(frozen=True)
class SearchFilters:
    ward: int | None = None
    birth_year_from: int | None = None
    birth_year_to: int | None = None
    gender: str = ""

    @property
    def persons_only(self) -> bool:
        """Birth year and gender describe persons: other kinds are left out."""
        return bool(self.birth_year_from or self.birth_year_to or self.gender)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class Hit:
    kind: str
    id: int
    label: str
    score: float
    match: str
    cccd: str | None = None
    plate: str | None = None
    number: str | None = None
    birth_year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class _Hits:
    limit: int
    found: dict[tuple[str, int], Hit] = field(default_factory=dict)

    def add(self, hit: Hit) -> None:
        key = (hit.kind, hit.id)
        if key not in self.found or self.found[key].score < hit.score:
            self.found[key] = hit

    def full_at(self, score: float) -> bool:
        """Already ``limit`` hits scoring at least ``score``: lower tiers cannot place."""
        return sum(1 for h in self.found.values() if h.score >= score) >= self.limit

    def ranked(self) -> list[Hit]:
        hits = sorted(
            self.found.values(), key=lambda h: (-h.score, _KIND_ORDER.get(h.kind, 9), h.id)
        )
        return hits[: self.limit]


def _person_hit(row: dict[str, Any], score: float, match: str) -> Hit:
    return Hit(
        kind="person",
        id=row["id"],
        label=row["full_name"],
        score=score,
        match=match,
        cccd=row["cccd"],
        birth_year=row["birth_year"],
    )


def _person_filter(filters: SearchFilters) -> Q:
    query = Q()
    if filters.ward:
        query &= Q(permanent_ward_id=filters.ward) | Q(temporary_ward_id=filters.ward)
    if filters.birth_year_from:
        query &= Q(birth_year__gte=filters.birth_year_from)
    if filters.birth_year_to:
        query &= Q(birth_year__lte=filters.birth_year_to)
    if filters.gender:
        query &= Q(gender=filters.gender)
    return query


def _persons(
    user: Any, parsed: ParsedQuery, filters: SearchFilters, hits: _Hits, backend: SearchBackend
) -> None:
    base = selectors.persons_visible(user).filter(_person_filter(filters))
    limit = hits.limit

    def take(rows: Iterable[dict[str, Any]], score: float, match: str) -> None:
        for row in rows:
            hits.add(_person_hit(row, score, match))

    if parsed.cccd:
        take(base.filter(cccd=parsed.cccd).values(*_PERSON_FIELDS)[:limit], 100, "cccd")
    if parsed.old_id:
        take(base.filter(old_id=parsed.old_id).values(*_PERSON_FIELDS)[:limit], 100, "old_id")
    if parsed.phone:
        linked = base.filter(
            links__phone__number=parsed.phone, links__role__in=(Role.SUBSCRIBER, Role.USER)
        ).distinct()
        take(linked.values(*_PERSON_FIELDS)[:limit], 94, "phone")
    if not parsed.words:
        return
    named = base.filter(birth_year=parsed.birth_year) if parsed.birth_year else base
    take(named.filter(name_key=parsed.name_key).values(*_PERSON_FIELDS)[:limit], 90, "name")
    if not hits.full_at(90):
        rows = named.filter(name_fold=parsed.name_fold).values(*_PERSON_FIELDS)[:limit]
        take(rows, 80, "name_folded")
    if len(parsed.words) == 1 and not hits.full_at(80):
        rows = named.filter(given_key=parsed.name_key).values(*_PERSON_FIELDS)[:limit]
        take(rows, 76, "given_name")
        if not hits.full_at(76):
            rows = named.filter(given_fold=parsed.name_fold).values(*_PERSON_FIELDS)[:limit]
            take(rows, 72, "given_name_folded")
    if not hits.full_at(72):
        _person_tokens(parsed, filters, named, hits, backend)
    if not hits.full_at(64):
        ids = backend.person_ids_near_name(parsed.words, limit=limit * 2)
        rows = named.filter(id__in=ids).values(*_PERSON_FIELDS)
        order = {pk: i for i, pk in enumerate(ids)}
        take(sorted(rows, key=lambda r: order[r["id"]])[:limit], 55, "one_typo")


def _person_tokens(
    parsed: ParsedQuery,
    filters: SearchFilters,
    named: QuerySet[Person],
    hits: _Hits,
    backend: SearchBackend,
) -> None:
    """Every typed word in the name or an alias, in any order; the filters that are words of
    the search document go into the text query, so the cap applies after them."""
    words = list(parsed.words)
    if parsed.birth_year:
        words.append(year_token(parsed.birth_year))
    if filters.ward:
        words.append(ward_token(filters.ward))
    if filters.gender in GENDER_TOKENS:
        words.append(GENDER_TOKENS[filters.gender])
    ids = backend.person_ids_with_tokens(words, limit=_TOKEN_CANDIDATES)
    if not ids:
        return
    last = parsed.words[-1]
    for row in named.filter(id__in=ids).values(*_PERSON_FIELDS):
        score, match = (68, "words_given") if row["given_fold"] == last else (64, "words")
        for alias in row["aliases"] or ():
            if name_key(alias) == parsed.name_key:
                score, match = 88, "alias"
                break
            if name_fold(alias) == parsed.name_fold:
                score, match = max(score, 78), "alias_folded"
        hits.add(_person_hit(row, score, match))


def _vehicle_label(vehicle: Vehicle) -> str:
    details = " ".join(p for p in (vehicle.brand, vehicle.model, vehicle.colour) if p)
    return f"{vehicle.plate} · {details}" if details else vehicle.plate


def _vehicles(user: Any, parsed: ParsedQuery, hits: _Hits) -> None:
    visible = selectors.vehicles_visible(user)
    limit = hits.limit

    def take(rows: Iterable[Vehicle], score: float, match: str) -> None:
        for v in rows:
            hits.add(
                Hit(
                    kind="vehicle",
                    id=v.pk,
                    label=_vehicle_label(v),
                    score=score,
                    match=match,
                    plate=v.plate,
                )
            )

    for reading in parsed.plates:
        exact = 100 if reading.substitutions == 0 else 98
        take(visible.filter(plate_key=reading.key)[:limit], exact, "plate")
        similar = visible.filter(plate_lookalike=lookalike_key(reading.key))
        take(similar.exclude(plate_key=reading.key)[:limit], 96, "plate_lookalike")
    if parsed.code and len(parsed.code) >= 6:
        take(visible.filter(chassis_number=parsed.code)[:limit], 100, "chassis_number")
        take(visible.filter(engine_number=parsed.code)[:limit], 100, "engine_number")


def _phones(user: Any, parsed: ParsedQuery, hits: _Hits) -> None:
    if not parsed.phone:
        return
    for phone in selectors.phones_visible(user).filter(number=parsed.phone)[:1]:
        national = phonenumbers.format_number(
            phonenumbers.parse(phone.number), phonenumbers.PhoneNumberFormat.NATIONAL
        )
        label = f"{national} · {phone.carrier}" if phone.carrier else national
        hits.add(
            Hit(
                kind="phone",
                id=phone.pk,
                label=label,
                score=100,
                match="phone",
                number=phone.number,
            )
        )


def _cases(user: Any, parsed: ParsedQuery, hits: _Hits) -> None:
    if not parsed.code:
        return
    visible = selectors.cases_visible(user)

    def take(rows: Iterable[Case], score: float, match: str) -> None:
        for case in rows:
            label = f"{case.number} · {case.summary[:80]}" if case.summary else case.number
            hits.add(
                Hit(
                    kind="case",
                    id=case.pk,
                    label=label,
                    score=score,
                    match=match,
                    number=case.number,
                )
            )

    take(visible.filter(number_key=parsed.code)[:1], 100, "case_number")
    if not hits.full_at(70):
        prefixed = visible.filter(number_key__startswith=parsed.code).exclude(
            number_key=parsed.code
        )
        take(prefixed.order_by("number_key")[: hits.limit], 70, "case_number_prefix")


def _organisations(user: Any, parsed: ParsedQuery, filters: SearchFilters, hits: _Hits) -> None:
    visible = selectors.organisations_visible(user)
    if filters.ward:
        visible = visible.filter(ward_id=filters.ward)

    def take(rows: Iterable[Organisation], score: float, match: str) -> None:
        for org in rows:
            hits.add(Hit(kind="organisation", id=org.pk, label=org.name, score=score, match=match))

    if parsed.code and parsed.code.isdigit():
        take(visible.filter(tax_code=parsed.code)[: hits.limit], 100, "tax_code")
    if not parsed.words:
        return
    take(visible.filter(name_key=parsed.name_key)[: hits.limit], 90, "name")
    take(visible.filter(name_fold=parsed.name_fold)[: hits.limit], 80, "name_folded")
    if not hits.full_at(64):
        query = Q()
        for word in parsed.words:
            query &= Q(name_fold__contains=word)
        take(visible.filter(query)[: hits.limit], 64, "words")


def run(
    user: Any,
    text: str,
    *,
    kind: str = "any",
    filters: SearchFilters | None = None,
    limit: int | None = None,
    backend: SearchBackend | None = None,
) -> list[Hit]:
    """The hits for ``text`` that ``user`` may see, best first (no purpose check, no audit:
    call ``records.lookups.search``)."""
    selectors.require_reader(user)
    filters = filters or SearchFilters()
    limit = min(limit or settings.SAFECITY_RECORDS_SEARCH_LIMIT, 100)
    backend = backend or backend_for()
    parsed = parse(text)
    hits = _Hits(limit=limit)
    if not parsed.text:
        return []
    every = kind == "any"
    if every or kind == "person":
        _persons(user, parsed, filters, hits, backend)
    if not filters.persons_only:
        if (every or kind == "vehicle") and not filters.ward:
            _vehicles(user, parsed, hits)
        if (every or kind == "phone") and not filters.ward:
            _phones(user, parsed, hits)
        if (every or kind == "case") and not filters.ward:
            _cases(user, parsed, hits)
        if every or kind == "organisation":
            _organisations(user, parsed, filters, hits)
    return hits.ranked()
