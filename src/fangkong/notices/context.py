"""The unread notices of the signed-in account, for the menu's badge, the banner above
every staff page and the home page.

Nothing is read until a template asks: `notices_unread.count` is one indexed count, and
`notices_unread.latest` (the banner) is read only while there are unread notices. There
is nothing for anonymous visitors and residents' pages (they have no staff scope).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from . import selectors
from .models import Notice


class UnreadNotices:
    def __init__(self, reader: selectors.Reader) -> None:
        self._reader = reader

    @cached_property
    def count(self) -> int:
        return selectors.unread_count(reader=self._reader)

    @cached_property
    def latest(self) -> list[Notice]:
        return selectors.unread_latest(reader=self._reader) if self.count else []

    @property
    def more(self) -> int:
        return max(self.count - len(self.latest), 0)


def unread(request: HttpRequest) -> dict[str, Any]:
    if getattr(request, "scope", None) is None:
        return {}
    reader = selectors.reader_of(getattr(request, "user", None))
    if reader is None:
        return {}
    return {"notices_unread": UnreadNotices(reader)}
