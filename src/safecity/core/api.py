"""The API's one error format and the pieces every router shares.

Every 4xx answer under ``/api/`` has the body
``{"error": {"code": "...", "message": "...", "fields": {...}}}`` — from a service's
``ApplicationError``, a validation failure, a missing login, a throttle, or (through
``core.middleware.ApiErrorMiddleware``) Django's own 404/405/413 pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import AfterValidator

from safecity.core.errors import ApplicationError

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, Any]


class ErrorOut(Schema):
    error: ErrorDetail


def status_message(status: int) -> str:
    messages = {
        400: _("The request is malformed."),
        401: _("Log in or send a valid API token."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The request is too large."),
        415: _("This content type is not supported."),
        422: _("Some fields are not valid."),
        429: _("Too many requests. Wait a moment and try again."),
        500: _("Something went wrong on our side. The request was not completed; try again."),
    }
    return messages.get(status, _("The request cannot be carried out."))


def error_body(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "error": {
            "code": code or STATUS_CODES.get(status, "error"),
            "message": message or status_message(status),
            "fields": fields or {},
        }
    }


def error_response(status: int, **kwargs: Any) -> JsonResponse:
    return JsonResponse(
        error_body(status, **kwargs), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # Drop the "body"/"query"/"path" prefix and the payload parameter's own name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form", "file", "cookie"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "body", "filters"}:
            parts = parts[1:]
    return ".".join(parts) or "__all__"


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        fields.setdefault(_field_name(err.get("loc", ())), []).append(str(err.get("msg", "")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, **kwargs: Any) -> HttpResponse:
        return api.create_response(request, error_body(status, **kwargs), status=status)

    @api.exception_handler(ApplicationError)
    def _application(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        response = respond(
            request, exc.status, code=exc.code, message=str(exc.message), fields=exc.fields
        )
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(int(retry_after))
        return response

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, 422, fields=validation_fields(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return respond(request, 422, fields=fields)

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = respond(request, 429)
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, 401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        message = str(exc) if status not in STATUS_CODES else None
        if status == 403 and "CSRF" in str(exc):
            return respond(
                request,
                403,
                code="csrf_failed",
                message=_("The form expired or came from another site. Reload and try again."),
            )
        return respond(request, status, message=message)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404)

    @api.exception_handler(ObjectDoesNotExist)
    def _does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404)

    @api.exception_handler(MultiPartParserError)
    def _bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A malformed multipart body (bad boundary, truncated upload) is the client's error.
        return respond(request, 400)

    @api.exception_handler(OverflowError)
    def _number_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        # An id or number beyond what the database stores (SQLite: 64-bit) names nothing that
        # can exist: the client's error, whichever endpoint it reached.
        return respond(
            request, 400, message=_("A number in the request is larger than any stored value.")
        )

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413)

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 400)

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 403)


ERROR_RESPONSES: dict[int, type[Schema]] = {
    status: ErrorOut for status in (400, 401, 403, 404, 409, 422, 429)
}


def _moment(value: datetime) -> datetime:
    """A time from outside, made safe for every database: years 1900–2200, naive read as
    Vietnam's local time, stored as UTC. PostgreSQL refuses offsets beyond ±15:59, which the
    ISO 8601 parser accepts (``+17:33``); converting to UTC first means it never sees one."""
    if not 1900 <= value.year <= 2200:
        raise ValueError("must be a date between the years 1900 and 2200")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_moment)]
