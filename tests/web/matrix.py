"""What the scope matrix is made of, shared with each module's routes.

A module adds its routes in `tests/web/matrix_<module>.py`: `ROUTES` (a list of
`Route`), optionally `PUBLIC` (name -> reason) and `extend(world, system_scope)`, which
puts the module's objects into `world.extra[<module>]`. `test_scope_matrix` runs them
all; `test_route_coverage` fails on a route that none lists.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from fangkong.accounts.models import User
from fangkong.core.models import Job
from tests.world import Side


@dataclass
class World:
    mine: Side
    other: Side
    users: dict[str, User]
    job: Job
    import_job: Job
    spare_household: Any = None
    # Each module's objects, by module name (see extend()).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    name: str
    method: str = "GET"
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    # Routes that show one object: the sibling gets 404. Lists: the sibling gets a page
    # without our data.
    is_object: bool = True
    # Who, in scope, lacks the permission (None: every role in scope has it).
    without_perm: str | None = "community_viewer"
    allowed: str = "community_worker"
    sibling: str = "sibling_worker"
    parent: str | None = "subdistrict_officer"
    ok: frozenset[int] = frozenset({200})
    parent_ok: frozenset[int] | None = None
    writes: bool = False


def post(**extra: Any) -> dict[str, Any]:
    return {"method": "POST", "ok": frozenset({302}), "writes": True, **extra}


@cache
def plugins() -> tuple[ModuleType, ...]:
    here = Path(__file__).parent
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("matrix_")
    )
    return tuple(importlib.import_module(f"tests.web.{name}") for name in names)
