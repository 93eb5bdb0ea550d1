from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fangkong.core.navigation import entries_for
from fangkong.core.permissions import Perm


def scope(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "scope", None)
    perms = current.perms if current is not None else frozenset()
    return {
        "scope": current,
        "perms": {p.name: (p.value in perms) for p in Perm},
        "nav_items": entries_for(perms, current.code if current is not None else ""),
    }
