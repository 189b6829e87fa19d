"""How a long-running SafeCity process keeps Python's garbage collector out of its way."""

from __future__ import annotations

import gc

from django.conf import settings


def settle() -> None:
    """Call once the process has loaded what it keeps for its life (Django, the URL map,
    settings): those objects leave the collector's full passes (``gc.freeze``), and the young
    generation grows to ``SAFECITY_GC_YOUNG`` objects before a pass. The server calls it at
    start-up (ASGI lifespan) and again on its first request, for servers that send no lifespan
    event (a second call only freezes what was loaded in between); the plate bench calls it as
    the server does."""
    gc.set_threshold(settings.GC_YOUNG, *gc.get_threshold()[1:])
    gc.freeze()
