"""Who is told when a district's risk areas change, without this app knowing them.

The arrivals module classifies every report against the areas in force on its arrival
date; when an area is added, changed or lifted, the reports of the dates it touches
must be classified again. It registers a listener in its AppConfig.ready():

    from fangkong.riskareas.changes import register
    register("arrivals", reclassify_after_change)

A listener is `(scope, district, since, until) -> None`: the change touched the
district's list from `since` up to the day before `until` (`None`: open-ended). It runs
inside the transaction of the change, so the change and its consequences commit or roll
back together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fangkong.core.scope import Scope

Listener = Callable[[Scope, str, dt.date, dt.date | None], None]
_listeners: dict[str, Listener] = {}


def register(name: str, listener: Listener) -> None:
    _listeners[name] = listener


def unregister(name: str) -> None:
    _listeners.pop(name, None)


def listeners() -> dict[str, Listener]:
    return dict(_listeners)


def changed(*, scope: Scope, district: str, since: dt.date, until: dt.date | None) -> None:
    for listener in list(_listeners.values()):
        listener(scope, district, since, until)
