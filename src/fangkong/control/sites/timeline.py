"""The person file's part of the sites: every stay (check-in, transfer, check-out)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import selectors


def stay_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """Read through the selectors: the site's office and the person's own jurisdiction
    see the stays; a link to the stay only for the site's office."""
    for stay in selectors.person_stays(scope=scope, person=person):
        where = _("%(site)s, room %(room)s") % {"site": stay.site.name, "room": stay.room.number}
        url = (
            reverse("control:sites_stay", args=[stay.pk])
            if scope.covers(stay.jurisdiction_code)
            else ""
        )
        yield TimelineEvent(
            at=stay.checked_in_at,
            source="control_sites",
            title=_("Checked in at a quarantine site"),
            detail=" · ".join(p for p in (where, stay.checked_in_by_name) if p),
            url=url,
            level="warning",
        )
        if stay.checked_out_at is not None:
            transferred = stay.out_reason == stay.OutReason.TRANSFERRED
            yield TimelineEvent(
                at=stay.checked_out_at,
                source="control_sites",
                title=_("Transferred to another room or site")
                if transferred
                else _("Checked out of the quarantine site"),
                detail=" · ".join(p for p in (where, stay.checked_out_by_name) if p),
                url=url,
                level="info" if transferred else "success",
            )
