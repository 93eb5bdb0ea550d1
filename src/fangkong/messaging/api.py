"""The messaging API (delivery receipts from the SMS provider)."""

from ninja import Router

router = Router(tags=["messaging"])
