"""Who may see and do what: the one module of ``access_*`` look-ups.

Three rules, applied everywhere:
- **capability** — a role grants an action (``accounts.dispatch_units`` …);
- **scope** — an officer sees what belongs to their unit's subtree; officers of a
  ``city_wide`` unit (the city command) see everything;
- **clearance** — a classified object is visible only at or above its level.

Views and API handlers get objects only through these functions (or a domain app's
``access_*`` built on ``access_scoped``), which raise ``NotFound``/``Forbidden``. An object
out of scope is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safecity.accounts.models import Unit, User
from safecity.core import audit
from safecity.core.errors import Forbidden, NotFound

M = TypeVar("M", bound=Model)


def is_officer(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and getattr(user, "kind", "") == User.Kind.OFFICER
        and bool(user.is_active)
    )


def require_officer(user: Any) -> User:
    if not is_officer(user):
        raise Forbidden()
    return user  # type: ignore[no-any-return,unused-ignore]


def has_capability(user: Any, capability: str) -> bool:
    return is_officer(user) and bool(user.has_perm(capability))


def require_capability(user: Any, capability: str, *, audit_action: str = "") -> User:
    """Raise ``Forbidden`` unless the officer's roles grant ``capability``."""
    if not has_capability(user, capability):
        if audit_action:
            audit.record(
                audit_action, actor=user, outcome="denied", detail={"capability": capability}
            )
        raise Forbidden()
    return user  # type: ignore[no-any-return,unused-ignore]


def sees_all(user: User) -> bool:
    return bool(user.unit_id and user.unit and user.unit.city_wide)


def scope_root(user: User) -> Unit | None:
    """The unit whose subtree the officer sees; ``None`` for officers without a unit."""
    if not is_officer(user) or user.unit is None:
        return None
    if user.unit.city_wide:
        return Unit.objects.filter(parent__isnull=True).order_by("id").first() or user.unit
    return user.unit


def scope_filter(user: User, unit_field: str = "unit") -> Q:
    """A ``Q`` limiting a query on objects owned by ``unit_field`` to the officer's scope."""
    if not is_officer(user) or user.unit is None:
        return Q(pk__in=[])
    if sees_all(user):
        return Q()
    prefix = f"{unit_field}__" if unit_field else ""  # "" filters the Unit table itself
    return Q(**{f"{prefix}path__startswith": user.unit.path})


def clearance_filter(user: User, classification_field: str) -> Q:
    return Q(**{f"{classification_field}__lte": user.clearance if is_officer(user) else -1})


def scoped(
    user: User,
    queryset: QuerySet[M],
    *,
    unit_field: str = "unit",
    classification_field: str | None = None,
) -> QuerySet[M]:
    """Every object of ``queryset`` the officer may see."""
    query = scope_filter(user, unit_field)
    if classification_field:
        query &= clearance_filter(user, classification_field)
    return queryset.filter(query)


def access_scoped(
    user: User,
    queryset: QuerySet[M],
    pk: Any,
    *,
    unit_field: str = "unit",
    classification_field: str | None = None,
) -> M:
    """The one object ``pk`` if the officer may see it, else ``NotFound``."""
    try:
        return scoped(
            user, queryset, unit_field=unit_field, classification_field=classification_field
        ).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def in_scope(user: User, unit: Unit) -> bool:
    if not is_officer(user) or user.unit is None:
        return False
    return sees_all(user) or unit.path.startswith(user.unit.path)


# --- Look-ups for the accounts app's own objects ----------------------------------------------


def access_unit(user: User, unit_id: Any) -> Unit:
    require_officer(user)
    return access_scoped(user, Unit.objects.all(), unit_id, unit_field="")


def access_officer(user: User, officer_id: Any) -> User:
    require_officer(user)
    return access_scoped(user, User.objects.filter(kind=User.Kind.OFFICER), officer_id)


def access_audit_log(user: Any) -> User:
    """The audit trail is open to auditors only; every look is itself audited by the caller."""
    return require_capability(user, "accounts.view_audit", audit_action="audit.read")


def access_accounts_admin(user: Any) -> User:
    return require_capability(user, "accounts.manage_accounts")


# Fields of an officer that decide what they may see and do (``services.ACCESS_FIELDS`` and
# the admin's own flags).
GRANT_FIELDS = ("groups", "clearance", "unit", "kind", "is_active", "is_staff")


def access_grant_refusals(
    granter: Any,
    officer: User,
    *,
    changed: set[str],
    roles_before: set[Group],
    roles_after: set[Group],
    clearance_before: int,
    clearance_after: int | None,
) -> dict[str, str]:
    """Why ``granter`` may not make this change to ``officer``'s access, by field (empty: they
    may). Three rules, so that an administrator cannot give themselves (or anyone) more than
    they hold: nobody changes their own access; a role is granted or taken away only by an
    officer whose own permissions include all of that role's; a clearance above the
    granter's own is neither given nor taken away. A superuser, who holds every permission,
    is bound by none of them."""
    if getattr(granter, "is_superuser", False):
        return {}
    refusals: dict[str, str] = {}
    if officer.pk is not None and officer.pk == getattr(granter, "pk", None):
        for field in sorted(changed & set(GRANT_FIELDS)):
            refusals[field] = str(
                _("Nobody may change their own access; ask another administrator.")
            )
        return refusals
    held = granter.get_all_permissions() if is_officer(granter) else set()
    beyond = sorted(
        group.name
        for group in roles_before ^ roles_after
        if not {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        <= held
    )
    if beyond:
        refusals["groups"] = str(
            _("You may grant or take away only roles whose permissions you hold: %(roles)s.")
            % {"roles": ", ".join(beyond)}
        )
    own = getattr(granter, "clearance", 0)
    if "clearance" in changed and max(clearance_before, clearance_after or 0) > own:
        refusals["clearance"] = str(_("You may not set a clearance above your own."))
    return refusals
