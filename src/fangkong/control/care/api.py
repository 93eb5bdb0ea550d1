"""The control module's device API (door sensors), mounted at /api/v1/control/.

`POST /control/door-events` is the one route a door sensor may call, and the only one
it can: it authenticates with the sensor's own device token (`SensorAuth`), which no
other route accepts, and a staff member's token is refused here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from fangkong.control.models import DoorSensor

from . import selectors, services

router = Router(tags=["control"])


class SensorAuth(HttpBearer):
    """A door sensor's device token (fkd_…; only its SHA-256 is stored)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> DoorSensor | None:
        if not token.startswith(services.SENSOR_TOKEN_PREFIX):
            return None
        sensor = selectors.sensor_for_token(services.hash_token(token))
        if sensor is None:
            return None
        request.sensor = sensor  # type: ignore[attr-defined]
        return sensor


class DoorEventIn(Schema):
    event_id: str = Field(min_length=1, max_length=64, description="the device's id for it")
    kind: Literal["open", "close", "tamper", "battery", "heartbeat"]
    at: dt.datetime = Field(description="when it happened, by the device's clock")


class DoorEventsIn(Schema):
    events: list[DoorEventIn] = Field(min_length=1, max_length=services.MAX_EVENTS)


class DoorEventOut(Schema):
    event_id: str
    kind: str
    alerting: bool = Field(description="an open or tamper during home quarantine: alerted")


class DoorEventsOut(Schema):
    sensor: str
    received: int
    events: list[DoorEventOut]


@router.post(
    "/door-events",
    auth=SensorAuth(),
    response={200: DoorEventsOut},
    summary="A door sensor's events, in a batch (idempotent by event_id)",
)
def door_events(request: HttpRequest, payload: DoorEventsIn) -> dict[str, Any]:
    sensor: DoorSensor = request.auth  # type: ignore[attr-defined]
    answers = services.door_events_record(
        sensor=sensor,
        events=[
            services.DoorEventIn(event_id=e.event_id, kind=e.kind, at=e.at) for e in payload.events
        ],
    )
    return {
        "sensor": sensor.serial,
        "received": len(answers),
        "events": [a.__dict__ for a in answers],
    }
