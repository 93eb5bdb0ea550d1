"""Core data: the jurisdiction tree, the audit log and background jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .codes import Level
from .scoping import ScopedManager


def actor_fk(**extra: object) -> models.ForeignKey:
    """Who did it (an account): never indexed or checked by the database (ADR 0008),
    kept when an account is deactivated (accounts are never deleted)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
        **extra,  # type: ignore[arg-type]
    )


class Jurisdiction(models.Model):
    """A node of 区 > 街道/乡镇 > 社区/村 > 网格, keyed by its division code."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Subdistrict")
        TOWN = "town", _("Town")
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")
        GRID = "grid", _("Grid")

    code = models.CharField(_("code"), max_length=15, primary_key=True)
    # Scoping works on the same field name everywhere.
    jurisdiction_code = models.CharField(max_length=15, unique=True, editable=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField(
        _("level"), max_length=12, choices=[(lv.value, lv.value) for lv in Level]
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager["Jurisdiction"]()

    class Meta:
        ordering = ["code"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(jurisdiction_code=models.F("code")),
                name="jurisdiction_code_is_code",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """One line of the append-only, hash-chained audit log.

    Database triggers refuse UPDATE and DELETE; `fangkong verify_audit` recomputes the
    chain. See docs/adr/0004-audit-hash-chain.md.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    jurisdiction_code = models.CharField(max_length=15, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = ScopedManager["AuditEntry"]()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"


class Job(models.Model):
    """A long job (import, export) whose progress a page polls."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=80)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    input_file = models.CharField(max_length=255, blank=True)
    output_file = models.CharField(max_length=255, blank=True)
    output_name = models.CharField(max_length=255, blank=True)

    objects = ScopedManager["Job"]()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}#{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class StaffNotice(models.Model):
    """A notice for the staff of a jurisdiction and everyone below it ("the risk areas
    changed", later "the daily report is due"), shown on their home page.

    Addressed by code: a notice for 410106 reaches every account of the district, one for
    410106001001 only that community's. Written by a module's service inside the
    transaction of the change it announces (`core.notices.notify_staff`); the change
    itself is what the audit log records.
    """

    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    source = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager["StaffNotice"]()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction_code", "-created_at"], name="notice_code_recent"),
        ]
        verbose_name = _("notice for staff")
        verbose_name_plural = _("notices for staff")

    def __str__(self) -> str:
        return self.title
