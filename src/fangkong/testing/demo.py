"""The mass-testing module's part of `fangkong demo`: each area's demo, in order (the
campaign first, then its sites and scans, the lab's results, the field's cards and
door-to-door lists)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .apps import AREAS


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    for area in AREAS:
        name = f"fangkong.testing.{area}.demo"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.load(district=district, seed=seed, say=say)
