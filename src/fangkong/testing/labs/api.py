"""The labs' device API, mounted at /api/v1/testing/ (boxes received, results).

A lab's device signs in with its own token (`LabDeviceAuth`); a site's device or a staff
token is refused. Both routes are idempotent: a box scanned twice is one receipt; a
result is stored once per (lab, key), and answered only after COMMIT.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from ..devices import LabDeviceAuth, touch
from ..models import Device
from . import results as lab_results
from . import services

router = Router(tags=["testing"])


class BoxIn(Schema):
    box: str = Field(max_length=60, description="the box's barcode")


class BoxOut(Schema):
    box: str
    status: Literal["received", "duplicate", "rejected"]
    code: str
    message: str
    late: bool
    tubes: int


@router.post(
    "/boxes/receive",
    auth=LabDeviceAuth(),
    response={200: BoxOut},
    summary="The lab received a box (scanning it again is the same receipt)",
)
def box_receive(request: HttpRequest, payload: BoxIn) -> dict[str, Any]:
    device: Device = request.auth  # type: ignore[attr-defined]
    assert device.lab is not None
    receipt = services.box_receive(
        scope=services.device_scope(device), lab=device.lab, barcode=payload.box
    )
    touch(device)
    return {
        "box": receipt.barcode,
        "status": receipt.status,
        "code": receipt.code,
        "message": receipt.message,
        "late": receipt.late,
        "tubes": receipt.tubes,
    }


class ResultIn(Schema):
    key: str = Field("", max_length=80, description="the lab's id for the row (default: tube)")
    tube: str = Field(max_length=60, description="the tube's barcode")
    result: str = Field(max_length=20, description="negative|positive|suspicious|invalid or 阴性…")
    tested_at: dt.datetime
    ct: str = Field("", max_length=80)


class ResultsIn(Schema):
    results: list[ResultIn] = Field(min_length=1, max_length=lab_results.MAX_RESULTS)


class ResultOut(Schema):
    key: str
    status: Literal["stored", "duplicate", "unmatched", "rejected"]
    code: str
    message: str
    tube: str


class ResultsOut(Schema):
    results: list[ResultOut]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@router.post(
    "/results",
    auth=LabDeviceAuth(),
    response={200: ResultsOut},
    summary="A batch of results (idempotent by (lab, key); answered after commit)",
)
def results(request: HttpRequest, payload: ResultsIn) -> dict[str, Any]:
    device: Device = request.auth  # type: ignore[attr-defined]
    assert device.lab is not None
    rows = [
        lab_results.ResultIn(
            key=r.key,
            tube=r.tube,
            result=lab_results.parse_result(r.result) or f"?{r.result}",
            tested_at=_aware(r.tested_at),
            ct=r.ct,
        )
        for r in payload.results
    ]
    answers = lab_results.results_ingest(
        scope=services.device_scope(device), lab=device.lab, rows=rows, source="api"
    )
    touch(device)
    return {"results": [a.__dict__ for a in answers]}
