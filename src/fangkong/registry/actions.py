"""The plug point of the person file's action buttons: a module built on the registry
adds "do something about this person" links without the registry knowing it.

    from fangkong.registry.actions import PersonAction, register
    register(PersonAction("control", _("Propose a control order"), "control:orders_propose",
                          Perm.CONTROL_PROPOSE, icon="shield-exclamation"))

The person page shows each action the account holds the permission for at the person's
code, linking to `reverse(url_name)?person=<id>` (or `reverse(url_name, args=[id])` for
an action registered with `in_path=True`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from .models import Person


@dataclass(frozen=True)
class PersonAction:
    key: str
    label: str | Promise
    url_name: str
    perm: Perm
    icon: str = ""
    order: int = 50
    in_path: bool = False  # the URL takes the person's id as its argument


_ACTIONS: dict[str, PersonAction] = {}


def register(action: PersonAction) -> None:
    _ACTIONS[action.key] = action


def actions_for(*, scope: Scope, person: Person) -> list[tuple[str, str, str]]:
    """(label, href, icon) of the actions this account may take on this person."""
    return [
        (str(a.label), _href(a, person), a.icon)
        for a in sorted(_ACTIONS.values(), key=lambda a: (a.order, a.key))
        if scope.can(a.perm, at=person.jurisdiction_code)
    ]


def _href(action: PersonAction, person: Person) -> str:
    if action.in_path:
        return reverse(action.url_name, args=[person.pk])
    return f"{reverse(action.url_name)}?person={person.pk}"
