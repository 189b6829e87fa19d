"""The watchlist hit alerts of the dispatcher's console and the incident queue, one line in
each page's template:

    {% load camera_hits %}{% camera_hit_alerts %}

draws (for officers who see hits) the alert stack, its labels in the page's language and
``camera_hits.js`` (deferred: it runs after the page's other scripts, ``sound.js`` and
``live.js`` among them). Officers without ``cameras.view_hits`` get nothing: their consoles
receive no hit events either.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from safecity.accounts.access import has_capability
from safecity.cameras.models import Hit, Watchlist, WatchlistEntry
from safecity.cameras.selectors import HITS

register = template.Library()

# Hits still new when a console connects are shown if they are this recent; older ones wait
# on the hits page (a console opened in the morning must not ring for last night's).
RECENT_MINUTES = 30


def hit_alert_labels() -> dict[str, Any]:
    """What ``camera_hits.js`` needs, in the page's language."""
    return {
        "api": "/api/v1",
        "hits_url": reverse("cameras:hits"),
        "camera_url": reverse("cameras:camera", args=[0]),
        "incident_url": reverse("incidents_ops:detail", args=[0]),
        "time_zone": settings.TIME_ZONE,
        "recent_minutes": RECENT_MINUTES,
        "matches": {m.value: str(m.label) for m in Hit.Match},
        "priorities": {p.value: str(p.label) for p in WatchlistEntry.Priority},
        "kinds": {k.value: str(k.label) for k in Watchlist.Kind},
        "dismissals": {d.value: str(d.label) for d in Hit.Dismissal},
        "sound_on": _("Hit sound on"),
        "sound_off": _("Hit sound off: click to turn on"),
        "new_hit": _("Watchlist hit: %(plate)s at %(camera)s, %(watchlist)s"),
        "camera": _("Camera"),
        "seen_at": _("Seen at"),
        "watchlist": _("Watchlist"),
        "listed_as": _("Listed plate"),
        "reason": _("Why listed"),
        "vehicle": _("Vehicle"),
        "snapshot": _("Snapshot of the read"),
        "units": _("Nearest available units"),
        "units_loading": _("Finding the nearest available units…"),
        "units_none": _("No available unit nearby that you may send."),
        "units_failed": _("The nearest units could not be loaded."),
        "eta": _("ETA %(eta)s, %(distance)s"),
        "minutes": _("%(n)s min"),
        "seconds": _("%(n)s s"),
        "km": _("%(n)s km"),
        "metres": _("%(n)s m"),
        "confirm": _("Confirm…"),
        "dismiss": _("Dismiss…"),
        "confirm_title": _("Confirm: it is the listed vehicle"),
        "confirm_new": _("Open a new incident at the camera"),
        "confirm_attach": _("Add to an open incident"),
        "incident_number": _("Incident #"),
        "confirm_send": _("Confirm the hit"),
        "dismiss_title": _("Dismiss: why is it not the listed vehicle?"),
        "note": _("Note (optional)"),
        "dismiss_send": _("Dismiss the hit"),
        "cancel": _("Cancel"),
        "choose_reason": _("Choose why the hit is dismissed."),
        "give_incident": _("Give the number of the incident."),
        "sending": _("Sending…"),
        "confirmed": _("Hit on %(plate)s confirmed: incident #%(id)s."),
        "dismissed": _("Hit on %(plate)s dismissed."),
        "decided_elsewhere": _("Hit on %(plate)s was decided on another console."),
        "already_decided": _("This hit was already decided."),
        "open_incident": _("Open incident #%(id)s"),
        "more": _("%(n)s more"),
        "minimise": _("Hide the hits"),
        "restore": _("Show the hits (%(n)s)"),
        "error": _("Something went wrong (%(status)s). Try again."),
        "offline": _("No connection to the server. Try again."),
        "csrf_failed": _("The page expired. Reload it and try again."),
    }


@register.inclusion_tag("cameras/_hit_alerts.html", takes_context=True)
def camera_hit_alerts(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not has_capability(user, HITS):
        return {"show": False}
    return {
        "show": True,
        "labels": hit_alert_labels(),
        "csrf_token": context.get("csrf_token"),
    }
