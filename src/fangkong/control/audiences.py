"""Control's audience for texts to residents: the people whose order was released on a
day (a release notice), read from the order list of that figure
(control.orders.selectors.DAY_FILTERS["released"])."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope
from fangkong.messaging.audiences import Audience, Param, Recipient, register

from .orders import selectors as orders

DAYS_BACK = 7


def _days(scope: Scope) -> list[tuple[str, str]]:
    today = timezone.localdate()
    return [
        ((today - dt.timedelta(days=n)).isoformat(), (today - dt.timedelta(days=n)).isoformat())
        for n in range(DAYS_BACK)
    ]


def people(scope: Scope, params: dict[str, str]) -> Iterator[Recipient]:
    day = dt.date.fromisoformat(params["day"])
    found = orders.orders(scope=scope, filters=orders.OrderFilters(on="released", day=day))
    for order in found.order_by("id"):
        person = orders.person_of(order)
        yield Recipient(
            person_id=person.pk,
            name=person.name,
            phone=person.phone,
            jurisdiction_code=order.jurisdiction_code,
            fill={"day": day.isoformat()},
        )


def code_of(scope: Scope, params: dict[str, str]) -> str:
    return scope.code


register(
    Audience(
        key="control.released",
        label=_("Released from control on a day"),
        params=(Param("day", _("Day of the release"), _days),),
        template=_(
            "[Fangkong] {name}, your control measure ended on {day}. Thank you for your "
            "cooperation; keep monitoring your health and report any fever."
        ),
        fill_ins=("day",),
        people=people,
        code_of=code_of,
        order=20,
    )
)
