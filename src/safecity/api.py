"""The REST API: one Ninja instance under /api/v1/, every app's router mounted here.

Routes need a logged-in caller (officer token or browser session) unless they say
``auth=None``; ``tests/core/test_api_auth.py`` lists the public ones, so a new route cannot
become public by accident.
"""

from __future__ import annotations

from django.conf import settings
from ninja import NinjaAPI
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from safecity.accounts.api import router as accounts_router
from safecity.accounts.audit_api import router as audit_router
from safecity.accounts.auth import USER_AUTH
from safecity.core.api import install_error_handlers
from safecity.geography.api import router as geography_router

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
        AnonRateThrottle(settings.SAFECITY_API_RATE_ANON),
        AuthRateThrottle(settings.SAFECITY_API_RATE_USER),
    ],
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/geography", geography_router)
