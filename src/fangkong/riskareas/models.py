"""Medium- and high-risk areas (中高风险地区) as a district keeps them.

A row says: the district (`jurisdiction_code`, 6 digits) lists the region `region_code`
(a province, city, county or, in Henan, a town: 2, 4, 6 or 9 digits of the national
division codes, see `core.regions`) at `level` from `effective_from` until the day
before `effective_until` (the day it was lifted; empty while it is in force).

History is never lost (docs/adr/0011-risk-area-history.md): rows are never deleted and
never edited in place. Every change - a new level, other dates, a lifting, a corrected
note - marks the row `superseded_at`/`superseded_by` and writes the row(s) that replace
it. The current list is the rows not superseded; the history is all of them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact, In
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import ScopedManager


class RiskArea(models.Model):
    class Level(models.TextChoices):
        HIGH = "high", _("High risk")
        MEDIUM = "medium", _("Medium risk")

    class Source(models.TextChoices):
        FORM = "form", _("entered by hand")
        IMPORT = "import", _("imported from a spreadsheet")
        DEMO = "demo", _("demo data")

    # The district whose list this is (6 digits): the rows belong to the district.
    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    region_code = models.CharField(_("region code"), max_length=9)
    region_name = models.CharField(_("region"), max_length=120)
    level = models.CharField(_("risk level"), max_length=8, choices=Level.choices)
    effective_from = models.DateField(_("in force from"))
    # The day the area was lifted (解除): in force up to the day before.
    effective_until = models.DateField(_("lifted on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The row this one was written to replace (a lifting, a change of level or dates).
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    objects = ScopedManager["RiskArea"]()

    class Meta:
        ordering = ["region_code", "effective_from", "id"]
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["high", "medium"]), name="riskarea_level_known"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="riskarea_lifted_after_start",
            ),
            models.CheckConstraint(
                condition=In(Length("region_code"), [2, 4, 6, 9]),
                name="riskarea_region_code_level",
            ),
            models.CheckConstraint(
                condition=Exact(Length("jurisdiction_code"), 6), name="riskarea_district_code"
            ),
        ]
        indexes = [
            models.Index(
                fields=["jurisdiction_code", "region_code", "effective_from"],
                name="riskarea_district_region",
                condition=models.Q(superseded_at__isnull=True),
            ),
            models.Index(
                fields=["jurisdiction_code", "effective_from"],
                name="riskarea_district_current",
                condition=models.Q(superseded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_name} {self.get_level_display()}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def in_force_on(self, day: dt.date) -> bool:
        return (
            self.is_current
            and self.effective_from <= day
            and (self.effective_until is None or day < self.effective_until)
        )
