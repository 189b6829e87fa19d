from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from safecity.accounts.access import require_capability

View = Callable[..., HttpResponse]


def officer_required(view: View) -> View:
    """Pages of the officers' area: a logged-in officer (with the second factor where MFA is
    required) holding the ``use_ops`` capability. Others are sent to log in or refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if settings.SAFECITY_MFA_REQUIRED and not user.is_verified():  # type: ignore[attr-defined]
            logout(request)
            return redirect_to_login(request.get_full_path())
        require_capability(user, "accounts.use_ops")
        return view(request, *args, **kwargs)

    return wrapper
