"""The REST API: one Ninja instance under /api/v1/, every app's router mounted here.

Routes need a logged-in caller (officer token or browser session) unless they say
``auth=None``; ``tests/core/test_api_routes_need_auth.py`` lists the public ones, so a new
route cannot become public by accident.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from safecity.accounts.api import router as accounts_router
from safecity.accounts.audit_api import router as audit_router
from safecity.accounts.auth import USER_AUTH
from safecity.alerts.api import router as alerts_router
from safecity.cameras.api import router as cameras_router
from safecity.cameras.sources.api import router as camera_sources_router
from safecity.core.api import install_error_handlers
from safecity.core.middleware import client_ip
from safecity.dispatch.api import router as dispatch_router
from safecity.geography.api import router as geography_router
from safecity.incidents.api import router as incidents_router
from safecity.map.api import router as map_router
from safecity.map.api import stats_router
from safecity.records.api import router as records_router


class AnonThrottle(AnonRateThrottle):
    """Per client address as the audit trail records it. Ninja's own key is the whole
    X-Forwarded-For header, which a client can vary on every request to escape the limit."""

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)


class UserThrottle(AuthRateThrottle):
    """Per caller id. Ninja's own key is ``str(request.auth)``, a user's display name, which
    namesakes (many officers are called Nguyễn Văn Minh) would share."""

    def get_cache_key(self, request: HttpRequest) -> str:
        auth: Any = getattr(request, "auth", None)
        if getattr(auth, "pk", None) is not None:
            ident = f"{type(auth).__name__}:{auth.pk}"
        else:
            ident = client_ip(request)
        return str(self.cache_format % {"scope": self.scope, "ident": ident})


api = NinjaAPI(
    title="SafeCity API",
    version="1",
    description=(
        "Public-safety platform API. Errors always have the body "
        '`{"error": {"code", "message", "fields"}}`. Send `Accept-Language: en` for English '
        "messages (Vietnamese by default)."
    ),
    auth=USER_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=[
        AnonThrottle(settings.SAFECITY_API_RATE_ANON),
        UserThrottle(settings.SAFECITY_API_RATE_USER),
    ]
    if settings.SAFECITY_RATELIMIT_ENABLED
    else [],
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/geography", geography_router)
api.add_router("/", incidents_router)
api.add_router("/records", records_router)
api.add_router("/alerts", alerts_router)
api.add_router("/", dispatch_router)
api.add_router("/", cameras_router)
api.add_router("/cameras/sources", camera_sources_router)
api.add_router("/map", map_router)
api.add_router("/stats", stats_router)
