"""Screening on the person file: each time the person was found at a screened household."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import selectors


def screening_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    if not scope.has(Perm.SCREENING_VIEW):
        return
    for finding in selectors.person_findings(person=person):
        record = finding.record
        labels = {c.code: c.label for c in record.task.round.categories.all()}
        parts = [record.task.round.name, str(record.get_outcome_display())]
        if finding.category:
            parts.append(labels.get(finding.category, finding.category))
        if finding.origin_name:
            parts.append(
                _("from %(origin)s, arrived %(day)s")
                % {"origin": finding.origin_name, "day": finding.arrived_on}
            )
        if not finding.present:
            parts.append(_("not present"))
        yield TimelineEvent(
            at=record.recorded_at,
            source="screening",
            title=_("Screened at home") if record.is_current else _("Screened (earlier version)"),
            detail="; ".join(parts),
            url=reverse(
                "screening:household",
                kwargs={"pk": record.task_id, "household_id": record.household_id},
            ),
            level="warning" if finding.category else "info",
        )
