"""The Scope: who is acting, over which jurisdiction, with which permissions.

Built once per request (web middleware, API auth) or per job (`Scope.system`), and
passed explicitly to every selector and service. Nothing reads or writes scoped rows
without one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .errors import NotFound, PermissionDenied
from .permissions import Perm


@dataclass(frozen=True)
class Scope:
    actor_id: int | None
    actor_name: str
    code: str
    perms: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""
    is_system: bool = False
    can_export: bool = True

    @classmethod
    def system(cls, *, reason: str, code: str = "") -> Scope:
        """A scope for background jobs and commands; grep for it."""
        if not reason:
            raise ValueError("a system scope needs a reason")
        return cls(
            actor_id=None,
            actor_name="system",
            code=code,
            perms=frozenset(Perm),
            reason=reason,
            is_system=True,
        )

    @classmethod
    def for_user(cls, *, actor_id: int, actor_name: str, code: str, perms: Iterable[str]) -> Scope:
        return cls(actor_id=actor_id, actor_name=actor_name, code=code, perms=frozenset(perms))

    def has(self, perm: Perm) -> bool:
        return perm in self.perms

    def covers(self, code: str) -> bool:
        return code.startswith(self.code)

    def can(self, perm: Perm, *, at: str) -> bool:
        return self.has(perm) and self.covers(at)

    def require(self, perm: Perm, *, at: str | None = None) -> None:
        """Raise unless the actor holds perm at the given code.

        Outside the scope is NotFound (it must look like missing); inside without the
        permission is PermissionDenied.
        """
        if at is not None and not self.covers(at):
            raise NotFound(_("Not found."))
        if not self.has(perm):
            raise PermissionDenied(_("You do not have permission to do this."))
