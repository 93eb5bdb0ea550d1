"""The main menu, put together by the apps: each registers its entries in its
AppConfig.ready(), so that a new module needs no change to base.html.

An entry shows to whoever holds its permission, in the order of `position`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from .permissions import Perm


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    icon: str  # a Bootstrap icon name, without "bi-"
    perm: Perm
    position: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.url_name] = item


def items_for(perms: frozenset[str]) -> list[NavItem]:
    return sorted((i for i in _items.values() if i.perm.value in perms), key=lambda i: i.position)
