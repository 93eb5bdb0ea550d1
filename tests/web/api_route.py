"""One operation of the API matrix (tests/web/test_api_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.world import Side


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    url: Callable[[Side], str]
    body: dict[str, Any] | None = None
    is_object: bool = True
    without_perm: str | None = None
    writes: bool = False
