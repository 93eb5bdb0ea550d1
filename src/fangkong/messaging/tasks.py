"""The messaging app's background work (huey discovers this module)."""

from __future__ import annotations

from .services import send_batch_task

__all__ = ["send_batch_task"]
