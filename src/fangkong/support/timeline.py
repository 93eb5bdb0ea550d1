"""The person file's part of the help requests: asked, taken, done or cancelled."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import selectors
from .models import ServiceRequest


def support_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """Read through the app's selectors, so only what the viewer's scope holds shows."""
    kinds = dict(ServiceRequest.Kind.choices)
    for r in selectors.person_requests(scope=scope, person=person):
        kind = str(kinds.get(r.kind, r.kind))
        url = reverse("support:request", args=[r.pk])
        asked = (
            _("Asked for help: %(kind)s")
            if r.channel == ServiceRequest.Channel.RESIDENT
            else _("Help request recorded: %(kind)s")
        )
        yield TimelineEvent(
            at=r.created_at,
            source="support",
            title=asked % {"kind": kind},
            detail=" · ".join(p for p in (r.text, r.created_by_name) if p),
            url=url,
            level="warning",
        )
        if r.taken_at is not None and r.status != ServiceRequest.Status.CANCELLED:
            yield TimelineEvent(
                at=r.taken_at,
                source="support",
                title=_("Help request taken: %(kind)s") % {"kind": kind},
                detail=r.taken_by_name,
                url=url,
            )
        if r.closed_at is not None:
            done = r.status == ServiceRequest.Status.DONE
            yield TimelineEvent(
                at=r.closed_at,
                source="support",
                title=(_("Help given: %(kind)s") if done else _("Help request cancelled: %(kind)s"))
                % {"kind": kind},
                detail=" · ".join(
                    p
                    for p in (
                        r.note,
                        _("withdrawn by the resident") if r.is_withdrawn else r.closed_by_name,
                    )
                    if p
                ),
                url=url,
                level="success" if done else "info",
            )
