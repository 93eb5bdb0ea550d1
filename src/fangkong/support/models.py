"""A resident's request for help (代购、送药、就医), and what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.scoping import ScopedManager
from fangkong.registry.models import Person


class ServiceRequest(models.Model):
    """One request for help, in the queue of the person's community (and grid)."""

    class Kind(models.TextChoices):
        GROCERIES = "groceries", _("Groceries and daily goods")
        MEDICINE = "medicine", _("Medicine")
        DOCTOR = "doctor", _("Seeing a doctor")
        OTHER = "other", pgettext_lazy("help request", "Other help")

    class Channel(models.TextChoices):
        RESIDENT = "resident", _("Asked by the resident")
        STAFF = "staff", _("Recorded by staff")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("help request", "New")
        TAKEN = "taken", pgettext_lazy("help request", "Being handled")
        DONE = "done", pgettext_lazy("help request", "Done")
        CANCELLED = "cancelled", pgettext_lazy("help request", "Cancelled")

    OPEN = (Status.NEW, Status.TAKEN)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=15)
    community_code = models.CharField(max_length=12)
    kind = models.CharField(_("kind of help"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("what is needed"), max_length=300)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_name = models.CharField(max_length=60, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_by_name = models.CharField(max_length=60, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by_name = models.CharField(max_length=60, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # What was done (done), or why it was cancelled (cancelled); the resident sees it.
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager["ServiceRequest"]()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["new", "taken", "done", "cancelled"]),
                name="service_request_status",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["groceries", "medicine", "doctor", "other"]),
                name="service_request_kind",
            ),
            # Closed requests say when; open ones have not been closed.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["done", "cancelled"], closed_at__isnull=False)
                    | models.Q(status__in=["new", "taken"], closed_at__isnull=True)
                ),
                name="service_request_closed_at",
            ),
        ]
        indexes = [
            # The queue: a scope's code range, one status, oldest first.
            models.Index(
                fields=["jurisdiction_code", "status", "created_at"], name="service_request_queue"
            ),
            # The daily counts: created and closed per day under a code.
            models.Index(fields=["jurisdiction_code", "created_at"], name="service_request_day"),
            models.Index(fields=["jurisdiction_code", "closed_at"], name="service_request_closed"),
            # The resident's own requests and the person file.
            models.Index(fields=["person", "created_at"], name="service_request_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_withdrawn(self) -> bool:
        """Cancelled by the resident (staff cancellations name who cancelled)."""
        return self.status == self.Status.CANCELLED and self.closed_by_id is None
