"""The person file's part of care: alerts about the person (fever, symptoms, a door
opened, a missed follow-up) and the follow-ups that found something."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.control.models import Alert
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import rules, selectors


def care_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """Read through the area's selectors, so only what the viewer's scope holds shows."""
    for alert in selectors.person_alerts(scope=scope, person=person):
        detail = alert.summary
        if alert.status == Alert.Status.CLOSED:
            detail = f"{detail} · {_('Closed')}: {alert.resolution}"
        yield TimelineEvent(
            at=alert.raised_at,
            source="control_care",
            title=_("Alert: %(kind)s") % {"kind": alert.get_kind_display()},
            detail=detail,
            url=reverse("control:care_alert", args=[alert.pk]),
            level="danger" if alert.status != Alert.Status.CLOSED else "warning",
        )
    for followup in selectors.person_followups_of_note(scope=scope, person=person):
        parts = [f"{followup.temperature} °C" if followup.temperature is not None else ""]
        labels = dict(rules.SYMPTOMS)
        parts.append("、".join(str(labels.get(code, code)) for code in followup.symptoms))
        parts.append(followup.recorded_by_name)
        yield TimelineEvent(
            at=followup.recorded_at or followup.order.proposed_at,
            source="control_care",
            title=_("Follow-up found something"),
            detail=" · ".join(p for p in parts if p),
            url=reverse("control:care_followup", args=[followup.pk]),
            level="warning",
        )
