"""The messaging API: the SMS provider's delivery receipts.

`POST /api/v1/messaging/receipts` with `Authorization: Bearer <FANGKONG_SMS_RECEIPT_TOKEN>`
and `[{"id": "<our message id>", "status": "delivered"|"undelivered", "at": iso}, …]`
answers `{"results": {"<id>": "ok"|"unknown"|"invalid"}}`. Idempotent: a receipt sent
twice changes nothing more. Without the configured token (or with none configured): 401.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from . import services

router = Router(tags=["messaging"])
MAX_RECEIPTS = 1000


class ProviderAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        expected = str(getattr(settings, "FANGKONG_SMS_RECEIPT_TOKEN", "") or "")
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return "sms-provider"
        return None


class ReceiptIn(Schema):
    id: str = Field(..., max_length=64)
    status: str = Field(..., max_length=20)
    at: dt.datetime | None = None


class ReceiptsOut(Schema):
    results: dict[str, str]


@router.post(
    "/receipts",
    auth=ProviderAuth(),
    response=ReceiptsOut,
    summary="Delivery receipts from the SMS provider",
)
def receipts(request: HttpRequest, payload: list[ReceiptIn]) -> dict[str, Any]:
    results = services.record_receipts(
        [services.Receipt(id=r.id, status=r.status, at=r.at) for r in payload[:MAX_RECEIPTS]]
    )
    return {"results": results}
