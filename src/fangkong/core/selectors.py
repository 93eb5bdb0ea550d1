"""Reads of core data: the audit log and jobs, always scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import AuditEntry, Job
from .permissions import Perm
from .scope import Scope
from .scoping import get_or_404


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.__dict__.items() if v]
        return "; ".join(parts) or _("none")


def audit_list(*, scope: Scope, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    scope.require(Perm.AUDIT_VIEW)
    f = filters or AuditFilters()
    entries = AuditEntry.objects.within(scope)
    if f.action:
        entries = entries.filter(action__startswith=f.action)
    if f.actor:
        entries = entries.filter(actor_name=f.actor)
    if f.object_type:
        entries = entries.filter(object_type=f.object_type)
    if f.object_id:
        entries = entries.filter(object_id=f.object_id)
    if f.since:
        entries = entries.filter(at__date__gte=f.since)
    if f.until:
        entries = entries.filter(at__date__lte=f.until)
    return entries.order_by("-id")


def audit_actions() -> list[str]:
    return sorted(set(AuditEntry.objects.values_list("action", flat=True).distinct()[:500]))


def job_get(*, scope: Scope, pk: int) -> Job:
    """A job is seen by the one who started it (and only within their scope)."""
    return get_or_404(Job.objects.within(scope).filter(created_by_id=scope.actor_id), pk=pk)
