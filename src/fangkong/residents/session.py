"""Who the resident on this browser proved to be (a one-time code sent to the phone of a
person file): the one way every resident-facing page finds its person.

    from fangkong.residents.session import current_person, resident_required

    @resident_required
    def my_view(request, person): ...

The sign-in (residents/views.py) calls `sign_in(request, person)` after the code is
checked; the session then holds the person's id until `RESIDENT_SESSION_SECONDS` pass
or the resident signs out. Staff sessions and resident sessions are separate: a
resident is never a `User`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from fangkong.registry.models import Person

SESSION_KEY = "resident_person_id"
SESSION_UNTIL = "resident_until"
RESIDENT_SESSION_SECONDS = 30 * 60


def sign_in(request: HttpRequest, person: Person) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = person.pk
    request.session[SESSION_UNTIL] = int(time.time()) + RESIDENT_SESSION_SECONDS


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_UNTIL, None)


def current_person(request: HttpRequest) -> Person | None:
    pk = request.session.get(SESSION_KEY)
    until = request.session.get(SESSION_UNTIL, 0)
    if pk is None or until < time.time():
        return None
    return Person.objects.filter(pk=pk, status=Person.Status.ACTIVE).first()


def resident_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """The view gets `person` after `request`; without a resident session, the sign-in
    page (which comes back here afterwards)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person = current_person(request)
        if person is None:
            return redirect(f"/me/sign-in/?next={request.path}")
        return view(request, person, *args, **kwargs)

    return wrapper
