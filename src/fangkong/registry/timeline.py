"""The person file's timeline, open to every module without the registry knowing them.

A module registers a provider in its AppConfig.ready():

    from fangkong.registry.timeline import register
    register("control", control_timeline_events)

A provider is `(scope, person) -> Iterable[TimelineEvent]`; it reads through its own
selectors, so its own scoping rules apply. The registry imports no provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.scope import Scope

from .models import Person, Residence


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    source: str
    title: str
    detail: str = ""
    url: str = ""
    level: str = "info"  # info | warning | danger | success


Provider = Callable[[Scope, Person], Iterable[TimelineEvent]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register (or replace, on reload) the provider named name."""
    _providers[name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def providers() -> dict[str, Provider]:
    return dict(_providers)


def events_for(*, scope: Scope, person: Person, limit: int = 200) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for provider in _providers.values():
        events.extend(provider(scope, person))
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


def registry_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """The registry's own events: registration and every change of residence."""
    yield TimelineEvent(
        at=person.created_at, source="registry", title=_("Registered"), detail=person.source or ""
    )
    for residence in Residence.objects.filter(person=person).order_by("started_at"):
        yield TimelineEvent(
            at=residence.started_at,
            source="registry",
            title=_("Moved in"),
            detail=f"{residence.address} {residence.reason}".strip(),
        )
        if residence.ended_at:
            yield TimelineEvent(
                at=residence.ended_at,
                source="registry",
                title=_("Moved out"),
                detail=residence.address,
            )


register("registry", registry_events)
