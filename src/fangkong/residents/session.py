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
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from fangkong.registry.models import Person

SESSION_KEY = "resident_person_id"
SESSION_UNTIL = "resident_until"
# The person files the code proved (all files of the phone), and until when the
# resident may switch between them without a new code.
CHOICES_KEY = "resident_choices"
CHOICES_UNTIL = "resident_choices_until"
RESIDENT_SESSION_SECONDS = 30 * 60


def sign_in(request: HttpRequest, person: Person) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = person.pk
    request.session[SESSION_UNTIL] = int(time.time()) + RESIDENT_SESSION_SECONDS


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_UNTIL, None)
    request.session.pop(CHOICES_KEY, None)
    request.session.pop(CHOICES_UNTIL, None)


def allow(request: HttpRequest, person_ids: list[int]) -> None:
    """Remember the person files a code proved: the resident picks one of them now and
    may switch between them later, without a new code, while the session lasts."""
    request.session[CHOICES_KEY] = [int(pk) for pk in person_ids]
    request.session[CHOICES_UNTIL] = int(time.time()) + RESIDENT_SESSION_SECONDS


def choices(request: HttpRequest) -> list[int]:
    """The person files the resident may pick (empty once the session has run out)."""
    ids = request.session.get(CHOICES_KEY) or []
    if request.session.get(CHOICES_UNTIL, 0) < time.time():
        return []
    return [int(pk) for pk in ids]


def switch_to(request: HttpRequest, person: Person) -> bool:
    """Sign in as another of the proved person files; the session does not get longer
    than the code allowed. False when the person is not among them."""
    if person.pk not in choices(request):
        return False
    until = int(request.session.get(CHOICES_UNTIL, 0))
    sign_in(request, person)
    request.session[SESSION_UNTIL] = min(until, request.session[SESSION_UNTIL])
    return True


def current_person(request: HttpRequest) -> Person | None:
    pk = request.session.get(SESSION_KEY)
    until = request.session.get(SESSION_UNTIL, 0)
    if pk is None or until < time.time():
        return None
    return Person.objects.filter(pk=pk, status=Person.Status.ACTIVE).first()


R = TypeVar("R", bound=HttpResponseBase)


def resident_required(
    view: Callable[..., R],
) -> Callable[..., R | HttpResponseRedirect]:
    """The view gets `person` after `request`; without a resident session, the sign-in
    page (which comes back here afterwards)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponseRedirect:
        person = current_person(request)
        if person is None:
            return redirect(f"/me/sign-in/?next={request.path}")
        return view(request, person, *args, **kwargs)

    return wrapper
