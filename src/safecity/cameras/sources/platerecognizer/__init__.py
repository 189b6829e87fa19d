"""Plate Recognizer's (Stream, Snapshot, ParkPow) webhook body; see ``webhook``."""

from __future__ import annotations

from safecity.cameras.sources.platerecognizer.webhook import WebhookError, reads_from_webhook

__all__ = ["WebhookError", "reads_from_webhook"]
