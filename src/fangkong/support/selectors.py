"""Reads of help requests: the community's queue, one request, a person's requests (the
person file, and the resident's own page), and the counts of the daily report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
    # A figure of the daily report on `day` (DAY_FILTERS): the requests it counts.
    on: str = ""
    day: dt.date | None = None

    def describe(self) -> str:
        parts = []
        if self.on in DAY_FILTERS and self.day:
            parts.append(
                _("as counted in the daily report of %(day)s") % {"day": self.day.isoformat()}
            )
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


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    start = _day_start(day)
    end = start + dt.timedelta(days=1)
    return start, end, min(end, timezone.now())


def _asked_on(day: dt.date) -> Q:
    start, end, _cut = _bounds(day)
    return Q(created_at__gte=start, created_at__lt=end)


def _done_on(day: dt.date) -> Q:
    start, end, _cut = _bounds(day)
    return Q(status=Status.DONE, closed_at__gte=start, closed_at__lt=end)


def _open_at_end_of(day: dt.date) -> Q:
    _start, _end, cut = _bounds(day)
    return Q(created_at__lt=cut) & (Q(closed_at__isnull=True) | Q(closed_at__gte=cut))


# The daily report's figures and the queue share these (a number and its list agree):
# asked that day, done that day, open at the end of that day (now, for today).
DAY_FILTERS: dict[str, Callable[[dt.date], Q]] = {
    "new": _asked_on,
    "done": _done_on,
    "open": _open_at_end_of,
}


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
    if f.on in DAY_FILTERS and f.day is not None:
        found = found.filter(DAY_FILTERS[f.on](f.day))
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


def counts_by_code(*, scope: Scope, code: str, day: dt.date) -> dict[str, RequestCounts]:
    """For the daily report: per stored jurisdiction code under `code`, the help
    requests asked and done on `day` and those still open at its end (DAY_FILTERS; read
    from the timestamps, so a past day is counted the same way later)."""
    scope.require(Perm.SUPPORT_VIEW)
    _start, end, _cut = _bounds(day)
    rows = (
        ServiceRequest.objects.within(scope)
        .within_code(code)
        .filter(created_at__lt=end)
        .values("jurisdiction_code")
        .annotate(**{name: Count("id", filter=q(day)) for name, q in DAY_FILTERS.items()})
        .order_by()
    )
    return {
        row["jurisdiction_code"]: RequestCounts(new=row["new"], done=row["done"], open=row["open"])
        for row in rows
    }


def counts(*, scope: Scope, code: str, day: dt.date) -> RequestCounts:
    """The same, added up for one jurisdiction."""
    new = done = open_ = 0
    for c in counts_by_code(scope=scope, code=code, day=day).values():
        new, done, open_ = new + c.new, done + c.done, open_ + c.open
    return RequestCounts(new=new, done=done, open=open_)
