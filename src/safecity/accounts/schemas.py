from __future__ import annotations

from datetime import datetime

from ninja import Schema


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    function: str
    parent_id: int | None
    ward_code: int | None
    city_wide: bool


class MeOut(Schema):
    id: int
    username: str
    kind: str
    full_name: str
    badge_number: str | None
    rank: str
    rank_label: str
    roles: list[str]
    role_labels: list[str]
    capabilities: list[str]
    unit: UnitOut | None
    clearance: int
    clearance_label: str
    mfa: bool


class TokenIn(Schema):
    name: str = ""
    days: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str
