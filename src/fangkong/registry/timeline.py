"""The person file's timeline, open to every module without the registry knowing them.

A module registers a provider in its AppConfig.ready():

    from fangkong.registry.timeline import register
    register("control", control_timeline_events, label=gettext_lazy("Control measures"))

A provider is `(scope, person) -> Iterable[TimelineEvent]`; it reads through its own
selectors, so its own scoping rules apply. The registry imports no provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

    @property
    def source_label(self) -> str:
        """The source as the page names it (a provider registered with a label)."""
        return str(_labels.get(self.source, self.source))


Provider = Callable[[Scope, Person], Iterable[TimelineEvent]]
_providers: dict[str, Provider] = {}
_labels: dict[str, str | Promise] = {}


def register(name: str, provider: Provider, label: str | Promise | None = None) -> None:
    """Register (or replace, on reload) the provider named name; `label` is what the
    timeline shows as the source of its events (a lazy translation), else the name."""
    _providers[name] = provider
    if label is not None:
        _labels[name] = label


def unregister(name: str) -> None:
    _providers.pop(name, None)
    _labels.pop(name, None)


def providers() -> dict[str, Provider]:
    return dict(_providers)


def events_for(*, scope: Scope, person: Person, limit: int = 200) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for provider in _providers.values():
        events.extend(provider(scope, person))
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


# How a person came into the registry (Person.source).
SOURCES: dict[str, Promise] = {
    "manual": gettext_lazy("entered by hand"),
    "ledger": gettext_lazy("imported from a ledger"),
    "demo": gettext_lazy("demo data"),
}


def registry_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    """The registry's own events: registration and every change of residence."""
    yield TimelineEvent(
        at=person.created_at,
        source="registry",
        title=_("Registered"),
        detail=str(SOURCES.get(person.source, person.source or "")),
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


register("registry", registry_events, label=gettext_lazy("Registry"))
