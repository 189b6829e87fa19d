"""Phone numbers as people type them, to E.164 (``phonenumbers``, region Vietnam)."""

from __future__ import annotations

import phonenumbers


def to_e164(text: str, region: str = "VN") -> str | None:
    """``"0901 234 567"`` → ``"+84901234567"``; ``None`` when it is not a valid number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
