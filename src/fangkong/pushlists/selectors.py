"""Every read of the push lists, scoped: lists and their counts, the district's queue,
a community's tasks, supervision of what is overdue, and the counts the daily report
needs.

Overdue is always computed from the deadline and the clock, never from the
escalation mark, so the lists are right whether or not the periodic task has run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from fangkong.core.codes import Level
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404
from fangkong.registry import selectors as registry_selectors
from fangkong.registry.models import Person
from fangkong.screening import selectors as screening_selectors

from .models import PushList, PushListEntry, PushListImport, TaskEvent, VerificationTask

DUE_SOON = dt.timedelta(hours=6)
RECENT_CHECK = dt.timedelta(days=14)
Status = VerificationTask.Status
Match = PushListEntry.MatchStatus


# --- Lists ----------------------------------------------------------------------------


def push_lists(*, scope: Scope) -> QuerySet[PushList]:
    scope.require(Perm.VERIFICATION_VIEW)
    return PushList.objects.within(scope).order_by("-received_at", "-id")


def push_list_get(*, scope: Scope, pk: int) -> PushList:
    found = get_or_404(PushList.objects.within(scope), pk=pk)
    scope.require(Perm.VERIFICATION_VIEW, at=found.jurisdiction_code)
    return found


def list_imports(*, scope: Scope, push_list: PushList) -> QuerySet[PushListImport]:
    return PushListImport.objects.within(scope).filter(push_list=push_list).order_by("id")


@dataclass
class ListCounts:
    entries: int = 0
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    in_queue: int = 0
    routed: int = 0
    verified: int = 0
    overdue: int = 0
    closed: int = 0
    returned: int = 0

    @property
    def open(self) -> int:
        return self.entries - self.closed


def _list_count_expressions(now: dt.datetime) -> dict[str, Any]:
    queue = Q(task__isnull=True, returned_at__isnull=True)
    return {
        "entries": Count("id"),
        "matched": Count("id", filter=Q(match_status=Match.MATCHED)),
        "ambiguous": Count("id", filter=Q(match_status=Match.AMBIGUOUS) & queue),
        "unmatched": Count("id", filter=Q(match_status=Match.UNMATCHED) & queue),
        "in_queue": Count("id", filter=queue),
        "routed": Count("id", filter=Q(task__isnull=False)),
        "verified": Count("id", filter=Q(task__verified_at__isnull=False)),
        "overdue": Count("id", filter=Q(task__status=Status.OPEN, task__deadline__lt=now)),
        "closed": Count("id", filter=Q(task__status=Status.CLOSED) | Q(returned_at__isnull=False)),
        "returned": Count("id", filter=Q(returned_at__isnull=False)),
    }


def list_counts(
    *, scope: Scope, lists: list[PushList], now: dt.datetime | None = None
) -> dict[int, ListCounts]:
    """matched / ambiguous / unmatched / verified / overdue / closed per list: one
    grouped query over the entries (joined to their tasks), whatever the lists' size.

    Ambiguous and unmatched count the entries still waiting in the district's queue;
    verified counts those whose case has a recorded result; closed, those whose case is
    closed or that were returned to the sender.
    """
    scope.require(Perm.VERIFICATION_VIEW)
    result = {pl.pk: ListCounts() for pl in lists}
    if not lists:
        return result
    rows = (
        PushListEntry.objects.within(scope)
        .filter(push_list__in=[pl.pk for pl in lists])
        .values("push_list_id")
        .annotate(**_list_count_expressions(now or timezone.now()))
        .order_by()
    )
    for row in rows:
        pk = row.pop("push_list_id")
        result[pk] = ListCounts(**row)
    return result


ENTRY_FILTERS = {
    "all": Q(),
    "matched": Q(match_status=Match.MATCHED),
    "queue": Q(task__isnull=True, returned_at__isnull=True),
    "verified": Q(task__verified_at__isnull=False),
    "overdue": Q(task__status=Status.OPEN),  # and the deadline, below
    "closed": Q(task__status=Status.CLOSED) | Q(returned_at__isnull=False),
}


def list_entries(
    *, scope: Scope, push_list: PushList, show: str = "all", now: dt.datetime | None = None
) -> QuerySet[PushListEntry]:
    entries = (
        PushListEntry.objects.within(scope)
        .filter(push_list=push_list)
        .filter(ENTRY_FILTERS.get(show, Q()))
        .select_related("task")
        .order_by("row_no", "id")
    )
    if show == "overdue":
        entries = entries.filter(task__deadline__lt=now or timezone.now())
    return entries


# --- The district's queue and entries ------------------------------------------------------


def queue(*, scope: Scope, kind: str = "") -> QuerySet[PushListEntry]:
    """Entries waiting for the district: ambiguous ones to decide, unmatched ones to
    assign to a community, match by hand or return; oldest list first."""
    scope.require(Perm.PUSHLIST_MANAGE)
    entries = PushListEntry.objects.within(scope).filter(
        task__isnull=True, returned_at__isnull=True
    )
    if kind in (Match.AMBIGUOUS, Match.UNMATCHED):
        entries = entries.filter(match_status=kind)
    return entries.select_related("push_list").order_by(
        "push_list__received_at", "push_list_id", "row_no"
    )


def entry_get(*, scope: Scope, pk: int) -> PushListEntry:
    found = get_or_404(
        PushListEntry.objects.within(scope).select_related("push_list", "task", "person"), pk=pk
    )
    scope.require(Perm.VERIFICATION_VIEW, at=found.jurisdiction_code)
    return found


def candidates_of(*, scope: Scope, entry: PushListEntry) -> list[tuple[Person, int]]:
    """The people an ambiguous entry may be, best first, with their confidence."""
    wanted = {c["person"]: c["confidence"] for c in entry.candidates or []}
    if not wanted:
        return []
    people = {
        p.pk: p for p in registry_selectors.person_list(scope=scope).filter(pk__in=list(wanted))
    }
    return [(people[pk], score) for pk, score in wanted.items() if pk in people]


# --- Tasks ----------------------------------------------------------------------------------

TASK_VIEWS = ("open", "done", "closed", "all")


def tasks(
    *,
    scope: Scope,
    show: str = "open",
    query: str = "",
    code: str = "",
    on: str = "",
    day: dt.date | None = None,
) -> QuerySet[VerificationTask]:
    """A community's (or grid's, subdistrict's) tasks: open ones by deadline, so the
    overdue come first and then those due soon. `on` and `day` narrow them to what a
    figure of the daily report counts (DAY_FILTERS)."""
    scope.require(Perm.VERIFICATION_VIEW)
    found = VerificationTask.objects.within(scope).select_related("person")
    if code:
        found = found.within_code(code)
    if on in DAY_FILTERS and day is not None:
        found = found.filter(DAY_FILTERS[on](day))
    if show == "open":
        found = found.filter(status=Status.OPEN).order_by("deadline", "id")
    elif show == "done":
        found = found.filter(status=Status.DONE).order_by("deadline", "id")
    elif show == "closed":
        found = found.filter(status=Status.CLOSED).order_by("-closed_at", "-id")
    else:
        found = found.order_by("-created_at", "-id")
    if query:
        found = found.filter(
            Q(person__name__startswith=query)
            | Exists(PushListEntry.objects.filter(task=OuterRef("pk"), name__startswith=query))
        )
    return found


def overdue(
    *, scope: Scope, code: str = "", now: dt.datetime | None = None
) -> QuerySet[VerificationTask]:
    scope.require(Perm.VERIFICATION_VIEW)
    return (
        VerificationTask.objects.within(scope)
        .within_code(code)
        .filter(status=Status.OPEN, deadline__lt=now or timezone.now())
        .select_related("person")
        .order_by("deadline", "id")
    )


def task_get(*, scope: Scope, pk: int) -> VerificationTask:
    found = get_or_404(
        VerificationTask.objects.within(scope).select_related("person", "person__household"),
        pk=pk,
    )
    scope.require(Perm.VERIFICATION_VIEW, at=found.jurisdiction_code)
    return found


def task_entries(*, scope: Scope, task: VerificationTask) -> QuerySet[PushListEntry]:
    # The entries of a task carry the task's code: whoever sees the task sees them.
    return task.entries.select_related("push_list").order_by("created_at", "id")


def task_events(*, scope: Scope, task: VerificationTask) -> QuerySet[TaskEvent]:
    # The history travels with the task: after a re-route the new community sees where
    # it came from, as the registry's residence history does for a person.
    return (
        TaskEvent.objects.filter(task=task).select_related("entry__push_list").order_by("at", "id")
    )


def recent_checks(
    *, scope: Scope, task: VerificationTask, now: dt.datetime | None = None
) -> QuerySet[VerificationTask]:
    """Earlier cases of the same person with a result in the last two weeks: the worker
    sees that the person was checked (and what was done) before calling again."""
    since = (now or timezone.now()) - RECENT_CHECK
    found = VerificationTask.objects.within(scope)
    # By the person's index when the case is a registry person's (nearly always).
    found = (
        found.filter(person_id=task.person_id)
        if task.person_id
        else found.filter(subject_key=task.subject_key)
    )
    return found.filter(verified_at__gte=since).exclude(pk=task.pk).order_by("-verified_at")


def screened_recently(
    *, scope: Scope, tasks: list[VerificationTask], now: dt.datetime | None = None
) -> dict[int, screening_selectors.LastScreened]:
    """task id -> when a screening round found the task's person at home, in the last
    two weeks: one case of work, so the person is not called again for the same trip.
    Two queries for a whole page of tasks (screening's own selector)."""
    people = {t.person_id: t.pk for t in tasks if t.person_id and scope.covers(t.jurisdiction_code)}
    if not people:
        return {}
    since = (now or timezone.now()) - RECENT_CHECK
    found = screening_selectors.last_screened(person_ids=list(people))
    return {people[pid]: seen for pid, seen in found.items() if seen.at >= since}


def is_due_soon(task: VerificationTask, now: dt.datetime) -> bool:
    return task.status == Status.OPEN and now <= task.deadline < now + DUE_SOON


# --- Where tasks may go, and names -----------------------------------------------------------


def route_targets(*, scope: Scope, perm: Perm = Perm.VERIFICATION_ROUTE) -> list[Jurisdiction]:
    """The communities and grids where this account may send a task (re-route it with
    VERIFICATION_ROUTE, assign an entry with PUSHLIST_MANAGE)."""
    if not scope.has(perm):
        return []
    return list(
        Jurisdiction.objects.within(scope)
        .filter(level__in=[Level.COMMUNITY, Level.GRID], is_active=True)
        .order_by("code")
    )


def district_communities(*, code: str) -> list[Jurisdiction]:
    """The communities of the district around a code, for "lives elsewhere: where".

    Not prefix-scoped on purpose: the names of jurisdictions are public, and a worker
    must be able to say which other community the person lives in.
    """
    return list(
        Jurisdiction.objects.within_code(code[:6])
        .filter(level=Level.COMMUNITY, is_active=True)
        .order_by("code")
    )


def place_names(*, codes: set[str]) -> dict[str, str]:
    """The names of some jurisdictions (public facts), for history and lists; a grid is
    named with its community (中安街社区 第一网格)."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    wanted = codes | {c[:12] for c in codes if len(c) > 12}
    names = dict(Jurisdiction.objects.filter(code__in=wanted).values_list("code", "name"))
    return {
        code: (
            f"{names.get(code[:12], code[:12])} {names[code]}" if len(code) > 12 else names[code]
        )
        for code in codes
        if code in names
    }


# --- Supervision and the daily report --------------------------------------------------------


@dataclass
class TaskCounts:
    created: int = 0
    verified: int = 0
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    done: int = 0
    closed: int = 0

    def add(self, other: TaskCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Supervision:
    node: Jurisdiction
    children: list[tuple[Jurisdiction, TaskCounts]] = field(default_factory=list)
    total: TaskCounts = field(default_factory=TaskCounts)


def _child_width(node: Jurisdiction) -> int:
    return {
        Level.DISTRICT: 9,
        Level.SUBDISTRICT: 12,
        Level.COMMUNITY: 15,
    }.get(Level(node.level), 15)


def supervision(*, scope: Scope, code: str = "", now: dt.datetime | None = None) -> Supervision:
    """Open, due soon, overdue, awaiting decision and closed tasks under each child of a
    node (the subdistricts of the district, the communities of a subdistrict, the grids
    of a community): one grouped query."""
    scope.require(Perm.VERIFICATION_VIEW)
    now = now or timezone.now()
    node = get_or_404(Jurisdiction.objects.within(scope), code=code or scope.code or "")
    width = _child_width(node)
    children = list(Jurisdiction.objects.within(scope).filter(parent=node).order_by("code"))
    result = Supervision(node=node, children=[(c, TaskCounts()) for c in children])
    counts = {c.code: tc for c, tc in result.children}
    rows = (
        VerificationTask.objects.within(scope)
        .within_code(node.code)
        .annotate(prefix=Substr("jurisdiction_code", 1, width))
        .values("prefix")
        .annotate(
            open=Count("id", filter=Q(status=Status.OPEN)),
            overdue=Count("id", filter=Q(status=Status.OPEN, deadline__lt=now)),
            due_soon=Count(
                "id", filter=Q(status=Status.OPEN, deadline__gte=now, deadline__lt=now + DUE_SOON)
            ),
            done=Count("id", filter=Q(status=Status.DONE)),
            closed=Count("id", filter=Q(status=Status.CLOSED)),
        )
        .order_by()
    )
    for row in rows:
        prefix = row.pop("prefix")
        tc = TaskCounts(**row)
        result.total.add(tc)
        if prefix in counts:
            counts[prefix].add(tc)
    return result


def _day_cut(day: dt.date) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """The day's start and end, and the moment "at the end of the day" is read at (now,
    for today)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return start, end, min(end, timezone.now())


def _open_at_end_of(day: dt.date) -> Q:
    _start, _end, cut = _day_cut(day)
    return (
        Q(created_at__lt=cut)
        & (Q(verified_at__isnull=True) | Q(verified_at__gte=cut))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=cut))
    )


def _created_on(day: dt.date) -> Q:
    start, end, _cut = _day_cut(day)
    return Q(created_at__gte=start, created_at__lt=end)


def _verified_on(day: dt.date) -> Q:
    start, end, _cut = _day_cut(day)
    return Q(verified_at__gte=start, verified_at__lt=end)


def _overdue_at_end_of(day: dt.date) -> Q:
    _start, _end, cut = _day_cut(day)
    return _open_at_end_of(day) & Q(deadline__lt=cut)


# The daily report's figures and the task list share these (a number and its list agree).
DAY_FILTERS: dict[str, Callable[[dt.date], Q]] = {
    "created": _created_on,
    "verified": _verified_on,
    "open": _open_at_end_of,
    "overdue": _overdue_at_end_of,
}


def verification_counts(*, scope: Scope, day: dt.date, width: int = 12) -> dict[str, TaskCounts]:
    """For the daily report: per jurisdiction (the code cut to `width` digits: 9 for
    subdistricts, 12 for communities), the tasks created on `day`, the checks done on
    `day`, and the tasks open and overdue at the end of `day` (now, for today).

    One grouped query; "open at the end of the day" is read from the tasks' timestamps
    (created before, not yet checked or closed then), so a past day's report is
    computed the same way later. Tasks are counted where they are now (after any
    re-routing).
    """
    scope.require(Perm.VERIFICATION_VIEW)
    _start, end, _cut = _day_cut(day)
    rows = (
        VerificationTask.objects.within(scope)
        .filter(created_at__lt=end)
        .annotate(prefix=Substr("jurisdiction_code", 1, width))
        .values("prefix")
        .annotate(**{name: Count("id", filter=q(day)) for name, q in DAY_FILTERS.items()})
        .order_by()
    )
    return {row.pop("prefix"): TaskCounts(**row) for row in rows}


# --- The person file -------------------------------------------------------------------------


def person_entries(*, scope: Scope, person: Person) -> QuerySet[PushListEntry]:
    """The list entries about a person (matched or joined to the person's cases)."""
    return (
        PushListEntry.objects.within(scope)
        .filter(Q(person=person) | Q(task__person=person))
        .select_related("push_list", "task")
        .order_by("created_at", "id")
    )


def person_task_events(*, scope: Scope, person: Person) -> QuerySet[TaskEvent]:
    return (
        TaskEvent.objects.filter(
            task__in=VerificationTask.objects.within(scope).filter(person=person)
        )
        .exclude(kind__in=[TaskEvent.Kind.CREATED, TaskEvent.Kind.JOINED])
        .select_related("task")
        .order_by("at", "id")
    )
