"""Screening rounds (排查): a round → one task per compound → one record per household
(and per person found) → sign-off by screener, community and subdistrict.

Counts that coverage pages compare (households reached, empty, not at home) are kept
on the task as records are written, in the same transaction, so that coverage at any
level is a sum over tasks and never a scan of households (DESIGN: "live coverage needs
counts kept up to date").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.scoping import ScopedManager
from fangkong.registry.models import Compound, Household, Person


class ScreeningRound(models.Model):
    """排查轮次: opened by the district over the district or some of its subdistricts."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # who opened it
    name = models.CharField(_("name"), max_length=100)
    # The subdistricts (9 digits) the round covers; the district's own code: all of it.
    scope_codes = models.JSONField(default=list)
    starts_on = models.DateField(_("start date"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager["ScreeningRound"]()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("screening round")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A target category of a round: who is asked about origin and travel.

    `origin_prefix` set: arrived from that region (a division code prefix: 42 = Hubei)
    on or after `since`. Empty: every arrival from outside `home_prefix` (the district's
    city, by default) on or after `since`.
    """

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(max_length=20)
    label = models.CharField(_("category"), max_length=100)
    origin_prefix = models.CharField(max_length=9, blank=True)
    home_prefix = models.CharField(max_length=9, blank=True)
    since = models.DateField(_("arrived since"))

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="category_code_unique")
        ]

    def __str__(self) -> str:
        return self.label

    def matches(self, origin_code: str, arrived_on: object) -> bool:
        if arrived_on is None or arrived_on < self.since:  # type: ignore[operator]
            return False
        if self.origin_prefix:
            return origin_code.startswith(self.origin_prefix)
        return bool(origin_code) and not origin_code.startswith(self.home_prefix)


class Task(models.Model):
    """One compound of one round: what its grid workers walk, and what is signed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SCREENER = "screener", _("Signed by the screener")
        COMMUNITY = "community", _("Signed by the community")
        SUBDISTRICT = "subdistrict", _("Signed by the subdistrict")

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="tasks")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=15)  # the compound's: grid or community
    community_code = models.CharField(max_length=12)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # Kept up to date by the services, in the transaction of each record.
    households_total = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    empty = models.PositiveIntegerField(default=0)
    not_home = models.PositiveIntegerField(default=0)

    objects = ScopedManager["Task"]()

    class Meta:
        ordering = ["jurisdiction_code", "compound_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "compound"], name="task_one_per_compound")
        ]
        indexes = [models.Index(fields=["round", "jurisdiction_code"], name="task_round_scope")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.compound_id}"

    @property
    def done(self) -> int:
        return self.reached + self.empty + self.not_home

    @property
    def locked(self) -> bool:
        return self.status != self.Status.OPEN

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.households_total) if self.households_total else 100


class Record(models.Model):
    """What the door-to-door visit found at one household; the current version counts.

    A correction after sign-off is a new version with its reason; old versions stay.
    """

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NOT_HOME = "not_home", _("Not at home")
        EMPTY = "empty", _("Empty (空房户)")

    class Channel(models.TextChoices):
        DOOR = "door", pgettext_lazy("channel", "Door visit")
        PHONE = "phone", pgettext_lazy("channel", "Phone")
        WECHAT = "wechat", pgettext_lazy("channel", "WeChat")
        CHECKPOINT = "checkpoint", pgettext_lazy("channel", "Checkpoint")
        TIPOFF = "tipoff", pgettext_lazy("channel", "Tip-off")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="records")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=15)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.DOOR
    )
    explanation = models.CharField(_("explanation"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    correction_reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField()

    objects = ScopedManager["Record"]()

    class Meta:
        ordering = ["task_id", "household_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "household"],
                condition=models.Q(is_current=True),
                name="record_one_current_per_household",
            ),
            models.UniqueConstraint(
                fields=["task", "household", "version"], name="record_version_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction_code", "recorded_at"], name="record_scope_day"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} v{self.version}: {self.outcome}"


class Finding(models.Model):
    """One person at a screened household: present or not, and for a target category
    where they came from, when and how."""

    class Travel(models.TextChoices):
        TRAIN = "train", _("Train")
        FLIGHT = "flight", _("Flight")
        CAR = "car", _("Car")
        BUS = "bus", _("Coach")
        OTHER = "other", _("Other")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="findings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=15)
    present = models.BooleanField(_("present"), default=True)
    category = models.CharField(_("category"), max_length=20, blank=True)
    origin_code = models.CharField(_("origin"), max_length=9, blank=True)
    origin_name = models.CharField(max_length=100, blank=True)
    arrived_on = models.DateField(_("arrival date"), null=True, blank=True)
    travel_mode = models.CharField(
        _("means of travel"), max_length=10, choices=Travel.choices, blank=True
    )
    travel_number = models.CharField(_("train or flight number"), max_length=20, blank=True)
    companions = models.CharField(_("companions"), max_length=200, blank=True)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    temperature = models.DecimalField(
        _("temperature"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    is_new_person = models.BooleanField(default=False)

    objects = ScopedManager["Finding"]()

    class Meta:
        ordering = ["record_id", "id"]
        indexes = [models.Index(fields=["person"], name="finding_person")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.record_id}"


class SignOff(models.Model):
    """逐一签字: one recorded confirmation per level, in order."""

    class Level(models.TextChoices):
        SCREENER = "screener", _("Screener")
        COMMUNITY = "community", _("Community")
        SUBDISTRICT = "subdistrict", _("Subdistrict")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="signoffs")
    level = models.CharField(max_length=12, choices=Level.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["task_id", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "level"], name="signoff_once_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.level}"
