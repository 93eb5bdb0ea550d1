"""The daily report's tables: the reports as submitted, and the figures per day.

A `DailyReport` is one version of one jurisdiction's report for one day. Versions never
change once submitted (a check constraint and the services): a correction is the next
version with its reason, and every version stays readable. `DailyFigure` holds one
figure of one jurisdiction on one day, as last computed: the dashboard's trends read
them (today's are refreshed every minute).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import actor_fk
from fangkong.core.scoping import ScopedManager


class DailyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        SIGNED = "signed", _("Signed")

    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=15)
    day = models.DateField(_("day"))
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # The figures as computed from the data ({key: number}; for a level above the
    # community, the sum of its children's reports), when the draft was last prepared.
    computed = models.JSONField(default=dict, blank=True)
    # [{"figure": key, "delta": n, "reason": "…"}]: the few hand adjustments.
    adjustments = models.JSONField(default=list, blank=True)
    # computed + adjustments: what the report says.
    figures = models.JSONField(default=dict, blank=True)
    # Above the community: each child's figures as added up here
    # [{"code", "name", "version", "status", "figures"}].
    children = models.JSONField(default=list, blank=True)
    duty_staff = models.TextField(_("staff on duty"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    problems = models.TextField(_("problems needing help"), blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    prepared_at = models.DateTimeField(_("prepared at"))
    filled_by = actor_fk(verbose_name=_("filled in by"))
    filled_by_name = models.CharField(_("filled in by"), max_length=150, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    signed_by = actor_fk(verbose_name=_("signed by"))
    signed_by_name = models.CharField(_("signed by"), max_length=150, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    objects = ScopedManager["DailyReport"]()

    class Meta:
        ordering = ["jurisdiction_code", "-day", "-version"]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction_code", "day", "version"], name="report_one_version"
            ),
            # A submitted report names who filled it in; a signed one who signed it.
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(submitted_at__isnull=False) & ~Q(filled_by_name="")),
                name="report_submitted_has_filler",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed")
                | (Q(signed_at__isnull=False) & ~Q(signed_by_name="")),
                name="report_signed_has_signer",
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(correction_reason=""),
                name="report_correction_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["day", "jurisdiction_code"], name="report_day_code")]

    def __str__(self) -> str:
        return f"{self.jurisdiction_code} {self.day} v{self.version}"

    @property
    def is_locked(self) -> bool:
        return self.status != self.Status.DRAFT


class DailyFigure(models.Model):
    """One figure of one jurisdiction on one day, as last computed."""

    jurisdiction_code = models.CharField(max_length=15)
    day = models.DateField()
    key = models.CharField(max_length=80)
    value = models.FloatField()
    computed_at = models.DateTimeField()

    objects = ScopedManager["DailyFigure"]()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction_code", "key", "day"], name="figure_one_per_day"
            )
        ]
        indexes = [models.Index(fields=["day", "jurisdiction_code"], name="figure_day_code")]

    def __str__(self) -> str:
        return f"{self.jurisdiction_code} {self.day} {self.key}={self.value}"
