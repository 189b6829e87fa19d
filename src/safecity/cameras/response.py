"""Where a hit meets the response: the incident a confirmed hit opens or joins, and the units
nearest a camera.

ARCHITECTURE.md places ``cameras`` beside ``incidents`` and below ``dispatch``, so nothing in
this app imports either. This module is the one seam: the cameras app calls the functions
below, and they call the implementation that a higher app installs at start-up
(``dispatch/camera_response.py``, from ``DispatchConfig.ready``) — the higher side calling the
lower, never the other way. Without it (the cameras app alone) a confirmed hit has no incident
to open, which is a configuration error, said plainly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from safecity.cameras.models import Hit


class Response(Protocol):
    """What the cameras need of the incidents and dispatch apps."""

    def incident_open(self, *, hit: Hit, actor: Any, priority: int | None) -> int:
        """File a report at the camera's place; the id of the incident it opened or joined."""

    def incident_attach(self, *, hit: Hit, incident: Any, actor: Any) -> int:
        """Note the hit on an open incident's timeline; the incident's id."""

    def access_incident_to_attach(self, user: Any, incident_id: Any) -> Any:
        """An incident the officer may see and change (the incidents app's rule)."""

    def access_incident_to_see(self, user: Any, incident_id: Any) -> Any:
        """An incident the officer may see."""

    def nearest_units(self, hit: Hit, *, user: Any, limit: int) -> list[dict[str, Any]]:
        """Available units ranked by arrival time at the camera."""


_installed: Response | None = None
_may_open_map: Callable[[Any], bool] | None = None


def response_install(impl: Response) -> None:
    global _installed  # noqa: PLW0603 - installed once, at start-up
    _installed = impl


def map_access_install(check: Callable[[Any], bool]) -> None:
    """``check(user) -> bool``: whether the map's layers serve this officer (the map app's
    rule, installed by ``MapConfig.ready``)."""
    global _may_open_map  # noqa: PLW0603 - installed once, at start-up
    _may_open_map = check


def _response() -> Response:
    if _installed is None:
        raise RuntimeError(
            "No incident response is installed for the cameras app: add safecity.dispatch "
            "to INSTALLED_APPS (its AppConfig.ready installs dispatch.camera_response)."
        )
    return _installed


def incident_open(*, hit: Hit, actor: Any, priority: int | None = None) -> int:
    return _response().incident_open(hit=hit, actor=actor, priority=priority)


def incident_attach(*, hit: Hit, incident: Any, actor: Any) -> int:
    return _response().incident_attach(hit=hit, incident=incident, actor=actor)


def access_incident_to_attach(user: Any, incident_id: Any) -> Any:
    return _response().access_incident_to_attach(user, incident_id)


def access_incident_to_see(user: Any, incident_id: Any) -> Any:
    return _response().access_incident_to_see(user, incident_id)


def nearest_units(hit: Hit, *, user: Any = None, limit: int = 5) -> list[dict[str, Any]]:
    return _response().nearest_units(hit, user=user, limit=limit)


def may_open_map(user: Any) -> bool:
    """Whether the map's layers serve this officer; ``False`` when no map is installed (the
    cameras' pages then draw the cameras themselves, ``cameras.js``)."""
    return bool(_may_open_map is not None and _may_open_map(user))
