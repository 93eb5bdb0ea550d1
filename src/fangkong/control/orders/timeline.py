"""The person file's part of the control orders: each order and every step of it."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.control.models import OrderEvent, Trigger
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from . import selectors

_LEVELS: dict[str, str] = {
    OrderEvent.Kind.PROPOSED.value: "warning",
    OrderEvent.Kind.APPROVED.value: "danger",
    OrderEvent.Kind.REJECTED.value: "info",
    OrderEvent.Kind.RELEASED.value: "success",
    OrderEvent.Kind.ENDED.value: "success",
}


def order_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """Read through the area's selectors: only what the viewer's scope holds shows."""
    triggers = dict(Trigger.choices)
    for event in selectors.person_order_events(scope=scope, person=person):
        order = event.order
        title = _("Control order %(step)s") % {"step": event.get_kind_display()}
        detail = " · ".join(
            str(p)
            for p in (
                order.notice_no,
                triggers.get(order.trigger, order.trigger)
                if event.kind == OrderEvent.Kind.PROPOSED
                else "",
                event.reason,
                event.actor_name,
            )
            if p
        )
        yield TimelineEvent(
            at=event.at,
            source="control_orders",
            title=title,
            detail=detail,
            url=reverse("control:orders_detail", args=[order.pk]),
            level=_LEVELS.get(event.kind, "info"),
        )
