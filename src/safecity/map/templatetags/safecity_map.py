"""Embed the officers' map in any page:

    {% load safecity_map %}
    {% block head %}{% map_assets %}{% endblock %}
    <div id="ops-map" class="ops-map" data-tile-url="{{ MAP_TILE_URL }}"></div>
    {% block scripts %}{{ block.super }}{% map_scripts %}
    <script>SafeCityMap.mount(document.getElementById("ops-map"), {...});</script>{% endblock %}

``ops/base.html``'s scripts block already loads ``live.js`` (the WebSocket) before these.
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString

from safecity.incidents.models import Incident
from safecity.map.charts import duration_text
from safecity.map.views import map_labels

register = template.Library()

LABELS_ELEMENT_ID = "safecity-map-labels"


@register.simple_tag
def map_assets() -> SafeString:
    """The map's style sheets (Leaflet from the django-leaflet wheel, and the map's own)."""
    return format_html(
        '<link rel="stylesheet" href="{}"><link rel="stylesheet" href="{}">',
        static("leaflet/leaflet.css"),
        static("safecity/css/ops_map.css"),
    )


@register.simple_tag
def map_scripts() -> SafeString:
    """The labels in the page's language, Leaflet, ``map.js`` and ``ops_map.js``."""
    return format_html(
        '{}<script src="{}"></script><script src="{}"></script><script src="{}"></script>',
        json_script(map_labels(), LABELS_ELEMENT_ID),
        static("leaflet/leaflet.js"),
        static("safecity/js/map.js"),
        static("safecity/js/ops_map.js"),
    )


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as m:ss (h:mm:ss from an hour); "—" for none."""
    return duration_text(seconds)


@register.filter
def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


@register.filter
def status_label(status: str) -> str:
    return str(dict(Incident.Status.choices).get(status, status))
