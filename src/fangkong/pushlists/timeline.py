"""The person file's part of the push lists: every list that named the person, and
what the checks on the ground found."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import selectors
from .models import TaskEvent, VerificationTask

_LEVELS: dict[str, str] = {
    TaskEvent.Kind.RECORDED.value: "success",
    TaskEvent.Kind.REROUTED.value: "info",
    TaskEvent.Kind.ESCALATED.value: "danger",
    TaskEvent.Kind.CLOSED.value: "success",
}


def pushlist_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """Read through the app's selectors, so only what the viewer's scope holds shows."""
    for entry in selectors.person_entries(scope=scope, person=person):
        detail = " · ".join(p for p in (entry.reason, entry.source, entry.push_list.source) if p)
        yield TimelineEvent(
            at=entry.created_at,
            source="pushlists",
            title=_("Named on push list %(name)s") % {"name": entry.push_list.name},
            detail=detail,
            url=reverse("pushlists:task", args=[entry.task_id]) if entry.task_id else "",
            level="warning",
        )
    outcomes = dict(VerificationTask.Outcome.choices)
    measures = dict(VerificationTask.Measure.choices)
    for event in selectors.person_task_events(scope=scope, person=person):
        title: str = str(event.get_kind_display())
        detail = event.reason
        if event.kind == TaskEvent.Kind.RECORDED.value:
            outcome = outcomes.get(event.data.get("outcome", ""), "")
            measure = measures.get(event.data.get("measure", ""), "")
            title = _("Checked on the ground: %(outcome)s") % {"outcome": outcome}
            detail = " · ".join(str(p) for p in (measure, event.reason, event.actor_name) if p)
        yield TimelineEvent(
            at=event.at,
            source="pushlists",
            title=title,
            detail=detail,
            url=reverse("pushlists:task", args=[event.task_id]),
            level=_LEVELS.get(event.kind, "info"),
        )
