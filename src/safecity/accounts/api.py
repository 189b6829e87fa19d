from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from safecity.accounts import selectors, services
from safecity.accounts.access import access_unit, require_officer
from safecity.accounts.models import ApiToken, User
from safecity.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut, UnitOut
from safecity.core.api import ERROR_RESPONSES
from safecity.core.errors import InvalidInput, NotFound

router = Router(tags=["accounts"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES})
def me(request: HttpRequest) -> dict[str, object]:
    """Who is calling: user, roles, capabilities, unit and clearance."""
    return selectors.me(_user(request))


@router.get("/me/tokens", response={200: list[TokenOut], **ERROR_RESPONSES})
def my_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(selectors.tokens_of(_user(request)))


@router.post("/me/tokens", response={201: TokenCreatedOut, **ERROR_RESPONSES})
def my_token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    """Create an API token for yourself. The token is shown in this answer only."""
    user = require_officer(_user(request))
    if payload.days is not None and not 1 <= payload.days <= 3650:
        raise InvalidInput(fields={"days": [_("Between 1 and 3650 days.")]})
    token, raw = services.token_create(
        user=user, name=payload.name[:100], days=payload.days, actor=user
    )
    out = TokenOut.model_validate(token).model_dump()
    return Status(201, {**out, "token": raw})


@router.delete("/me/tokens/{token_id}", response={200: TokenOut, **ERROR_RESPONSES})
def my_token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    user = _user(request)
    token = selectors.tokens_of(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return services.token_revoke(token=token, actor=user)


@router.get("/units", response={200: list[UnitOut], **ERROR_RESPONSES})
def units(request: HttpRequest) -> list[object]:
    """Units in the caller's scope (their unit's subtree; everything for the city command)."""
    return list(selectors.units_visible(_user(request)))


@router.get("/units/{unit_id}", response={200: UnitOut, **ERROR_RESPONSES})
def unit(request: HttpRequest, unit_id: int) -> object:
    return access_unit(_user(request), unit_id)
