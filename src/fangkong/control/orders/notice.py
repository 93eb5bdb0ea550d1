"""What the notice (告知书) says: the same for the printed page and the person's own
online view."""

from __future__ import annotations

from typing import Any

from fangkong.control.models import ControlOrder

from . import selectors


def notice_context(order: ControlOrder) -> dict[str, Any]:
    whom, phone = selectors.contact_of(order)
    return {
        "order": order,
        "person": order.person,
        "phases": selectors.order_phases(order=order),
        "tests": selectors.order_tests(order=order),
        "contact_name": whom,
        "contact_phone": phone,
        "community_name": selectors.place_names(codes={order.community_code}).get(
            order.community_code, ""
        ),
        "district_name": selectors.place_names(codes={order.jurisdiction_code[:6]}).get(
            order.jurisdiction_code[:6], ""
        ),
    }
