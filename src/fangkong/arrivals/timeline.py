"""Arrival reports on the person file (registered with registry.timeline in ready())."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import selectors
from .models import ArrivalReport

LEVELS = {"high": "danger", "medium": "warning", "other": "info"}


def arrival_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """A report when it came in, and its verification when it was done."""
    if not scope.has(Perm.ARRIVAL_VIEW):
        return []
    classes = dict(ArrivalReport.Classification.choices)
    outcomes = dict(ArrivalReport.Outcome.choices)
    events = []
    for report in selectors.reports_of_person(scope=scope, person=person):
        url = reverse("arrivals:report", kwargs={"pk": report.pk})
        events.append(
            TimelineEvent(
                at=report.submitted_at,
                source="arrivals",
                title=_("Arrival reported from %(origin)s") % {"origin": report.origin_name},
                detail=_("arrived %(day)s · %(classification)s · receipt %(receipt)s")
                % {
                    "day": report.arrival_date.isoformat(),
                    "classification": classes.get(report.classification, ""),
                    "receipt": report.receipt,
                },
                url=url,
                level=LEVELS.get(report.classification, "info"),
            )
        )
        if report.verified_at is not None:
            events.append(
                TimelineEvent(
                    at=report.verified_at,
                    source="arrivals",
                    title=_("Arrival report verified: %(outcome)s")
                    % {"outcome": outcomes.get(report.outcome, report.outcome)},
                    detail=report.outcome_note,
                    url=url,
                    level="success",
                )
            )
    return events
