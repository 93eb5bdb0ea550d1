"""Every write of the push lists one entry or one task at a time: the district's
decisions on its queue, the checks on the ground, re-routing, closing, escalation.

(Whole lists are written by the importer, set-based; both open cases by the same rule,
`cases.subject_key` under `cases.lock_cases`.)
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.selectors import actor_display
from fangkong.core import audit
from fangkong.core.codes import Level
from fangkong.core.errors import ApplicationError, FieldError, NotFound
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.regions import get as region_get
from fangkong.core.scope import Scope
from fangkong.registry.models import Person

from .cases import lock_cases, subject_key
from .models import PushListEntry, TaskEvent, VerificationTask

REVEALABLE = ("id_number", "phone")
MIN_REASON = 2


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _reason(reason: str, field: str = "reason") -> str:
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON:
        raise _invalid(field, _("Give the reason."))
    return text[:200]


def _event(
    scope: Scope,
    task: VerificationTask,
    kind: str,
    *,
    at: dt.datetime,
    from_code: str = "",
    to_code: str = "",
    reason: str = "",
    entry: PushListEntry | None = None,
    data: dict[str, object] | None = None,
) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task,
        jurisdiction_code=task.jurisdiction_code,
        kind=kind,
        at=at,
        actor_id=scope.actor_id,
        actor_name=actor_display(scope),
        from_code=from_code,
        to_code=to_code,
        reason=reason,
        entry=entry,
        data=data or {},
    )


def _routable(scope: Scope, code: str) -> Jurisdiction:
    """A community or grid of the scope that tasks may go to."""
    node = (
        Jurisdiction.objects.within(scope)
        .filter(code=code, level__in=[Level.COMMUNITY, Level.GRID], is_active=True)
        .first()
    )
    if node is None:
        raise NotFound(_("Community not found."))
    return node


def _locked_entry(entry: PushListEntry) -> PushListEntry:
    locked = PushListEntry.objects.select_for_update().select_related("push_list").get(pk=entry.pk)
    if not locked.in_queue:
        raise ApplicationError(
            _("This entry has already been routed or returned; reload the page.")
        )
    return locked


def _attach(
    scope: Scope, entry: PushListEntry, *, person: Person | None, code: str, now: dt.datetime
) -> VerificationTask:
    """Put an entry on the open case of its subject, or open the case at `code`."""
    lock_cases()
    key = subject_key(
        person_id=person.pk if person else None, id_number=entry.id_number, entry_id=entry.pk
    )
    deadline = entry.push_list.deadline
    task = (
        VerificationTask.objects.select_for_update()
        .filter(subject_key=key)
        .exclude(status=VerificationTask.Status.CLOSED)
        .first()
    )
    if task is not None:
        if task.status == VerificationTask.Status.OPEN and task.deadline > deadline:
            task.deadline = deadline
            task.save(update_fields=["deadline"])
        kind = TaskEvent.Kind.JOINED
    else:
        task = VerificationTask.objects.create(
            jurisdiction_code=code,
            community_code=code[:12],
            subject_key=key,
            person=person,
            deadline=deadline,
            created_at=now,
        )
        kind = TaskEvent.Kind.CREATED
    entry.task = task
    entry.jurisdiction_code = task.jurisdiction_code
    _event(scope, task, kind, at=now, to_code=task.jurisdiction_code, entry=entry)
    return task


# --- The district's queue -------------------------------------------------------------


@transaction.atomic
def entry_decide(*, scope: Scope, entry: PushListEntry, person: Person) -> PushListEntry:
    """The district decides who an ambiguous or unmatched entry is: matched by hand, and
    routed to that person's community (or the open case joined)."""
    scope.require(Perm.PUSHLIST_MANAGE, at=entry.jurisdiction_code)
    if not scope.covers(person.jurisdiction_code):
        raise NotFound(_("Not found."))
    entry = _locked_entry(entry)
    now = timezone.now()
    entry.person = person
    entry.match_status = PushListEntry.MatchStatus.MATCHED
    entry.match_method = PushListEntry.Method.MANUAL
    entry.confidence = 100
    entry.decided_by_id, entry.decided_at = scope.actor_id, now
    task = _attach(scope, entry, person=person, code=person.jurisdiction_code, now=now)
    entry.save(
        update_fields=[
            "person",
            "match_status",
            "match_method",
            "confidence",
            "decided_by",
            "decided_at",
            "task",
            "jurisdiction_code",
        ]
    )
    audit.record(
        scope,
        "pushlists.entry.decided",
        entry,
        jurisdiction_code=task.jurisdiction_code,
        data={"person": person.pk, "task": task.pk},
    )
    return entry


@transaction.atomic
def entry_assign(*, scope: Scope, entry: PushListEntry, code: str) -> PushListEntry:
    """An entry nobody in the registry matches goes to a community (or grid) by hand:
    the community looks for the person on the ground."""
    scope.require(Perm.PUSHLIST_MANAGE, at=entry.jurisdiction_code)
    target = _routable(scope, code)
    entry = _locked_entry(entry)
    now = timezone.now()
    entry.decided_by_id, entry.decided_at = scope.actor_id, now
    task = _attach(scope, entry, person=None, code=target.code, now=now)
    entry.save(update_fields=["decided_by", "decided_at", "task", "jurisdiction_code"])
    audit.record(
        scope,
        "pushlists.entry.assigned",
        entry,
        jurisdiction_code=task.jurisdiction_code,
        data={"to": target.code, "task": task.pk},
    )
    return entry


@transaction.atomic
def entry_return(*, scope: Scope, entry: PushListEntry, reason: str) -> PushListEntry:
    """Not a person of this district (pushed to the wrong place): returned to the sender
    with the reason, which the export back carries."""
    scope.require(Perm.PUSHLIST_MANAGE, at=entry.jurisdiction_code)
    text = _reason(reason)
    entry = _locked_entry(entry)
    entry.returned_by_id, entry.returned_at, entry.return_reason = (
        scope.actor_id,
        timezone.now(),
        text,
    )
    entry.save(update_fields=["returned_by", "returned_at", "return_reason"])
    audit.record(scope, "pushlists.entry.returned", entry, reason=text)
    return entry


@transaction.atomic
def entry_reveal(
    *, scope: Scope, entry: PushListEntry, field: str, reason: str, remote_addr: str = ""
) -> str:
    """The full identity number or phone as the sender wrote it: with a reason, audited."""
    scope.require(Perm.PERSON_REVEAL, at=entry.jurisdiction_code)
    if field not in REVEALABLE:
        raise _invalid("field", _("This field cannot be revealed."))
    text = _reason(reason)
    if field == "id_number":
        value = entry.id_number or entry.id_raw
    else:
        value = entry.phone or entry.phone_raw
    audit.record(
        scope,
        "pushlists.entry.revealed",
        entry,
        reason=text,
        data={"field": field},
        remote_addr=remote_addr,
    )
    return value


# --- Checks on the ground ---------------------------------------------------------------


def _locked_task(task: VerificationTask) -> VerificationTask:
    locked = VerificationTask.objects.select_for_update().get(pk=task.pk)
    if locked.status == VerificationTask.Status.CLOSED:
        raise ApplicationError(_("This task is closed."))
    return locked


def _where_code(code: str) -> str:
    """A community of the tree or a region of the country (core.regions), or nothing."""
    code = (code or "").strip()
    if not code:
        return ""
    known = (
        Jurisdiction.objects.filter(code=code).exists()
        if len(code) >= 12
        else region_get(code) is not None
    )
    if not known:
        raise _invalid("where_code", _("No such community or region."))
    return code


@transaction.atomic
def task_record(
    *,
    scope: Scope,
    task: VerificationTask,
    outcome: str,
    measure: str = "",
    where_text: str = "",
    where_code: str = "",
    note: str = "",
) -> VerificationTask:
    """The community's result of the check on the ground, and the measure taken.

    Found at home closes the case; every other outcome waits for the subdistrict or the
    district, who re-route it (the person lives in another community) or close it.
    Recording again before it is closed corrects the result; the history keeps both.
    """
    scope.require(Perm.VERIFICATION_RECORD, at=task.jurisdiction_code)
    outcomes = {o for o, _label in VerificationTask.Outcome.choices if o}
    if outcome not in outcomes:
        raise _invalid("outcome", _("Choose the outcome of the check."))
    if measure not in {m for m, _label in VerificationTask.Measure.choices}:
        raise _invalid("measure", _("Choose the measure taken."))
    where_text = " ".join((where_text or "").split())[:200]
    if outcome == VerificationTask.Outcome.FOUND_AT_HOME and not measure:
        raise _invalid("measure", _("Say what measure was taken."))
    if outcome == VerificationTask.Outcome.LIVES_ELSEWHERE and not (where_text or where_code):
        raise _invalid("where_text", _("Say where the person lives now."))
    code = _where_code(where_code)
    task = _locked_task(task)
    now = timezone.now()
    task.outcome, task.measure = outcome, measure
    task.where_text, task.where_code = where_text, code
    task.note = (note or "").strip()[:500]
    task.verified_by_id, task.verified_by_name, task.verified_at = (
        scope.actor_id,
        actor_display(scope),
        now,
    )
    closes = outcome == VerificationTask.Outcome.FOUND_AT_HOME
    task.status = VerificationTask.Status.CLOSED if closes else VerificationTask.Status.DONE
    if closes:
        task.closed_by_id, task.closed_at = scope.actor_id, now
    task.save()
    data: dict[str, object] = {"outcome": outcome, "measure": measure, "where_code": code}
    _event(scope, task, TaskEvent.Kind.RECORDED, at=now, reason=where_text, data=data)
    if closes:
        _event(scope, task, TaskEvent.Kind.CLOSED, at=now)
    audit.record(scope, "pushlists.task.recorded", task, data=data | {"status": task.status})
    return task


@transaction.atomic
def task_reroute(
    *, scope: Scope, task: VerificationTask, to_code: str, reason: str
) -> VerificationTask:
    """A task in the wrong community goes to the right one (the subdistrict within its
    communities, the district anywhere): same deadline, history kept. A task that was
    checked elsewhere ("lives elsewhere") opens again there."""
    scope.require(Perm.VERIFICATION_ROUTE, at=task.jurisdiction_code)
    text = _reason(reason)
    target = _routable(scope, to_code)
    scope.require(Perm.VERIFICATION_ROUTE, at=target.code)
    task = _locked_task(task)
    if target.code == task.jurisdiction_code:
        raise _invalid("to", _("The task is already there."))
    now = timezone.now()
    before = task.jurisdiction_code
    data: dict[str, object] = {}
    if task.status == VerificationTask.Status.DONE:
        data = {"previous_outcome": task.outcome, "previous_where": task.where_text}
        task.status = VerificationTask.Status.OPEN
        task.outcome = task.measure = task.where_text = task.where_code = task.note = ""
        task.verified_by_id, task.verified_by_name, task.verified_at = None, "", None
    task.jurisdiction_code, task.community_code = target.code, target.code[:12]
    task.save()
    PushListEntry.objects.filter(task=task).update(jurisdiction_code=target.code)
    _event(
        scope,
        task,
        TaskEvent.Kind.REROUTED,
        at=now,
        from_code=before,
        to_code=target.code,
        reason=text,
        data=data,
    )
    audit.record(
        scope,
        "pushlists.task.rerouted",
        task,
        reason=text,
        data={"from": before, "to": target.code},
    )
    return task


@transaction.atomic
def task_close(*, scope: Scope, task: VerificationTask, reason: str) -> VerificationTask:
    """The office above closes a case: checked elsewhere and handed over, not to be
    found, a wrong number reported back, or no longer needed."""
    scope.require(Perm.VERIFICATION_ROUTE, at=task.jurisdiction_code)
    text = _reason(reason)
    task = _locked_task(task)
    now = timezone.now()
    task.status = VerificationTask.Status.CLOSED
    task.closed_by_id, task.closed_at, task.close_reason = scope.actor_id, now, text
    task.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
    _event(scope, task, TaskEvent.Kind.CLOSED, at=now, reason=text)
    audit.record(scope, "pushlists.task.closed", task, reason=text)
    return task


@transaction.atomic
def escalate_overdue(*, scope: Scope, now: dt.datetime | None = None) -> int:
    """Mark open tasks past their deadline as escalated, once, with an event each.

    The overdue lists and counts do not depend on this (they compare the deadline with
    the clock); it leaves the moment of escalation in each task's history.
    """
    scope.require(Perm.VERIFICATION_ROUTE)
    now = now or timezone.now()
    overdue = VerificationTask.objects.within(scope).filter(
        status=VerificationTask.Status.OPEN, deadline__lt=now, escalated_at__isnull=True
    )
    rows = list(overdue.values_list("id", "jurisdiction_code"))
    if not rows:
        return 0
    ids = [pk for pk, _code in rows]
    for start in range(0, len(ids), 5000):
        VerificationTask.objects.filter(pk__in=ids[start : start + 5000]).update(escalated_at=now)
    TaskEvent.objects.bulk_create(
        [
            TaskEvent(
                task_id=pk,
                jurisdiction_code=code,
                kind=TaskEvent.Kind.ESCALATED,
                at=now,
                actor_name=scope.actor_name,
            )
            for pk, code in rows
        ],
        batch_size=5000,
    )
    audit.record(
        scope,
        "pushlists.tasks.escalated",
        object_type="pushlists.verificationtask",
        jurisdiction_code=scope.code,
        data={"tasks": len(rows)},
    )
    return len(rows)
