"""The officers' cameras pages (/ops/cameras/): the camera registry with its map, one camera
with its latest reads, the watchlist hits with their decisions, and the watchlists with their
entries. The vehicle trace and "who was near" an incident are ``views_sightings``.

Every write goes through ``cameras.services`` (which audits it) and every read through
``cameras.selectors``' permission-checked lookups, as the API's routes do; the pages hold no
rule of their own beyond what to show.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecity.accounts.access import has_capability, require_capability, sees_all
from safecity.accounts.decorators import officer_required
from safecity.accounts.models import User
from safecity.cameras import response, selectors, services
from safecity.cameras.forms import (
    CameraFilterForm,
    ConfirmForm,
    DismissForm,
    EntryForm,
    EntryRemoveForm,
    WatchlistForm,
    apply_service_errors,
)
from safecity.cameras.matching import read_plate
from safecity.cameras.models import Camera, Hit, Watchlist, WatchlistEntry
from safecity.core.errors import ApplicationError, Forbidden, NotFound

CAMERAS_PER_PAGE = 100
HITS_PER_PAGE = 50
ENTRIES_PER_PAGE = 100
CAMERA_READS = 50
CAMERA_HITS = 20
HIT_STATUSES = ("new", "confirmed", "dismissed", "all")
# Officers who may see a camera's reads on its page (the map's popup shows its five latest to
# any officer; the list of fifty is for the people who work with plates).
READ_VIEWERS = ("accounts.operate_cameras", selectors.HITS, selectors.TRACE)


def _officer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def error_text(error: ApplicationError) -> str:
    parts = [str(error.message)]
    for texts in (error.fields or {}).values():
        parts.extend(str(t) for t in (texts if isinstance(texts, list) else [texts]))
    return " ".join(dict.fromkeys(parts))


def _back(request: HttpRequest, default: str) -> str:
    """Where a decision form returns: the page it was sent from (``next``), if it is one of
    the cameras pages."""
    target = request.POST.get("next") or ""
    home = reverse("cameras:home")
    if target.startswith(home) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Cameras ----------------------------------------------------------------------------------


def _map_options(**layers: bool) -> dict[str, Any]:
    wanted = {"incidents": False, "units": False, "wards": True, "hotspots": False}
    return {"layers": wanted | layers, "live": False, "collapsed": True}


def camera_point(camera: Camera) -> dict[str, Any]:
    return {
        "code": camera.code,
        "name": camera.name,
        "lat": camera.lat,
        "lon": camera.lon,
        "status": camera.status,
        "status_label": str(camera.get_status_display()),
        "url": reverse("cameras:camera", args=[camera.pk]),
    }


@officer_required
@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The camera registry: each camera's status (online/offline), when it was last heard
    from, its ward and owning unit; filtered by status; and the map's ``cameras`` layer."""
    user = _officer(request)
    cameras = selectors.cameras_visible(user)
    form = CameraFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    counts = dict(
        cameras.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    if status:
        cameras = cameras.filter(status=status)
    page = Paginator(cameras.order_by("code"), CAMERAS_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({"status": status}) if status else ""
    drawn = response.may_open_map(user)
    return render(
        request,
        "cameras/home.html",
        {
            "form": form,
            "status": status,
            "page": page,
            "query": query,
            "online": counts.get(Camera.Status.ONLINE, 0),
            "offline": counts.get(Camera.Status.OFFLINE, 0),
            "map_options": _map_options(cameras=True) if drawn else None,
            "map_data": None if drawn else {"cameras": [camera_point(c) for c in page]},
        },
    )


def _access_camera(user: Any, camera_id: Any) -> Camera:
    camera = selectors.cameras_visible(user).filter(pk=camera_id).first()
    if camera is None:
        raise NotFound()
    return camera


@officer_required
@never_cache
@require_GET
def camera(request: HttpRequest, camera_id: int) -> HttpResponse:
    """One camera: where it is and looks, its status, its latest reads (officers who work with
    plates) and its latest hits (officers who see hits)."""
    user = _officer(request)
    cam = _access_camera(user, camera_id)
    sees_reads = any(has_capability(user, c) for c in READ_VIEWERS)
    hits = None
    if has_capability(user, selectors.HITS):
        hits = [
            labelled(selectors.hit_row(h))
            for h in selectors.hits_visible(user)
            .filter(camera=cam, repeat_of__isnull=True)
            .order_by("-ts", "-id")[:CAMERA_HITS]
        ]
    return render(
        request,
        "cameras/camera.html",
        {
            "camera": cam,
            "reads": list(selectors.camera_reads(cam.pk, limit=CAMERA_READS))
            if sees_reads
            else None,
            "hits": hits,
            "may_trace": has_capability(user, selectors.TRACE),
            "map_options": _map_options(cameras=True) | {"center": [cam.lat, cam.lon], "zoom": 16}
            if response.may_open_map(user)
            else None,
            "map_data": {"cameras": [camera_point(cam)], "center": [cam.lat, cam.lon], "zoom": 16},
        },
    )


# --- Hits ---------------------------------------------------------------------------------------


@officer_required
@never_cache
@require_GET
def hits(request: HttpRequest) -> HttpResponse:
    """Watchlist hits routed to the officer's area, newest first: the new ones to decide (each
    with its Confirm and Dismiss forms), the confirmed and the dismissed. Repeats of an alerted
    hit (same plate, same camera, minutes apart) are not listed."""
    user = require_capability(_officer(request), selectors.HITS)
    status = request.GET.get("status", "new")
    if status not in HIT_STATUSES:
        status = "new"
    rows = selectors.hits_visible(user).filter(repeat_of__isnull=True)
    counts = dict(
        rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    if status != "all":
        rows = rows.filter(status=status)
    page = Paginator(rows.order_by("-ts", "-id"), HITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cameras/hits.html",
        {
            "status": status,
            "statuses": [
                {"key": key, "label": label, "count": counts.get(key, 0)}
                for key, label in Hit.Status.choices
            ]
            + [{"key": "all", "label": _("All"), "count": sum(counts.values())}],
            "page": page,
            "rows": [labelled(selectors.hit_row(h)) for h in page],
            "query": urlencode({"status": status}),
            "dismiss_form": DismissForm(),
            "here": request.get_full_path(),
        },
    )


def labelled(row: dict[str, Any]) -> dict[str, Any]:
    """A hit row (``selectors.hit_row``) with its codes' labels in the page's language."""
    return {
        **row,
        "status_label": Hit.Status(row["status"]).label,
        "match_label": Hit.Match(row["match"]).label,
        "priority_label": dict(WatchlistEntry.Priority.choices).get(
            row["entry"]["priority"], row["entry"]["priority"]
        ),
        "kind_label": dict(Watchlist.Kind.choices).get(
            row["entry"]["watchlist_kind"], row["entry"]["watchlist_kind"]
        ),
        "dismissal_label": dict(Hit.Dismissal.choices).get(row["dismissal_reason"], ""),
    }


def _incident_to_attach(user: Any, incident_id: int) -> Any:
    try:
        return response.access_incident_to_attach(user, incident_id)
    except (NotFound, Forbidden):
        raise NotFound(
            _("There is no incident #%(id)s among those you can act on.") % {"id": incident_id}
        ) from None


@officer_required
@require_POST
def hit_confirm(request: HttpRequest, hit_id: int) -> HttpResponse:
    """Confirm a hit from the hits page: a new incident at the camera, or a note on the open
    incident the officer names."""
    user = _officer(request)
    hit = selectors.access_hit(user, hit_id)
    back = _back(request, reverse("cameras:hits"))
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("incident_id", [])))
        return redirect(back)
    incident_id = form.cleaned_data["incident_id"]
    try:
        incident = _incident_to_attach(user, incident_id) if incident_id else None
        done = services.hit_confirm(hit=hit, actor=user, incident=incident)
    except ApplicationError as error:
        messages.error(request, error_text(error))
    else:
        text = (
            _("Hit on %(plate)s confirmed and added to incident #%(id)s.")
            if incident_id
            else _("Hit on %(plate)s confirmed: incident #%(id)s.")
        )
        messages.success(request, text % {"plate": hit.plate_key, "id": done.incident_id})
    return redirect(back)


@officer_required
@require_POST
def hit_dismiss(request: HttpRequest, hit_id: int) -> HttpResponse:
    """Dismiss a hit from the hits page, with its reason (misread, wrong vehicle, entry out of
    date)."""
    user = _officer(request)
    hit = selectors.access_hit(user, hit_id)
    back = _back(request, reverse("cameras:hits"))
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hit is dismissed."))
        return redirect(back)
    try:
        services.hit_dismiss(
            hit=hit,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            actor=user,
        )
    except ApplicationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Hit on %(plate)s dismissed.") % {"plate": hit.plate_key})
    return redirect(back)


# --- Watchlists ---------------------------------------------------------------------------------


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def watchlists(request: HttpRequest) -> HttpResponse:
    """The watchlists the officer may see (their unit's subtree, the units above it and the
    city-wide ones), and a form to create one for officers who manage watchlists."""
    user = _officer(request)
    lists = selectors.watchlists_visible(user)
    may_manage = has_capability(user, selectors.WATCHLISTS)
    form = WatchlistForm(user=user) if may_manage else None
    status = 200
    if request.method == "POST":
        selectors.require_watchlist_manager(user)
        form = WatchlistForm(request.POST, user=user)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.watchlist_create(
                    name=data["name"],
                    kind=data["kind"],
                    reason=data["reason"],
                    classification=data["classification"],
                    actor=user,
                )
            except ApplicationError as error:
                apply_service_errors(form, error)
                status = error.status
            else:
                messages.success(request, _("Watchlist “%(name)s” created.") % {"name": made.name})
                return redirect("cameras:watchlist", watchlist_id=made.pk)
    rows = lists.annotate(live=Count("entries", filter=Q(entries__removed_at__isnull=True)))
    return render(
        request,
        "cameras/watchlists.html",
        {"watchlists": rows, "form": form, "kind_labels": dict(Watchlist.Kind.choices)},
        status=status,
    )


def may_remove(user: Any, watchlist: Watchlist, entry: WatchlistEntry) -> bool:
    """``selectors.access_entry_to_manage``'s rule, without a query per row: to show the
    Remove button (the POST asks the selector itself)."""
    if entry.removed_at is not None or not has_capability(user, selectors.WATCHLISTS):
        return False
    if sees_all(user):
        return True
    mine = user.unit.path
    return bool(entry.unit.path.startswith(mine) or watchlist.unit.path.startswith(mine))


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def watchlist(request: HttpRequest, watchlist_id: int) -> HttpResponse:
    """One watchlist: its entries (``?removed=1`` for the removed ones, ``?q=`` by plate), a
    form to list a plate and a Remove button on each entry, for officers who manage
    watchlists. Adding and removing are audited by the services."""
    user = _officer(request)
    wl = selectors.access_watchlist(user, watchlist_id)
    may_manage = has_capability(user, selectors.WATCHLISTS)
    form = EntryForm() if may_manage else None
    status = 200
    if request.method == "POST":
        wl = selectors.access_watchlist_to_manage(user, watchlist_id)
        form = EntryForm(request.POST)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.entry_add(
                    watchlist=wl,
                    plate=data["plate"],
                    reason=data["reason"],
                    priority=data["priority"],
                    valid_until=data["valid_until"],
                    allow_one_edit=data["allow_one_edit"],
                    actor=user,
                )
            except ApplicationError as error:
                if error.code == "already_listed":
                    form.add_error("plate", str(error.message))
                else:
                    apply_service_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("%(plate)s added to “%(name)s”.") % {"plate": entry.display, "name": wl.name},
                )
                return redirect("cameras:watchlist", watchlist_id=wl.pk)
    removed = request.GET.get("removed") == "1"
    search = (request.GET.get("q") or "").strip()[:30]
    entries = selectors.entries_visible(user, wl).filter(removed_at__isnull=not removed)
    if search:
        entries = entries.filter(plate_key__startswith=read_plate(search).key)
    page = Paginator(entries.order_by("-added_at", "-id"), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = urlencode({k: v for k, v in (("removed", "1" if removed else ""), ("q", search)) if v})
    now = timezone.now()
    return render(
        request,
        "cameras/watchlist.html",
        {
            "watchlist": wl,
            "form": form,
            "page": page,
            "rows": [
                {"entry": e, "active": e.is_active_at(now), "may_remove": may_remove(user, wl, e)}
                for e in page
            ],
            "removed": removed,
            "search": search,
            "query": query,
            "remove_form": EntryRemoveForm(),
            "kind_labels": dict(Watchlist.Kind.choices),
        },
        status=status,
    )


@officer_required
@require_POST
def entry_remove(request: HttpRequest, watchlist_id: int, entry_id: int) -> HttpResponse:
    """Take a plate off a watchlist (kept, marked removed; it never hits again). Audited."""
    user = _officer(request)
    wl = selectors.access_watchlist_to_manage(user, watchlist_id)
    entry = selectors.access_entry_to_manage(user, wl, entry_id)
    form = EntryRemoveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.entry_remove(entry=entry, actor=user, reason=reason)
    messages.success(
        request, _("%(plate)s removed from “%(name)s”.") % {"plate": entry.display, "name": wl.name}
    )
    return redirect("cameras:watchlist", watchlist_id=wl.pk)
