"""Trigger sources from modules built on control (a plug point): a module that control
must not import (mass testing) registers the kind of record that may stand behind a
trigger, and how to read it, in its `setup.ready()`:

    sources.register(sources.SourceKind(
        kind="testing.tube", triggers=("positive",), facts=tube_facts))

`facts(pks)` returns, for the records that exist, what the order needs to know: a label,
the day of the event, the people it is about, and a problem when the record does not
support the trigger (a pool that is not positive). One call per kind for any number of
orders (the oversight page checks many at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceFacts:
    label: str
    day: dt.date | None
    person_ids: frozenset[int]
    problem: str = ""


@dataclass(frozen=True)
class SourceKind:
    kind: str  # "app.model", the first half of a trigger_ref "app.model:pk"
    triggers: tuple[str, ...]
    facts: Callable[[Iterable[int]], dict[int, SourceFacts]]


_kinds: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> None:
    _kinds[kind.kind] = kind


def kinds_for(trigger: str) -> tuple[str, ...]:
    return tuple(k.kind for k in _kinds.values() if trigger in k.triggers)


def get(kind: str) -> SourceKind | None:
    return _kinds.get(kind)
