"""Reads of the resident's pages. The resident is no staff member and has no scope:
what they proved (a code sent to a phone) decides which person files they may see, and
these reads take a system scope that says so."""

from __future__ import annotations

from collections.abc import Iterable

from fangkong.core.scope import Scope
from fangkong.registry.models import Person

# A phone on more files than this (a worker's phone typed on many elderly people's
# files) signs in to the first ones only; the choice page says so.
MAX_PEOPLE_PER_PHONE = 20


def _scope() -> Scope:
    return Scope.system(reason="resident sign-in")


def persons_with_phone(phone: str) -> list[Person]:
    """The active person files that hold this phone (a family: the head's phone on the
    children's files)."""
    if not phone:
        return []
    return list(
        Person.objects.within(_scope())
        .filter(phone=phone, status=Person.Status.ACTIVE)
        .order_by("id")[:MAX_PEOPLE_PER_PHONE]
    )


def persons_among(ids: Iterable[int]) -> list[Person]:
    """The still active person files among those the resident proved (the choice)."""
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    return list(
        Person.objects.within(_scope())
        .filter(pk__in=wanted, status=Person.Status.ACTIVE)
        .order_by("id")
    )
