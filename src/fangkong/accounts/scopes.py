"""From a user to a Scope: the single place where a user's reach is decided."""

from __future__ import annotations

from typing import Any

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope


def scope_for_user(user: Any) -> Scope | None:
    """A user's scope, or None (deny everything) when the account is incomplete.

    An account without a jurisdiction or a role reaches nothing; the Django superuser
    flag grants nothing by itself.
    """
    if not user.is_active or not user.jurisdiction_code or user.role_id is None:
        return None
    role = user.role
    perms = {p for p in role.permissions if p in Perm._value2member_map_}
    scope = Scope.for_user(
        actor_id=user.pk,
        actor_name=user.username,
        code=user.jurisdiction_code,
        perms=perms,
    )
    if not role.can_export:
        object.__setattr__(scope, "can_export", False)
    return scope
