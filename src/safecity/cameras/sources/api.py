"""Webhooks of other plate-reading systems, each into ``reads_ingest`` like the reads API.

Mounted under ``/cameras/sources`` (``safecity/api.py``). A camera's device key authenticates
the webhook (``Authorization: Bearer scd_…``, set as the webhook's header in the other system),
and may post only for its own camera(s), exactly as on ``POST /cameras/reads``.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from safecity.accounts.auth import DeviceAuth
from safecity.accounts.models import DeviceKey
from safecity.cameras.api import device_throttle
from safecity.cameras.services import reads_ingest
from safecity.cameras.sources.platerecognizer import WebhookError, reads_from_webhook
from safecity.core.api import ERROR_RESPONSES
from safecity.core.errors import ApplicationError, Forbidden, InvalidInput

router = Router(tags=["cameras"])

# As on POST /cameras/reads.
MAX_READS = 1000


class IngestOut(Schema):
    accepted: int
    rejected: list[dict[str, Any]]
    hits: list[dict[str, Any]]


_WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "json": {"type": "string", "description": "The webhook's JSON"},
                        "upload": {"type": "string", "format": "binary"},
                    },
                    "required": ["json"],
                }
            },
        },
    }
}


def _body(request: HttpRequest) -> Any:
    content_type = (request.content_type or "").lower()
    if content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        raw: str | bytes | None = request.POST.get("json")
        if raw is None:
            raise InvalidInput(
                _("The form has no json field with the webhook's data."),
                fields={"json": [_("This field is required.")]},
            )
    elif content_type in {"application/json", ""} or content_type.endswith("+json"):
        raw = request.body
    else:
        raise ApplicationError(
            _("Send the webhook as JSON or as a form with a json field."),
            code="unsupported_media_type",
            status=415,
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ApplicationError(_("The webhook's data is not valid JSON.")) from None


@router.post(
    "/platerecognizer",
    auth=[DeviceAuth()],
    throttle=device_throttle(),
    response={200: IngestOut, **ERROR_RESPONSES},
    openapi_extra=_WEBHOOK_BODY,
)
def platerecognizer_webhook(request: HttpRequest) -> dict[str, Any]:
    """A Plate Recognizer (Stream, Snapshot, ParkPow) webhook: one read per result in
    `data.results`, for the camera `data.camera_id` (a SafeCity camera code). JSON, or the
    multipart form Stream sends with an image (`json` field; the image is not kept). Answers
    like `POST /cameras/reads`; `rejected[].index` is the result's index."""
    key = request.auth  # type: ignore[attr-defined]
    if not isinstance(key, DeviceKey) or key.kind != DeviceKey.Kind.CAMERA:
        raise Forbidden(_("Only a camera's device key may post plate reads."))
    try:
        reads = reads_from_webhook(_body(request))
    except WebhookError as exc:
        raise InvalidInput(
            _("This is not a Plate Recognizer webhook: %(problem)s.") % {"problem": exc}
        ) from None
    if len(reads) > MAX_READS:
        raise InvalidInput(
            _("At most %(count)s results in one webhook.") % {"count": MAX_READS},
            code="too_many_reads",
        )
    return reads_ingest(reads=reads, device=key, source="platerecognizer").as_dict()
