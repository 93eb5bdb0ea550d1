"""The control module's part of `fangkong demo`: each area's demo, in order (orders
first: the others look after the orders it makes)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .apps import AREAS


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    for area in AREAS:
        name = f"fangkong.control.{area}.demo"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.load(district=district, seed=seed, say=say)
