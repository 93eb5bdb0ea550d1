"""Texts to residents: a batch (one send to an audience) and the log of every message.

A message of a kind goes to a person at most once a day unless it is forced with a
reason: a partial unique constraint on (kind, person, day) for the unforced ones the
gateway did not refuse holds it even when two batches run at once. The phone is kept
whole (it is what was texted) and masked in every page.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.masking import mask_phone
from fangkong.core.models import actor_fk
from fangkong.core.scoping import ScopedManager


class MessageBatch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40)
    audience = models.CharField(_("audience"), max_length=40)
    params = models.JSONField(default=dict, blank=True)
    text = models.TextField(_("text"))
    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    # The sender's office: the background job finds the audience within it, as the sender
    # chose it (a subdistrict's site for a community's compound is outside the compound's
    # community). Empty on batches made before it was recorded.
    office_code = models.CharField(max_length=15, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # texted today already
    no_phone = models.PositiveIntegerField(default=0)
    forced_reason = models.CharField(_("reason to send again today"), max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = actor_fk()
    created_by_name = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["MessageBatch"]()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("text message batch")
        verbose_name_plural = _("text message batches")

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class MessageLog(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")

    batch = models.ForeignKey(
        MessageBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=40)
    person_id = models.BigIntegerField(_("person"), db_index=True)
    phone = models.CharField(_("phone"), max_length=20)
    jurisdiction_code = models.CharField(max_length=15)
    day = models.DateField(_("day"))
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    message_id = models.CharField(max_length=32, unique=True)  # ours, sent to the gateway
    provider_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    forced_reason = models.CharField(max_length=200, blank=True)
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["MessageLog"]()

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "person_id", "day"],
                condition=Q(forced_reason="") & ~Q(status="failed"),
                name="message_once_a_day",
            )
        ]
        indexes = [models.Index(fields=["jurisdiction_code", "-queued_at"], name="message_code")]

    def __str__(self) -> str:
        return f"{self.kind} {self.phone_masked} {self.day}"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)
