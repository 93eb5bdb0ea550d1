"""Notices for staff: a module tells the accounts of a jurisdiction that something
changed (the risk areas, later the daily report), and their home page shows it.

A notice is addressed to a jurisdiction code and reaches every account at that code
and below it: `notify_staff(jurisdiction_code="410106", ...)` is for the whole
district, "410106001001" for one community. So an account reads the notices addressed
to its own jurisdiction or to one above it; this read is deliberately not prefix-scoped
downwards (a district account does not see every community's notices).

Notices hold text in the language the caller wrote them in; callers write them in the
site's language (`settings.LANGUAGE_CODE`), since one notice is read by many people.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from .codes import LEVEL_LENGTHS
from .models import StaffNotice
from .scope import Scope

TITLE_MAX = 200
LINK_MAX = 300


def notify_staff(
    *,
    jurisdiction_code: str,
    title: str,
    body: str = "",
    link: str = "",
    source: str = "",
    scope: Scope | None = None,
) -> StaffNotice:
    """Add a notice for the staff at `jurisdiction_code` and below; call it inside the
    transaction of the change it announces."""
    if not jurisdiction_code.isdigit():
        raise ValueError(f"not a jurisdiction code: {jurisdiction_code!r}")
    return StaffNotice.objects.create(
        jurisdiction_code=jurisdiction_code,
        source=source[:40],
        title=title[:TITLE_MAX],
        body=body,
        link=link[:LINK_MAX],
        created_at=timezone.now(),
        created_by_id=scope.actor_id if scope is not None else None,
    )


def addressed_to(code: str) -> Q:
    """The notices an account at `code` reads: addressed to it or to an office above."""
    if not code:
        return Q()
    prefixes = {code[:n] for n in LEVEL_LENGTHS.values() if n < len(code)} | {code}
    return Q(jurisdiction_code__in=sorted(prefixes))


def notices_for(*, scope: Scope, limit: int = 10) -> QuerySet[StaffNotice]:
    """The latest notices for the scope's jurisdiction (any account may read them)."""
    return StaffNotice.objects.filter(addressed_to(scope.code)).order_by("-created_at", "-id")[
        :limit
    ]
