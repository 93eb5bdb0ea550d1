"""Arrival self-reports (报备) and what protects the public page they come from.

`ArrivalLink` is a community's entry point: the QR poster carries its opaque token, so
nobody can reach another community's page by changing a number in the address, and a
poster can be replaced (the old code then stops working).

`ArrivalReport` is one person's report: who, from where (a county or, in Henan, a town,
see `core.regions`), when, how, with whom, where they stay in the community and how
they feel. It is classified against the risk areas in force on its arrival date when it
arrives (and again when those areas change), lands in the community's queue and is
verified by a worker, which links it to the person file. Like every place of the
registry it carries `jurisdiction_code`: its compound's grid when the compound has one,
else the community, so a grid worker sees the reports of the grid.

`RateCounter` counts submissions per client address and per identity number in fixed
time windows, in the database so that every gunicorn process shares the counts
(docs/adr/0010-public-page-protection.md). Keys are keyed hashes, never the address or
the number itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scoping import ScopedManager


class ArrivalLink(models.Model):
    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the community
    token = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["ArrivalLink"]()

    class Meta:
        ordering = ["jurisdiction_code", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction_code"],
                condition=models.Q(replaced_at__isnull=True),
                name="arrival_link_one_per_community",
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_code}:{self.token[:4]}…"


class ArrivalReport(models.Model):
    class Classification(models.TextChoices):
        HIGH = "high", _("From a high-risk area")
        MEDIUM = "medium", _("From a medium-risk area")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for verification")
        RECHECK = "recheck", _("To check again")
        VERIFIED = "verified", _("Verified")

    class Travel(models.TextChoices):
        TRAIN = "train", _("Train")
        FLIGHT = "flight", _("Flight")
        CAR = "car", _("Car")
        BUS = "bus", _("Coach")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed: the person is here")
        NOT_HERE = "not_here", _("Not in the community")
        UNREACHABLE = "unreachable", _("Could not be reached")
        FALSE = "false", _("False or mistaken report")

    SYMPTOMS = (
        ("none", _("None")),
        ("fever", _("Fever")),
        ("cough", _("Cough")),
        ("sore_throat", _("Sore throat")),
        ("fatigue", _("Fatigue")),
        ("smell_taste", _("Loss of smell or taste")),
        ("diarrhea", _("Diarrhoea")),
        ("other", _("Other discomfort")),
    )

    jurisdiction_code = models.CharField(max_length=15)
    community_code = models.CharField(max_length=12)
    receipt = models.CharField(_("receipt number"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=30)
    id_number = models.CharField(_("identity number"), max_length=18)
    id_last4 = models.CharField(max_length=4)
    phone = models.CharField(_("phone"), max_length=20)
    origin_code = models.CharField(_("origin code"), max_length=9)
    origin_name = models.CharField(_("coming from"), max_length=120)
    arrival_date = models.DateField(_("arrival date"))
    travel_mode = models.CharField(_("means of travel"), max_length=10, choices=Travel.choices)
    travel_number = models.CharField(_("train, flight or plate number"), max_length=20, blank=True)
    companions_count = models.PositiveSmallIntegerField(_("people travelling with"), default=0)
    companions = models.CharField(_("companions"), max_length=200, blank=True)
    compound = models.ForeignKey(
        "registry.Compound", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compound_name = models.CharField(_("compound"), max_length=60)
    building = models.CharField(_("building"), max_length=12, blank=True)
    unit = models.CharField(_("unit"), max_length=12, blank=True)
    room = models.CharField(_("room"), max_length=12)
    address = models.CharField(_("address"), max_length=120)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    has_symptoms = models.BooleanField(_("has symptoms"), default=False)
    temperature = models.DecimalField(
        _("temperature"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    classification = models.CharField(
        _("classification"), max_length=8, choices=Classification.choices
    )
    classified_at = models.DateTimeField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    submitted_at = models.DateTimeField(_("reported at"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("note"), max_length=200, blank=True)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The person was registered from this report (a new resident, flagged 待核实).
    person_registered = models.BooleanField(default=False)

    objects = ScopedManager["ArrivalReport"]()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("arrival report")
        verbose_name_plural = _("arrival reports")
        constraints = [
            # One report per person, community and arrival date: a second submission
            # gets the first one's receipt.
            models.UniqueConstraint(
                fields=["community_code", "id_number", "arrival_date"], name="arrival_report_once"
            ),
            models.CheckConstraint(
                condition=models.Q(classification__in=["high", "medium", "other"]),
                name="arrival_classification_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["waiting", "recheck", "verified"]),
                name="arrival_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(temperature__isnull=True)
                | models.Q(temperature__gte=30, temperature__lte=45),
                name="arrival_temperature_plausible",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="verified") | models.Q(verified_at__isnull=False),
                name="arrival_verified_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["jurisdiction_code", "-submitted_at"], name="arrival_scope_recent"
            ),
            models.Index(fields=["jurisdiction_code", "arrival_date"], name="arrival_scope_date"),
            models.Index(fields=["community_code", "arrival_date"], name="arrival_community_date"),
            models.Index(fields=["id_number"], name="arrival_id_number"),
        ]

    def __str__(self) -> str:
        return self.receipt

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def symptom_labels(self) -> list[str]:
        labels = dict(self.SYMPTOMS)
        return [str(labels.get(s, s)) for s in self.symptoms]


class RateCounter(models.Model):
    """Submissions of one key (a keyed hash of an address or a number) in one window."""

    key = models.CharField(max_length=64)
    window = models.BigIntegerField()  # the window's start, in seconds since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="rate_counter_key_window")
        ]
        indexes = [models.Index(fields=["window"], name="rate_counter_window")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}={self.count}"
