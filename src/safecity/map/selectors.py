"""Reads behind the map: who may open it, and the incidents, units, wards and hotspots it shows,
each limited to what the caller may see. The map writes nothing."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import h3
from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import orient_polygons
from shapely.geometry import mapping, shape

from safecity.accounts.access import has_capability, require_officer, scoped, sees_all
from safecity.accounts.models import Unit, User
from safecity.core import audit
from safecity.core.errors import Forbidden, InvalidInput
from safecity.dispatch.models import PatrolUnit, UnitStatus
from safecity.dispatch.selectors import units_visible
from safecity.geography.models import Ward
from safecity.incidents.models import Category, Incident
from safecity.incidents.selectors import incidents_visible
from safecity.map.geojson import BBox, feature, point, ring, rounded

# --- Who may open the map and the statistics ----------------------------------------------------

# The map shows what an officer's incident role already lets them see (patrol officers
# included: their ward's incidents and units, on the phone).
MAP_CAPABILITIES = (
    "accounts.take_calls",
    "accounts.dispatch_units",
    "accounts.command_operations",
    "accounts.work_patrol",
)
# Response times judge the dispatch room's work: its commanders read them (the city command for
# the city, a station's commander for the station's wards).
STATS_CAPABILITIES = ("accounts.command_operations",)


def access_map(user: Any) -> User:
    """The officer, if they may open the map; else ``Forbidden``. Each layer still limits its
    rows to the officer's scope."""
    officer = require_officer(user)
    if not any(has_capability(officer, c) for c in MAP_CAPABILITIES):
        raise Forbidden()
    return officer


def may_open_map(user: Any) -> bool:
    """Whether ``access_map`` lets this officer in (other apps' pages embed the map only
    then; camera operators and investigators are not among them)."""
    try:
        access_map(user)
    except Forbidden:
        return False
    return True


def access_stats(user: Any) -> User:
    """The officer, if they may read response-time statistics (of their scope only)."""
    officer = require_officer(user)
    if not any(has_capability(officer, c) for c in STATS_CAPABILITIES):
        raise Forbidden()
    return officer


def ward_names(codes: Any = None) -> dict[int, str]:
    wards = Ward.objects.all()
    if codes is not None:
        wards = wards.filter(code__in=[c for c in codes if c is not None])
    else:
        wards = wards.filter(province_id=settings.SAFECITY_PROVINCE_CODE)
    return dict(wards.values_list("code", "name"))


def scope_ward_codes(user: User) -> set[int] | None:
    """Codes of the wards whose stations are in the officer's scope; ``None``: every ward."""
    if sees_all(user):
        return None
    stations = scoped(user, Unit.objects.filter(ward_code__isnull=False), unit_field="")
    return {code for code in stations.values_list("ward_code", flat=True) if code is not None}


# --- Incidents ---------------------------------------------------------------------------------

LAYER_LIMIT = 5000  # features per layer; the city's open incidents are a few hundred


def incident_features(user: User, bbox: BBox | None) -> list[dict[str, Any]]:
    """Open incidents the officer may see, most urgent first; no reporter's personal data."""
    rows = incidents_visible(user).filter(status__in=Incident.OPEN_STATUSES)
    if bbox is not None:
        rows = rows.filter(bbox.point_filter())
    incidents = list(rows.order_by("priority", "opened_at")[:LAYER_LIMIT])
    names = ward_names({i.ward_code for i in incidents})
    categories = dict(Category.choices)
    statuses = dict(Incident.Status.choices)
    detail_url = reverse("incidents_ops:detail", args=[0])[: -len("0/")]
    return [
        feature(
            point(i.lat, i.lon),
            {
                "kind": "incident",
                "priority": i.priority,
                "category": i.category,
                "category_label": str(categories.get(i.category, i.category)),
                "status": i.status,
                "status_label": str(statuses.get(i.status, i.status)),
                "report_count": i.report_count,
                "ward": i.ward_code,
                "ward_name": names.get(i.ward_code or 0, ""),
                "opened_at": i.opened_at.isoformat(),
                "summary": i.summary,
                "url": f"{detail_url}{i.pk}/",
            },
            id=i.pk,
        )
        for i in incidents
    ]


# --- Patrol units --------------------------------------------------------------------------------

# Where an off-duty officer's phone is, is nobody's business: those units are not drawn.
HIDDEN_UNIT_STATUSES = (UnitStatus.OFF_DUTY,)


def unit_rows(user: User, bbox: BBox | None) -> QuerySet[PatrolUnit]:
    rows = (
        units_visible(user)
        .filter(on_duty=True, lat__isnull=False, lon__isnull=False)
        .exclude(status__in=HIDDEN_UNIT_STATUSES)
    )
    if bbox is not None:
        rows = rows.filter(bbox.point_filter())
    return rows


def unit_features(user: User, bbox: BBox | None) -> list[dict[str, Any]]:
    """Units on duty with a known position, as the officer's scope lets them see."""
    rows = unit_rows(user, bbox).select_related("station").order_by("call_sign")[:LAYER_LIMIT]
    kinds = dict(PatrolUnit._meta.get_field("kind").choices or [])
    statuses = dict(UnitStatus.choices)
    out = []
    for unit in rows:
        if unit.lat is None or unit.lon is None:  # filtered out above; for the type checker
            continue
        out.append(
            feature(
                point(unit.lat, unit.lon),
                {
                    "kind": "unit",
                    "call_sign": unit.call_sign,
                    "unit_kind": unit.kind,
                    "unit_kind_label": str(kinds.get(unit.kind, unit.kind)),
                    "status": unit.status,
                    "status_label": str(statuses.get(unit.status, unit.status)),
                    "status_since": unit.status_since.isoformat() if unit.status_since else None,
                    "heading": unit.heading,
                    "speed_mps": unit.speed_mps,
                    "accuracy_m": unit.accuracy_m,
                    "position_at": unit.position_at.isoformat() if unit.position_at else None,
                    "incident_id": unit.incident_id,
                    "station": unit.station.name if unit.station_id else "",
                },
                id=unit.pk,
            )
        )
    return out


# --- Ward boundaries ------------------------------------------------------------------------------

# The boundaries are the map's background: 168 polygons (~700 kB) for HCMC. They are simplified
# once per process (``SAFECITY_MAP_WARD_SIMPLIFY_M``) and kept. The key is the newest geography
# load in the audit trail plus a cheap aggregate over the ward table, so the cache never serves
# the shapes of a boundary file that has been replaced (in this process or another).
_METRES_PER_DEGREE = 111_320.0
WARD_PRECISION = 5  # 1.1 m: finer than any simplification worth drawing, and 8 % smaller


@dataclass(frozen=True)
class _WardShape:
    code: int
    bounds: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    feature: dict[str, Any]


_ward_cache: dict[tuple[Any, ...], list[_WardShape]] = {}
_ward_lock = threading.Lock()


def _wards_with_boundaries() -> QuerySet[Ward]:
    return Ward.objects.filter(province_id=settings.SAFECITY_PROVINCE_CODE, boundary__isnull=False)


def _ward_fingerprint() -> tuple[Any, ...]:
    facts = _wards_with_boundaries().aggregate(
        n=Count("code"),
        codes=Sum("code"),
        lat=Sum("min_lat"),
        lon=Sum("max_lon"),
        low=Min("min_lat"),
        high=Max("max_lat"),
        area=Sum("area_km2"),
    )
    loaded = audit.entries(action="geography.").values_list("seq", flat=True).first()
    return (
        settings.SAFECITY_PROVINCE_CODE,
        settings.SAFECITY_MAP_WARD_SIMPLIFY_M,
        loaded,
        *(facts[k] for k in ("n", "codes", "lat", "lon", "low", "high", "area")),
    )


def _ward_shapes_build() -> list[_WardShape]:
    tolerance = settings.SAFECITY_MAP_WARD_SIMPLIFY_M / _METRES_PER_DEGREE
    shapes = []
    rows = _wards_with_boundaries().values_list(
        "code", "name", "name_en", "label_lat", "label_lon", "boundary"
    )
    for code, name, name_en, label_lat, label_lon, boundary in rows:
        geometry = shape(boundary)
        if tolerance > 0:
            simpler = geometry.simplify(tolerance, preserve_topology=True)
            if not simpler.is_empty:
                geometry = simpler
        # RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
        geojson = dict(mapping(orient_polygons(geometry)))
        shapes.append(
            _WardShape(
                code=code,
                bounds=geometry.bounds,
                feature=feature(
                    {
                        "type": geojson["type"],
                        "coordinates": rounded(geojson["coordinates"], WARD_PRECISION),
                    },
                    {
                        "kind": "ward",
                        "code": code,
                        "name": name,
                        "name_en": name_en,
                        "label": point(label_lat, label_lon)["coordinates"]
                        if label_lat is not None and label_lon is not None
                        else None,
                    },
                    id=code,
                ),
            )
        )
    return shapes


def _ward_shapes() -> list[_WardShape]:
    key = _ward_fingerprint()
    shapes = _ward_cache.get(key)
    if shapes is None:
        with _ward_lock:
            shapes = _ward_cache.get(key)
            if shapes is None:
                shapes = _ward_shapes_build()
                _ward_cache.clear()
                _ward_cache[key] = shapes
    return shapes


def ward_features(user: User, bbox: BBox | None) -> list[dict[str, Any]]:
    """The province's wards (2025) that have boundaries, simplified; ``in_scope`` marks the
    wards whose stations the officer's scope covers (all of them for the city command).
    Boundaries are public reference data, so every ward is drawn."""
    mine = scope_ward_codes(user)
    out = []
    for item in _ward_shapes():
        if bbox is not None and not bbox.intersects(*item.bounds):
            continue
        properties = dict(item.feature["properties"])
        properties["in_scope"] = mine is None or item.code in mine
        out.append({**item.feature, "properties": properties})
    return out


# --- Hotspots -------------------------------------------------------------------------------------

HOTSPOT_MIN_RESOLUTION = 5  # ~250 km² cells: a whole district
HOTSPOT_MAX_RESOLUTION = 10  # ~0.015 km² cells: a street corner
HOTSPOT_MAX_DAYS = 366
HOTSPOT_CELL_LIMIT = 2000


@dataclass(frozen=True)
class HotspotQuery:
    since: datetime
    until: datetime
    category: str
    resolution: int


@dataclass(frozen=True)
class HotspotCell:
    cell: str
    count: int
    rank: int
    lat: float
    lon: float
    ward_code: int | None
    ward_name: str

    def boundary(self) -> list[list[float]]:
        return ring(h3.cell_to_boundary(self.cell))


def period_check(since: datetime, until: datetime, *, max_days: int) -> None:
    errors: dict[str, list[str]] = {}
    if since >= until:
        errors["until"] = [_("The end must be after the start.")]
    elif until - since > timedelta(days=max_days):
        errors["since"] = [_("The period may be at most %(n)s days.") % {"n": max_days}]
    if errors:
        raise InvalidInput(fields=errors)


def hotspot_query(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    resolution: int | None = None,
) -> HotspotQuery:
    """A validated hotspot question; the defaults are the last ``SAFECITY_HOTSPOT_DAYS`` days,
    every category, at ``SAFECITY_HOTSPOT_RESOLUTION``."""
    until = until or timezone.now()
    since = since or until - timedelta(days=settings.SAFECITY_HOTSPOT_DAYS)
    period_check(since, until, max_days=HOTSPOT_MAX_DAYS)
    if category and category not in Category.values:
        raise InvalidInput(
            fields={"category": [_("Choose one of: %(c)s.") % {"c": ", ".join(Category.values)}]}
        )
    resolution = settings.SAFECITY_HOTSPOT_RESOLUTION if resolution is None else resolution
    if not HOTSPOT_MIN_RESOLUTION <= resolution <= HOTSPOT_MAX_RESOLUTION:
        raise InvalidInput(
            fields={
                "resolution": [
                    _("Choose a resolution from %(low)s to %(high)s.")
                    % {"low": HOTSPOT_MIN_RESOLUTION, "high": HOTSPOT_MAX_RESOLUTION}
                ]
            }
        )
    return HotspotQuery(since=since, until=until, category=category or "", resolution=resolution)


def hotspot_cells(user: User, query: HotspotQuery) -> list[HotspotCell]:
    """Incidents opened in ``[since, until)`` counted per H3 cell at ``query.resolution``,
    most first (ties by cell id, so the order is stable). Merged incidents are left out: they
    are duplicates of the incident they went into, which is counted. A cell's ward is the ward
    most of its incidents were recorded in."""
    rows = (
        incidents_visible(user)
        .filter(opened_at__gte=query.since, opened_at__lt=query.until)
        .exclude(status=Incident.Status.MERGED)
    )
    if query.category:
        rows = rows.filter(category=query.category)
    counts: Counter[str] = Counter()
    wards: dict[str, Counter[int | None]] = {}

    def add(cell: str, ward_code: int | None, n: int) -> None:
        counts[cell] += n
        wards.setdefault(cell, Counter())[ward_code] += n

    finer: list[str] = []  # stored cells coarser than asked: place their incidents one by one
    grouped = rows.order_by().values_list("h3_cell", "ward_code").annotate(n=Count("id"))
    for stored, ward_code, n in grouped:
        if not stored or not h3.is_valid_cell(stored):
            finer.append(stored)
            continue
        stored_resolution = h3.get_resolution(stored)
        if stored_resolution < query.resolution:
            finer.append(stored)
        elif stored_resolution == query.resolution:
            add(stored, ward_code, n)
        else:
            add(h3.cell_to_parent(stored, query.resolution), ward_code, n)
    if finer:
        for lat, lon, ward_code in rows.filter(h3_cell__in=finer).values_list(
            "lat", "lon", "ward_code"
        ):
            add(h3.latlng_to_cell(lat, lon, query.resolution), ward_code, 1)

    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:HOTSPOT_CELL_LIMIT]
    top_wards = {
        cell: min(wards[cell].items(), key=lambda w: (-w[1], w[0] is None, w[0] or 0))[0]
        for cell, _n in ranked
    }
    names = ward_names(set(top_wards.values()))
    cells = []
    for rank, (cell, n) in enumerate(ranked, start=1):
        lat, lon = h3.cell_to_latlng(cell)
        ward_code = top_wards[cell]
        cells.append(
            HotspotCell(
                cell=cell,
                count=n,
                rank=rank,
                lat=lat,
                lon=lon,
                ward_code=ward_code,
                ward_name=names.get(ward_code or 0, ""),
            )
        )
    return cells


def hotspot_features(cells: list[HotspotCell], bbox: BBox | None) -> list[dict[str, Any]]:
    """Hexagons with their counts; ``intensity`` is the count over the period's busiest cell
    (0–1], so the colour scale means the same whatever the period."""
    top = cells[0].count if cells else 1
    out = []
    for cell in cells:
        boundary = cell.boundary()
        if bbox is not None:
            lons = [p[0] for p in boundary]
            lats = [p[1] for p in boundary]
            if not bbox.intersects(min(lons), min(lats), max(lons), max(lats)):
                continue
        out.append(
            feature(
                {"type": "Polygon", "coordinates": [boundary]},
                {
                    "kind": "hotspot",
                    "cell": cell.cell,
                    "count": cell.count,
                    "rank": cell.rank,
                    "intensity": round(cell.count / top, 4),
                    "ward": cell.ward_code,
                    "ward_name": cell.ward_name,
                },
                id=cell.cell,
            )
        )
    return out
