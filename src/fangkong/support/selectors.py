"""Reads of help requests: the community's queue, one request, a person's requests (the
person file, and the resident's own page), and the counts of the daily report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404
from fangkong.registry import selectors as registry
from fangkong.registry.models import Person

from .models import ServiceRequest

Status = ServiceRequest.Status
STATUS_FILTERS = ("open", "new", "taken", "done", "cancelled", "all")


@dataclass(frozen=True)
class RequestFilters:
    status: str = "open"  # open: new or being handled
    kind: str = ""
    jurisdiction: str = ""  # narrow to a community or grid under the scope
    created_from: dt.date | None = None
    created_until: dt.date | None = None
    query: str = ""  # the person: name, pinyin initials, phone, last four of the ID

    def describe(self) -> str:
        parts = []
        statuses = dict(Status.choices)
        if self.status == "open":
            parts.append(_("new or being handled"))
        elif self.status in statuses:
            parts.append(str(statuses[self.status]))
        if self.kind:
            parts.append(str(dict(ServiceRequest.Kind.choices).get(self.kind, self.kind)))
        if self.jurisdiction:
            parts.append(self.jurisdiction)
        if self.created_from:
            parts.append(_("asked from %(day)s") % {"day": self.created_from.isoformat()})
        if self.created_until:
            parts.append(_("asked until %(day)s") % {"day": self.created_until.isoformat()})
        if self.query:
            parts.append(_("search: %(q)s") % {"q": self.query})
        return "; ".join(parts) or _("all")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def queue(*, scope: Scope, filters: RequestFilters | None = None) -> QuerySet[ServiceRequest]:
    """The requests of the scope: open ones oldest first (who waits longest comes first),
    closed ones newest first."""
    scope.require(Perm.SUPPORT_VIEW)
    f = filters or RequestFilters()
    found = ServiceRequest.objects.within(scope)
    if f.jurisdiction:
        found = found.within_code(f.jurisdiction)
    if f.status == "open":
        found = found.filter(status__in=ServiceRequest.OPEN)
    elif f.status in Status.values:
        found = found.filter(status=f.status)
    if f.kind:
        found = found.filter(kind=f.kind)
    if f.created_from:
        found = found.filter(created_at__gte=_day_start(f.created_from))
    if f.created_until:
        found = found.filter(created_at__lt=_day_start(f.created_until + dt.timedelta(days=1)))
    if f.query.strip():
        people = Person.objects.within(scope).filter(registry.search_q(f.query))
        found = found.filter(person__in=people.values("pk"))
    order = ("created_at", "id") if f.status in ("open", "new", "taken") else ("-created_at", "-id")
    return found.select_related("person").order_by(*order)


def request_get(*, scope: Scope, pk: int) -> ServiceRequest:
    scope.require(Perm.SUPPORT_VIEW)
    return get_or_404(ServiceRequest.objects.within(scope).select_related("person"), pk=pk)


def person_requests(*, scope: Scope, person: Person) -> QuerySet[ServiceRequest]:
    """A person's requests as the viewer's scope holds them (the person file)."""
    if not scope.has(Perm.SUPPORT_VIEW):
        return ServiceRequest.objects.none()
    return ServiceRequest.objects.within(scope).filter(person=person).order_by("created_at", "id")


def resident_requests(*, person: Person, limit: int = 20) -> list[ServiceRequest]:
    """The resident's own requests, newest first (the one-time code proved the person;
    no staff scope is involved)."""
    return list(ServiceRequest.objects.filter(person=person).order_by("-created_at", "-id")[:limit])


def resident_request(*, person: Person, pk: int) -> ServiceRequest | None:
    return ServiceRequest.objects.filter(person=person, pk=pk).first()


def community_names(*, scope: Scope) -> dict[str, str]:
    return registry.community_names(scope=scope)


@dataclass(frozen=True)
class RequestCounts:
    new: int = 0  # asked that day
    done: int = 0  # done that day
    open: int = 0  # new or being handled at the end of the day (now, for today)


def counts(*, scope: Scope, code: str, day: dt.date) -> RequestCounts:
    """For the daily report: the help requests under `code` asked and done on `day`,
    and those still open at its end. One aggregate query; "open at the end of the day"
    is read from the timestamps, so a past day is counted the same way later."""
    scope.require(Perm.SUPPORT_VIEW)
    start = _day_start(day)
    end = start + dt.timedelta(days=1)
    cut = min(end, timezone.now())
    open_then = Q(created_at__lt=cut) & (Q(closed_at__isnull=True) | Q(closed_at__gte=cut))
    row = (
        ServiceRequest.objects.within(scope)
        .within_code(code)
        .filter(created_at__lt=end)
        .aggregate(
            new=Count("id", filter=Q(created_at__gte=start)),
            done=Count("id", filter=Q(status=Status.DONE, closed_at__gte=start, closed_at__lt=end)),
            open=Count("id", filter=open_then),
        )
    )
    return RequestCounts(new=row["new"] or 0, done=row["done"] or 0, open=row["open"] or 0)
