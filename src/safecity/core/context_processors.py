from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def safecity(request: HttpRequest) -> dict[str, Any]:
    return {
        "SAFECITY_ENV": settings.SAFECITY_ENV,
        "MAP_TILE_URL": settings.SAFECITY_MAP_TILE_URL,
        "MAP_ATTRIBUTION": settings.SAFECITY_MAP_ATTRIBUTION,
        "EMERGENCY_NUMBERS": (("113", "police"), ("114", "fire"), ("115", "ambulance")),
    }
