"""The main menu, put together by the apps: each registers its entries in its
AppConfig.ready(), so that a new module needs no change to base.html.

An entry shows to whoever holds its permission, in the order of `position` (an entry
`offices_only` not to an account of a grid, which has no office's pages such as the
daily report). Entries
of a module with many pages name a `group` (registered with `register_group`): the menu
shows the group as one dropdown, at the position of its first visible entry, or the
entry itself when it is the only one visible.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from .codes import LEVEL_LENGTHS, Level
from .permissions import Perm


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    icon: str  # a Bootstrap icon name, without "bi-"
    perm: Perm
    position: int = 100
    group: str = ""
    offices_only: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str | Promise
    icon: str


@dataclass(frozen=True)
class NavEntry:
    """One place in the menu: an item, or a group's dropdown of items."""

    label: str | Promise
    icon: str
    url: str = ""
    children: tuple[NavItem, ...] = ()


_items: dict[str, NavItem] = {}
_groups: dict[str, NavGroup] = {}


def register(item: NavItem) -> None:
    _items[item.url_name] = item


def register_group(group: NavGroup) -> None:
    _groups[group.key] = group


def items_for(perms: frozenset[str], code: str = "") -> list[NavItem]:
    at_grid = len(code) > LEVEL_LENGTHS[Level.COMMUNITY]
    return sorted(
        (i for i in _items.values() if i.perm.value in perms and not (i.offices_only and at_grid)),
        key=lambda i: i.position,
    )


def entries_for(perms: frozenset[str], code: str = "") -> list[NavEntry]:
    """The menu for these permissions at this scope's code, groups folded into
    dropdowns."""
    entries: list[NavEntry] = []
    seen: set[str] = set()
    visible = items_for(perms, code)
    for item in visible:
        group = _groups.get(item.group)
        if group is None:
            entries.append(NavEntry(item.label, item.icon, item.url))
            continue
        if group.key in seen:
            continue
        seen.add(group.key)
        members = tuple(i for i in visible if i.group == group.key)
        if len(members) == 1:
            entries.append(NavEntry(item.label, item.icon, item.url))
        else:
            entries.append(NavEntry(group.label, group.icon, children=members))
    return entries
