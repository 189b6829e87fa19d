"""Log-in (password, then TOTP), log-out, the officers' home and the audit page."""

from __future__ import annotations

import base64
import io
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from safecity.accounts import selectors, services
from safecity.accounts.access import access_audit_log
from safecity.accounts.decorators import officer_required
from safecity.accounts.forms import LoginForm, OtpForm
from safecity.accounts.menu import menu_for
from safecity.accounts.models import User
from safecity.core import audit
from safecity.core.errors import ApplicationError

PENDING = "safecity_login_pending"
PENDING_SECONDS = 300
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest, user: User | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    if user is not None and user.kind == User.Kind.CITIZEN:
        return "/"
    return "/ops/"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.login_check(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            if result.needs_otp:
                request.session[PENDING] = {
                    "id": result.user.pk,
                    "at": time.time(),
                    "next": _next_url(request, result.user),
                }
                return redirect("accounts:otp")
            login(request, result.user, backend=MODEL_BACKEND)
            services.login_record(user=result.user, method="password")
            return redirect(_next_url(request, result.user))
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _qr_svg(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    from django_otp import login as otp_login
    from django_otp import match_token

    pending = request.session.get(PENDING)
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["id"], is_active=True).first()
    if user is None or user.is_locked():
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    from django_otp import user_has_device

    enrolling = not user_has_device(user, confirmed=True)
    device: Any = services.totp_device_pending(user=user) if enrolling else None
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        matched = (
            (device if device.verify_token(code) else None)
            if enrolling
            else match_token(user, code)
        )
        if matched is not None:
            if enrolling:
                services.totp_device_confirm(user=user, device=matched)
            request.session.pop(PENDING, None)
            login(request, user, backend=MODEL_BACKEND)
            otp_login(request, matched)
            services.login_record(user=user, method="password+totp")
            return redirect(pending.get("next") or "/ops/")
        if services.login_failure_count(user=user, reason="totp"):
            request.session.pop(PENDING, None)
            return redirect("accounts:login")
        form.add_error(
            "code",
            _("This code is not right. Check the time on your phone and try the newest code."),
        )
    context: dict[str, Any] = {"form": form, "enrolling": enrolling}
    if enrolling:
        context["qr"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.logout_record(user=request.user)
    logout(request)
    return redirect("public:home")


@officer_required
@require_http_methods(["GET"])
def ops_home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    me = selectors.me(user)
    return render(
        request,
        "ops/home.html",
        {
            "me": me,
            "menu": menu_for(set(me["capabilities"])),  # type: ignore[call-overload]
            "mfa_required": settings.SAFECITY_MFA_REQUIRED,
        },
    )


@officer_required
@require_http_methods(["GET"])
def audit_page(request: HttpRequest) -> HttpResponse:
    user = access_audit_log(request.user)
    filters = {
        key: request.GET.get(key, "").strip()[:150]
        for key in ("actor", "action", "object_type", "object_id", "unit_code", "outcome")
    }
    if filters["outcome"] not in {"", "success", "denied", "failure"}:
        filters["outcome"] = ""
    paginator = Paginator(audit.entries(**filters), 50)  # type: ignore[arg-type]
    page = paginator.get_page(request.GET.get("page"))
    audit.record(
        "audit.read",
        actor=user,
        object_type="audit",
        detail={k: v for k, v in filters.items() if v} | {"page": page.number},
    )
    return render(request, "ops/audit.html", {"page": page, "filters": filters})
