"""The person's own view of their order: a section of the resident's status page and
the notice (告知书) online. Only the person's own approved orders, never a proposal,
never staff notes (the decision note, who proposed)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fangkong.core.errors import NotFound
from fangkong.core.web import public
from fangkong.registry.models import Person
from fangkong.residents.session import resident_required

from . import selectors
from .notice import notice_context


def section_context(person: Person) -> dict[str, Any] | None:
    """The current order (in force, or the last one ended in the past fortnight)."""
    order = selectors.resident_orders(person=person).first()
    if order is None:
        return None
    today = timezone.localdate()
    if (
        order.status != order.Status.ACTIVE
        and order.ended_at is not None
        and (today - timezone.localdate(order.ended_at)).days > 14
    ):
        return None
    whom, phone = selectors.contact_of(order)
    return {
        "order": order,
        "phases": selectors.order_phases(order=order),
        "tests": selectors.order_tests(order=order),
        "phase_today": selectors.current_phase(order=order, day=today),
        "contact_name": whom,
        "contact_phone": phone,
    }


@public
@resident_required
def my_notice(request: HttpRequest, person: Person, pk: int) -> HttpResponse:
    """The notice of one of the person's own orders; anyone else's is "not found"."""
    try:
        order = selectors.resident_order_get(person=person, pk=pk)
    except NotFound:
        from django.http import Http404

        raise Http404 from None
    return render(
        request,
        "control/orders/notice.html",
        notice_context(order) | {"for_resident": True},
    )
