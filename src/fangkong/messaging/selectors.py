"""Reads of texts to residents: the batches of an office, a batch and its messages, who
was texted a kind today, a person's messages."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404

from .models import MessageBatch, MessageLog


def batches(*, scope: Scope) -> QuerySet[MessageBatch]:
    scope.require(Perm.MESSAGE_SEND)
    return MessageBatch.objects.within(scope).order_by("-created_at", "-id")


def batch_get(*, scope: Scope, pk: int) -> MessageBatch:
    scope.require(Perm.MESSAGE_SEND)
    return get_or_404(MessageBatch.objects.within(scope), pk=pk)


def batch_messages(*, batch: MessageBatch, status: str = "") -> QuerySet[MessageLog]:
    """The messages of a batch the caller may read (batch_get checked the scope)."""
    found = MessageLog.objects.filter(batch=batch)
    if status in MessageLog.Status.values:
        found = found.filter(status=status)
    return found.order_by("id")


def texted_today(*, kind: str, person_ids: list[int], day: datetime.date | None = None) -> set[int]:
    """Who among these had a message of this kind today (or on `day`), forced or not; a
    message the gateway refused does not count."""
    return set(
        MessageLog.objects.filter(
            kind=kind, day=day or timezone.localdate(), person_id__in=person_ids
        )
        .exclude(status=MessageLog.Status.FAILED)
        .values_list("person_id", flat=True)
    )


def person_messages(*, scope: Scope, person_id: int) -> QuerySet[MessageLog]:
    """A person's messages as the viewer's scope holds them (the person file)."""
    if not scope.has(Perm.PERSON_VIEW):
        return MessageLog.objects.none()
    return MessageLog.objects.within(scope).filter(person_id=person_id).order_by("-queued_at")
