"""The plug point of the resident's status page: each module adds its section.

A module registers in its AppConfig.ready():

    from fangkong.residents.sections import Section, register
    register(Section(
        key="control",
        title=_("Control measures"),
        template="control/orders/resident_section.html",
        context=my_context,          # (person) -> dict for the template, or None
        order=10,
    ))

The status page (residents/views.py) calls each section's `context` with the person the
resident proved to be (a one-time code to the phone of that person file) and renders
the sections whose context is not None, in `order`. A section shows only what the
person may see of themselves: never another person's data, never staff notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from fangkong.registry.models import Person


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    template: str
    context: Callable[[Person], dict[str, Any] | None]
    order: int = 50


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add (or replace, by key) a section of the status page."""
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
