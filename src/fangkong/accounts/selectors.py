"""Reads on accounts, scoped like everything else."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404

from .models import ApiToken, User


def user_list(*, scope: Scope, query: str = "") -> QuerySet[User]:
    scope.require(Perm.USER_VIEW)
    users = User.objects.within(scope).select_related("role", "jurisdiction")
    if query:
        users = users.filter(username__icontains=query) | users.filter(full_name__icontains=query)
    return users.order_by("jurisdiction_code", "username")


def user_get(*, scope: Scope, pk: int) -> User:
    scope.require(Perm.USER_VIEW)
    return get_or_404(User.objects.within(scope).select_related("role", "jurisdiction"), pk=pk)


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """A user's own live API tokens (never anyone else's: there is no scope argument)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def assignable_jurisdictions(*, scope: Scope) -> list[tuple[str, str]]:
    nodes = Jurisdiction.objects.within(scope).filter(is_active=True).order_by("code")
    return [(n.code, f"{'　' * (len(n.code) // 3 - 2)}{n.name} ({n.code})") for n in nodes]


def pending_user(pk: object) -> User | None:
    """The account half-way through login (password given, second factor not yet)."""
    if not isinstance(pk, int):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def actor_display(scope: Scope) -> str:
    """Who did it, as colleagues (and the people concerned) know them: the account's full
    name; the account name when it has none, "system" for a job."""
    if scope.actor_id is None:
        return scope.actor_name
    full = User.objects.filter(pk=scope.actor_id).values_list("full_name", flat=True).first()
    return full or scope.actor_name
