"""The unread notices of the signed-in account, for the menu's badge and the home page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, Any]:
    return {}
