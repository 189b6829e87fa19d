"""How API callers prove who they are: an officer's bearer token, a browser session (with
CSRF), or a device key (cameras, trackers) on the routes that accept devices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from safecity.accounts.models import DeviceKey, User
from safecity.accounts.services import device_key_authenticate, token_authenticate


class TokenAuth(HttpBearer):
    openapi_description = "An officer's API token: `Authorization: Bearer sct_…`"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """The log-in session of the pages. A session exists only after the whole log-in (with the
    second factor where required), so a half-finished log-in never reaches the API."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class DeviceAuth(HttpBearer):
    openapi_description = "A device key for a camera or tracker: `Authorization: Bearer scd_…`"

    def authenticate(self, request: HttpRequest, token: str) -> DeviceKey | None:
        return device_key_authenticate(token)


USER_AUTH = [TokenAuth(), BrowserSession()]
DEVICE_OR_USER_AUTH = [DeviceAuth(), TokenAuth(), BrowserSession()]
