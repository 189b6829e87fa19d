"""The citizens' pages: report an emergency (``/report/``) and follow a report (``/track/``).

Both work without JavaScript: the report form takes a typed address and a ward as a plain
POST, and the tracking page is a plain page that refreshes itself. With JavaScript the form
adds a map pin and the phone's position, and the tracking page polls the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from safecity.core import idempotency, ratelimit
from safecity.core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from safecity.core.middleware import client_ip
from safecity.core.phones import to_e164
from safecity.incidents import media, selectors, services
from safecity.incidents.forms import ReportForm, TrackForm, new_form_key
from safecity.incidents.models import Category, Channel, Report

# Where a service's field names land on the report form.
REPORT_FIELDS = {
    "category": "category",
    "description": "description",
    "address": "address",
    "ward_code": "ward_code",
    "reporter_name": "reporter_name",
    "reporter_phone": "reporter_phone",
}
LOCATION_KEYS = ("lat", "lon")


def apply_service_errors(
    form: forms.Form, error: ApplicationError, fields: dict[str, str], location_field: str
) -> None:
    """Put a service's field messages next to the form's fields; the rest above the form. A
    refused point (lat/lon are hidden fields) is explained next to the location fields."""
    placed = False
    for key, texts in (error.fields or {}).items():
        if key in LOCATION_KEYS:
            continue
        target = fields.get(key)
        for text in texts if isinstance(texts, list) else [texts]:
            form.add_error(target if target in form.fields else None, str(text))
            placed = True
    if error.fields.keys() & set(LOCATION_KEYS):
        form.add_error(location_field, str(error.message))
    elif not placed:
        form.add_error(None, str(error.message))


def _report_input(data: dict[str, Any]) -> services.ReportInput:
    return services.ReportInput(
        category=data["category"],
        description=data.get("description", ""),
        lat=data.get("lat"),
        lon=data.get("lon"),
        address=data.get("address", ""),
        ward_code=data.get("ward_code"),
        reporter_name=data.get("reporter_name", ""),
        reporter_phone=data.get("reporter_phone", ""),
        location_source=data.get("location_source") or "pin",
    )


def _fingerprint_body(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "form_key"}


def _add_media(request: HttpRequest, report: Report) -> None:
    """Attach the photos and the video one by one; a bad file is reported, never fatal: the
    report is already saved and its code already exists."""
    files: list[UploadedFile] = [
        *request.FILES.getlist("photos"),
        *request.FILES.getlist("video"),
    ]
    added, failed = 0, []
    limit = max(settings.SAFECITY_MEDIA_PHOTO_MAX_MB, settings.SAFECITY_MEDIA_VIDEO_MAX_MB)
    for upload in files:
        if not upload.size:
            continue
        name = (upload.name or "")[:80]
        try:
            if upload.size > limit * 1024 * 1024:
                raise InvalidInput(_("The file is larger than %(mb)s MB.") % {"mb": limit})
            media.report_media_add(report=report, content=upload.read(limit * 1024 * 1024 + 1))
        except ApplicationError as error:
            failed.append(f"{name}: {error.message}")
        else:
            added += 1
    if added:
        messages.success(request, _("Files added to your report: %(n)s.") % {"n": added})
    for line in failed:
        messages.warning(
            request,
            _("A file was not added (%(why)s). Your report was still sent.") % {"why": line},
        )


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest) -> HttpResponse:
    """Report an emergency. A hidden key made when the form is drawn makes a double submit (a
    second tap, a retry on a bad connection) answer with the first report, never a second."""
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                return _submit(request, form)
            except ratelimit.RateLimited as error:
                status = 429
                form.add_error(None, str(error.message))
            except Conflict as error:
                if error.code == "idempotency_conflict":
                    # The same form was already sent with other content (back button, edit,
                    # send): a fresh key lets this one through as a report of its own.
                    fresh = request.POST.copy()
                    fresh["form_key"] = new_form_key()
                    form.data = fresh
                    form.add_error(
                        None, _("This form was already sent. Check it and send it again.")
                    )
                else:
                    form.add_error(None, str(error.message))
                status = 409
            except ApplicationError as error:
                status = error.status
                apply_service_errors(form, error, REPORT_FIELDS, "address")
    return render(
        request,
        "incidents/report.html",
        {
            "form": form,
            "had_files": bool(request.FILES),
            "max_photos": media.MAX_PHOTOS,
            "photo_mb": settings.SAFECITY_MEDIA_PHOTO_MAX_MB,
            "video_mb": settings.SAFECITY_MEDIA_VIDEO_MAX_MB,
            "js_text": {
                "pin": _("Pin at"),
                "finding": _("Finding your location…"),
                "no_location": _(
                    "Your location is not available. Tap the map or type the address."
                ),
                "outside": _("This point is outside the city. Check the pin."),
                "too_many": _("Only the first %(n)s photos will be sent.")
                % {"n": media.MAX_PHOTOS},
                "pin_set": _("The pin is set: the address is optional now, but it helps."),
            },
        },
        status=status,
    )


def _submit(request: HttpRequest, form: ReportForm) -> HttpResponse:
    data = form.cleaned_data
    ratelimit.hit("report:ip", client_ip(request), settings.SAFECITY_REPORT_RATE_IP)
    if data.get("reporter_phone"):
        phone = to_e164(data["reporter_phone"]) or data["reporter_phone"]
        ratelimit.hit("report:phone", phone, settings.SAFECITY_REPORT_RATE_PHONE)
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    made: list[Report] = []

    def submit() -> tuple[int, dict[str, Any]]:
        report = services.report_submit(
            data=_report_input(data), channel=Channel.WEB, reporter=user
        )
        made.append(report)
        return 201, {"tracking_code": report.tracking_code, "id": report.pk}

    _status, answer, replayed = idempotency.run_once(
        scope="reports-web",
        key=data["form_key"],
        body=_fingerprint_body(data),
        action=submit,
    )
    if made and not replayed:
        _add_media(request, made[0])
    return redirect("incidents:track", code=answer["tracking_code"])


# --- Tracking -------------------------------------------------------------------------------------


@require_GET
def track_lookup(request: HttpRequest) -> HttpResponse:
    """Type a tracking code; a known code goes to its page."""
    form = TrackForm(request.GET if "code" in request.GET else None)
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            return redirect("incidents:track", code=form.cleaned_data["code"])
    return render(request, "incidents/track_lookup.html", {"form": form}, status=status)


@never_cache
@require_GET
def track_page(request: HttpRequest, code: str) -> HttpResponse:
    """One report's status and public timeline: nothing about other reports, no officer's
    name. Polled by the page's script through ``GET /api/v1/reports/<code>``."""
    ratelimit.hit("track:ip", client_ip(request), settings.SAFECITY_API_RATE_ANON)
    try:
        status = selectors.report_public_status(code[:20])
    except NotFound as error:
        form = TrackForm({"code": code[:20]})
        form.is_valid()
        form.add_error("code", str(error.message))
        return render(request, "incidents/track_lookup.html", {"form": form}, status=404)
    return render(
        request,
        "incidents/track.html",
        {
            "status": status,
            "category_label": Category(status["category"]).label
            if status["category"] in Category.values
            else status["category"],
            "api_url": f"/api/v1/reports/{status['tracking_code']}",
            "track_url": reverse("incidents:track", args=[status["tracking_code"]]),
            "now": timezone.now(),
            "final": status["status"] in {"closed"},
        },
    )
