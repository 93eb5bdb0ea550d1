"""The person file's part of texts to residents: every message sent to the person."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import audiences, selectors
from .models import MessageLog


def message_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """Read through the app's selectors, so only what the viewer's scope holds shows."""
    may_open = scope.has(Perm.MESSAGE_SEND)
    for m in selectors.person_messages(scope=scope, person_id=person.pk):
        audience = audiences.get(m.kind)
        kind = str(audience.label) if audience is not None else m.kind
        yield TimelineEvent(
            at=m.queued_at,
            source="messaging",
            title=_("Text message (%(kind)s): %(status)s")
            % {"kind": kind, "status": m.get_status_display()},
            detail=" · ".join(p for p in (m.text, m.phone_masked, m.error) if p),
            url=reverse("messaging:batch", args=[m.batch_id]) if m.batch_id and may_open else "",
            level="danger" if m.status == MessageLog.Status.FAILED else "info",
        )
