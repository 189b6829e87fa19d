"""API shapes of warnings and subscriptions. Input from outside is bounded everywhere: string
lengths, list sizes, numeric ranges and dates, so odd input is a 422 naming the field."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, Field

from safecity.alerts.models import Alert

CategoryIn = Literal[
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
]  # fmt: skip
UrgencyIn = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
SeverityIn = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
CertaintyIn = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
ResponseTypeIn = Literal[
    "", "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear",
    "None",
]  # fmt: skip


def _printable(text: str) -> str:
    """No control characters but line breaks and tabs, no lone surrogates (a database cannot
    store them, so they would otherwise surface as a server error)."""
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs" or (category == "Cc" and char not in "\n\r\t"):
            raise ValueError("contains a control or invalid character")
    return text


def _moment(value: datetime) -> datetime:
    """Between 2000 and 2100 (beyond that the time-zone arithmetic itself fails), naive
    times read as Vietnam's local time."""
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be a date between the years 2000 and 2100")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 parsing accepts: store UTC.
    return value.astimezone(UTC)


Printable = AfterValidator(_printable)
Moment = Annotated[datetime, AfterValidator(_moment)]
Event = Annotated[str, Field(min_length=1, max_length=120), Printable]
EventOpt = Annotated[str, Field(max_length=120), Printable]
Headline = Annotated[str, Field(min_length=1, max_length=160), Printable]
HeadlineOpt = Annotated[str, Field(max_length=160), Printable]
Description = Annotated[str, Field(min_length=1, max_length=4000), Printable]
DescriptionOpt = Annotated[str, Field(max_length=4000), Printable]
InstructionOpt = Annotated[str, Field(max_length=2000), Printable]
Reason = Annotated[str, Field(min_length=1, max_length=500), Printable]
ReasonOpt = Annotated[str, Field(max_length=500), Printable]
AreaDescOpt = Annotated[str, Field(max_length=300), Printable]
WardCode = Annotated[int, Field(ge=1, le=99_999_999)]


class CircleIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    radius_km: float = Field(..., gt=0, le=100)


class PointIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


class AreaIn(Schema):
    ward_codes: list[WardCode] = Field(
        default_factory=list, max_length=200, description="Codes of wards of the province"
    )
    circles: list[CircleIn] = Field(default_factory=list, max_length=10)
    polygons: list[Annotated[list[PointIn], Field(min_length=3, max_length=500)]] = Field(
        default_factory=list,
        max_length=10,
        description="Each polygon a list of at least three points (the ring closes itself)",
    )
    desc_vi: AreaDescOpt = ""
    desc_en: AreaDescOpt = ""


class AlertIn(Schema):
    """A warning's content in Vietnamese, and optionally in English (then event, headline and
    description are all needed in English too)."""

    category: CategoryIn
    urgency: UrgencyIn
    severity: SeverityIn
    certainty: CertaintyIn
    response_type: ResponseTypeIn = ""
    event_vi: Event
    headline_vi: Headline
    description_vi: Description
    instruction_vi: InstructionOpt = ""
    event_en: EventOpt = ""
    headline_en: HeadlineOpt = ""
    description_en: DescriptionOpt = ""
    instruction_en: InstructionOpt = ""
    effective: Moment | None = Field(None, description="Default: when published")
    expires: Moment = Field(..., description="Within 31 days")
    area: AreaIn
    article_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        default_factory=list, max_length=20
    )


class CancelIn(Schema):
    reason_vi: Reason
    reason_en: ReasonOpt = ""


class AreaOut(Schema):
    desc_vi: str
    desc_en: str
    ward_codes: list[int]
    circles: list[dict[str, float]]
    polygons: list[list[list[float]]]


class AlertOut(Schema):
    id: int
    identifier: str | None
    status: str
    msg_type: str
    sender: str
    sent: datetime | None
    references: str
    note: str
    category: str
    urgency: str
    severity: str
    certainty: str
    response_type: str
    event_vi: str
    event_en: str
    headline_vi: str
    headline_en: str
    description_vi: str
    description_en: str
    instruction_vi: str
    instruction_en: str
    effective: datetime | None
    expires: datetime
    area: AreaOut
    replaces: str | None = Field(None, description="Identifier of the message this replaces")
    cap_url: str | None = Field(None, description="The CAP 1.2 XML, once published")

    @staticmethod
    def of(alert: Alert) -> dict[str, Any]:
        from django.urls import reverse

        out = {name: getattr(alert, name) for name in AlertOut.model_fields if hasattr(alert, name)}
        out["area"] = {
            "desc_vi": alert.area_desc_vi,
            "desc_en": alert.area_desc_en,
            **alert.area_payload(),
        }
        out["replaces"] = alert.replaces.identifier if alert.replaces_id else None  # type: ignore[union-attr]
        out["cap_url"] = (
            reverse("alerts:cap", args=[alert.identifier]) if alert.identifier else None
        )
        return out


class SubscriptionIn(Schema):
    phone: Annotated[str, Field(max_length=30), Printable] = Field(
        "", description="Vietnamese mobile number"
    )
    email: Annotated[str, Field(max_length=254), Printable] = ""
    ward_codes: list[WardCode] = Field(..., min_length=1, max_length=50)
    language: Literal["vi", "en"] = "vi"


class SubscriptionOut(Schema):
    id: int
    phone: str
    email: str
    ward_codes: list[int]
    language: str
    unsubscribe_url: str
