"""The plug point of texts to residents: each module registers who it can text.

A module adds an `audiences.py` to its package (found by the messaging app at start-up):

    from fangkong.messaging.audiences import Audience, Param, Recipient, register

    def people(scope, params) -> Iterator[Recipient]: ...   # through its own selectors

    register(Audience(
        key="testing.unsampled",
        label=_("Not yet sampled in a round"),
        params=(Param("campaign", _("Round"), choices=...), Param("compound", ...)),
        template=_("【防控】{name}您好，请于今天{time}到{site}参加核酸检测。"),
        fill_ins=("name", "site", "time"),
        people=people,
        code_of=lambda scope, params: "…",   # the jurisdiction the batch is for
    ))

`people(scope, params)` yields one Recipient per person (phone "" when the registry has
none: counted, not texted), with the fill-ins of the text ({name} is the masked name of
the person, given by the messaging app). A kind is the audience's key: at most one text
of a kind to a person a day unless forced with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from fangkong.core.permissions import Perm

if TYPE_CHECKING:
    from fangkong.core.scope import Scope


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    phone: str
    jurisdiction_code: str
    fill: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    name: str
    label: str | Promise
    # (scope) -> [(value, label)]: the choices offered (and the only values accepted).
    choices: Callable[[Scope], list[tuple[str, str]]]


@dataclass(frozen=True)
class Audience:
    key: str
    label: str | Promise
    params: tuple[Param, ...]
    template: str | Promise
    fill_ins: tuple[str, ...]
    people: Callable[[Scope, dict[str, str]], Iterable[Recipient]]
    # (scope, params) -> the jurisdiction the batch is for (its scope and its list).
    code_of: Callable[[Scope, dict[str, str]], str]
    perm: Perm = Perm.MESSAGE_SEND
    order: int = 50
    extra: dict[str, Any] = field(default_factory=dict)


_AUDIENCES: dict[str, Audience] = {}


def register(audience: Audience) -> None:
    _AUDIENCES[audience.key] = audience


def audiences() -> list[Audience]:
    return sorted(_AUDIENCES.values(), key=lambda a: (a.order, a.key))


def get(key: str) -> Audience | None:
    return _AUDIENCES.get(key)
