"""The control module's device API (door sensors), mounted at /api/v1/control/."""

from ninja import Router

router = Router(tags=["control"])
