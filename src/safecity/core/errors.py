"""The one family of errors services raise; the API and the pages turn them into messages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A failure the caller can act on. ``code`` is stable and machine-readable."""

    status = 400
    code = "bad_request"
    default_message: Any = _("The request cannot be carried out.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(ApplicationError):
    status = 422
    code = "invalid"
    default_message = _("Some fields are not valid.")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(ApplicationError):
    status = 403
    code = "forbidden"
    default_message = _("You do not have permission to do this.")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")
