"""管控: policies (防控方案), control orders, centralized quarantine sites and rooms, home
quarantine (door seals and sensors), care teams, daily follow-ups and alerts, and control
zones (封控区/管控区/防范区).

The rule of the module (DESIGN.md, Personal data): a person's control status never
changes without a trigger, a recorded reason and legal basis, an approver who is not the
proposer, and an `OrderEvent` the person can read. So:

- a `ControlOrder` is proposed from a trigger (a verified arrival, a screening finding, a
  checked push-list entry, a positive test, a zone, or by hand with a written reason)
  and does nothing until a second officer approves it (a database constraint keeps the
  approver and the proposer apart);
- the order copies what the policy said when it was issued (phases, days, test days,
  release rule, legal basis): editing a `Policy` makes a new version and never changes
  an order already issued;
- an order's phases are rows (`OrderPhase`), so that "who is under home quarantine on
  day D" is one indexed query, for the lists, the follow-ups and the daily report;
- every step is an `OrderEvent`; nothing is deleted.

Scoping: every row carries the jurisdiction code of the person's grid or community (an
order, its phases, follow-ups, tests, alerts) or of the office that runs it (a site and
its rooms, a zone); a handover to another community moves the code, and the history
stays with the order.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.models import actor_fk
from fangkong.core.scoping import ScopedManager


def _person_fk(**extra: object) -> models.ForeignKey:
    return models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        **extra,  # type: ignore[arg-type]
    )


class Measure(models.TextChoices):
    """The measures (管控措施) a policy's phases are made of, strictest first."""

    CENTRAL_QUARANTINE = "central", _("Centralised quarantine")  # 集中隔离
    HOME_QUARANTINE = "home", _("Home quarantine")  # 居家隔离
    HOME_MONITORING = "home_monitoring", _("Home health monitoring")  # 居家健康监测
    SELF_MONITORING = "self_monitoring", _("Self health monitoring")  # 自我健康监测


# The measures whose people are followed up every day by a care team.
FOLLOWED_MEASURES = (
    Measure.CENTRAL_QUARANTINE,
    Measure.HOME_QUARANTINE,
    Measure.HOME_MONITORING,
)


class Trigger(models.TextChoices):
    """Why an order is proposed: the epidemic event behind it."""

    ARRIVAL_HIGH = "arrival_high", _("Arrival from a high-risk area")
    ARRIVAL_MEDIUM = "arrival_medium", _("Arrival from a medium-risk area")
    CLOSE_CONTACT = "close_contact", _("Close contact")  # 密接
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contact")  # 次密接
    COMPANION = "companion", _("Spatiotemporal companion")  # 时空伴随
    POSITIVE = "positive", _("Positive test")
    SEALED_ZONE = "sealed_zone", _("Resident of a sealed zone")  # 封控区
    ABROAD = "abroad", _("Arrival from abroad")  # 入境
    MANUAL = "manual", _("Manual, with a written reason")


# --- Policies -------------------------------------------------------------------------


class Policy(models.Model):
    """One version of a district's policy (防控方案), in force between two dates.

    `rules` maps each `Trigger` value to what the policy says for it (the schema is
    documented in control/orders/policy.py and docs/adr): the phases (measure, days,
    test days) and the release rule. Editing makes a new version (`version` + 1, the old
    one keeps `is_current = False`): orders keep the version they were issued under.
    """

    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the district's
    family = models.SlugField(_("policy key"), max_length=40)  # one policy, all versions
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(default=True)
    name = models.CharField(_("name"), max_length=100)
    legal_basis = models.TextField(_("legal basis"))
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    rules = models.JSONField(default=dict)
    preset = models.CharField(max_length=40, blank=True)  # the shipped preset it came from
    note = models.TextField(_("note"), blank=True)
    created_by = actor_fk()
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    objects = ScopedManager["Policy"]()

    class Meta:
        ordering = ["-effective_from", "family", "-version"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction_code", "family", "version"], name="policy_version_once"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction_code", "family"],
                condition=models.Q(is_current=True),
                name="policy_one_current_version",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="policy_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


# --- Care teams -----------------------------------------------------------------------


class CareTeam(models.Model):
    """一对一 / 五包一: the people who look after those under orders in a community or
    grid: grid worker, police officer, village doctor, cadre, building group leader."""

    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager["CareTeam"]()

    class Meta:
        ordering = ["jurisdiction_code", "name"]
        verbose_name = _("care team")
        verbose_name_plural = _("care teams")

    def __str__(self) -> str:
        return self.name


class CareTeamMember(models.Model):
    class Role(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")  # 网格员
        POLICE = "police", _("Police officer")  # 社区民警
        DOCTOR = "doctor", _("Village or community doctor")  # 村医/社区医生
        CADRE = "cadre", _("Community cadre")  # 村(社区)干部
        GROUP_LEADER = "group_leader", _("Building or group leader")  # 楼栋长/村民组长
        VOLUNTEER = "volunteer", _("Volunteer")
        OTHER = "other", pgettext_lazy("care team role", "Other")

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="members")
    jurisdiction_code = models.CharField(max_length=15)  # the team's
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = models.ForeignKey(  # the account, when the member has one
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_teams",
    )
    is_active = models.BooleanField(default=True)

    objects = ScopedManager["CareTeamMember"]()

    class Meta:
        ordering = ["team_id", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


# --- Orders -----------------------------------------------------------------------------


class ControlOrder(models.Model):
    """A control measure (管控措施) for one person, from a trigger, per a policy.

    Life: proposed -> active (approved by an officer other than the proposer) ->
    released (days served, tests negative, signed) or ended early (to hospital, handed
    over elsewhere, other, each with a reason); or proposed -> rejected. `starts_on` is
    day 1 of the first phase; `ends_on` the last day of the last phase (moved by an
    extension). The phases are `OrderPhase` rows, copied from the policy.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting approval")
        REJECTED = "rejected", pgettext_lazy("order status", "Rejected")
        ACTIVE = "active", pgettext_lazy("order status", "In force")
        RELEASED = "released", pgettext_lazy("order status", "Released")
        ENDED = "ended", pgettext_lazy("order status", "Ended early")

    class EndKind(models.TextChoices):
        NONE = "", _("Not ended")
        RELEASED = "released", _("Released when due")
        HOSPITAL = "hospital", _("Transferred to hospital")
        HANDOVER = "handover", _("Handed over to another jurisdiction")
        OTHER = "other", pgettext_lazy("end kind", "Other")

    person = _person_fk(db_index=False)  # indexed by control_order_person below
    jurisdiction_code = models.CharField(max_length=15)  # the person's grid or community
    community_code = models.CharField(max_length=12)
    household = models.ForeignKey(  # where home measures are served
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    care_team = models.ForeignKey(
        CareTeam, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    trigger_date = models.DateField(_("trigger date"))  # arrival, last exposure, test …
    # What the trigger was, as "<app>.<model>:<id>" (arrivals.arrivalreport:12,
    # screening.finding:3, pushlists.verificationtask:9, control.controlzone:2); empty
    # for a manual order, whose `reason` must then say why.
    trigger_ref = models.CharField(max_length=80, blank=True)
    reason = models.TextField(_("reason"))
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="orders")
    # Copied from the policy when proposed: the order never changes with the policy.
    policy_version = models.PositiveSmallIntegerField()
    legal_basis = models.TextField(_("legal basis"))
    release_rule = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))  # the last day, as planned (or extended)
    notice_no = models.CharField(  # 告知书编号, given on approval
        _("notice number"), max_length=32, null=True, blank=True, unique=True
    )
    proposed_by = actor_fk()
    proposed_by_name = models.CharField(max_length=150, blank=True)
    proposed_at = models.DateTimeField()
    decided_by = actor_fk()  # approved or rejected it
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = actor_fk()
    ended_by_name = models.CharField(max_length=150, blank=True)
    end_kind = models.CharField(max_length=10, choices=EndKind.choices, blank=True, default="")
    end_reason = models.CharField(max_length=500, blank=True)
    handed_to = models.CharField(max_length=200, blank=True)  # where, for a handover

    objects = ScopedManager["ControlOrder"]()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("control order")
        verbose_name_plural = _("control orders")
        constraints = [
            # Nobody approves their own proposal (the Zhengzhou red codes of 2022).
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | models.Q(proposed_by__isnull=True)
                | ~models.Q(decided_by=models.F("proposed_by")),
                name="control_order_second_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "rejected"])
                | (models.Q(decided_by__isnull=False) & models.Q(notice_no__isnull=False)),
                name="control_order_in_force_was_approved",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["released", "ended"])
                | (models.Q(ended_at__isnull=False) & ~models.Q(end_kind="")),
                name="control_order_end_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger="manual") | ~models.Q(reason=""),
                name="control_order_manual_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="control_order_dates_in_order",
            ),
            # One order in force (or waiting) per person at a time: a new trigger for
            # someone already under an order extends or replaces it, never doubles it.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["proposed", "active"]),
                name="control_order_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction_code", "status"], name="control_order_scope"),
            models.Index(fields=["person", "status"], name="control_order_person"),
            models.Index(fields=["status", "ends_on"], name="control_order_due"),
        ]

    def __str__(self) -> str:
        return self.notice_no or f"#{self.pk}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def day_of(self, day: dt.date) -> int:
        """Day 1 is `starts_on`."""
        return (day - self.starts_on).days + 1


class OrderPhase(models.Model):
    """One phase of an order (e.g. 7 days of centralised quarantine, then 3 of home
    health monitoring), with its dates: copied from the policy, moved by extensions."""

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="phases")
    jurisdiction_code = models.CharField(max_length=15)  # the order's
    position = models.PositiveSmallIntegerField()  # 1, 2, …
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    test_days = models.JSONField(default=list)  # day numbers within the phase: [1, 4, 7]

    objects = ScopedManager["OrderPhase"]()

    class Meta:
        ordering = ["order_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_phase_once"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="order_phase_dates_in_order",
            ),
        ]
        indexes = [
            # Who is under which measure on a day: the lists, follow-ups and counts.
            models.Index(
                fields=["measure", "starts_on", "ends_on", "jurisdiction_code"],
                name="order_phase_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}.{self.position} {self.measure}"


class OrderEvent(models.Model):
    """One step of an order, shown to the person on their status page; never changed."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("order event", "Proposed")
        APPROVED = "approved", pgettext_lazy("order event", "Approved")
        REJECTED = "rejected", pgettext_lazy("order event", "Rejected")
        CARE_TEAM = "care_team", _("Care team assigned")
        CHECKED_IN = "checked_in", _("Checked in at a site")
        TRANSFERRED = "transferred", _("Transferred to another site")
        CHECKED_OUT = "checked_out", _("Checked out of a site")
        SEALED = "sealed", _("Door sealed")
        UNSEALED = "unsealed", _("Door seal removed")
        TEST = "test", _("Test result")
        EXTENDED = "extended", pgettext_lazy("order event", "Extended")
        HANDED_OVER = "handed_over", _("Handed over")
        RELEASED = "released", pgettext_lazy("order event", "Released")
        ENDED = "ended", pgettext_lazy("order event", "Ended early")
        NOTIFIED = "notified", _("Person told")

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="events")
    jurisdiction_code = models.CharField(max_length=15)  # the order's, when it happened
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    actor = actor_fk()
    actor_name = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedManager["OrderEvent"]()

    class Meta:
        ordering = ["order_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class OrderTest(models.Model):
    """A test the policy schedules during an order (e.g. days 1, 4 and 7 of home
    quarantine): sampled at the door for home measures, at the site for centralised
    quarantine. Results are entered by hand until the testing module feeds them."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SAMPLED = "sampled", _("Sampled, awaiting result")
        NEGATIVE = "negative", _("Negative")
        POSITIVE = "positive", _("Positive")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", pgettext_lazy("test status", "Cancelled")

    class Place(models.TextChoices):
        DOOR = "door", _("At the door")  # 上门采样
        SITE = "site", _("At the quarantine site")
        SAMPLING_POINT = "point", _("At a sampling point")

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="tests")
    person = _person_fk()
    jurisdiction_code = models.CharField(max_length=15)  # the order's
    due_on = models.DateField(_("due on"))
    place = models.CharField(max_length=8, choices=Place.choices, default=Place.DOOR)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    sampled_at = models.DateTimeField(null=True, blank=True)
    result_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, blank=True)  # "manual", later "testing"
    recorded_by = actor_fk()
    recorded_by_name = models.CharField(max_length=150, blank=True)
    note = models.CharField(max_length=200, blank=True)

    objects = ScopedManager["OrderTest"]()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "due_on"], name="order_test_once_a_day"),
        ]
        indexes = [
            models.Index(fields=["jurisdiction_code", "status", "due_on"], name="order_test_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.due_on} {self.status}"


# --- Centralised quarantine ----------------------------------------------------------------


class QuarantineSite(models.Model):
    """集中隔离点: run by the district or a subdistrict (its code)."""

    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    manager_name = models.CharField(_("manager"), max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager["QuarantineSite"]()

    class Meta:
        ordering = ["jurisdiction_code", "name"]
        verbose_name = _("quarantine site")
        verbose_name_plural = _("quarantine sites")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction_code", "name"], name="site_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A room of a site: one person per room (一人一间) unless it is a family room.

    `occupants` is kept by the check-in and check-out services with a conditional
    UPDATE; the database refuses more occupants than beds, so two allocations racing
    for the last bed cannot both win, on PostgreSQL or SQLite.
    """

    site = models.ForeignKey(QuarantineSite, on_delete=models.PROTECT, related_name="rooms")
    jurisdiction_code = models.CharField(max_length=15)  # the site's
    number = models.CharField(_("room"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    beds = models.PositiveSmallIntegerField(_("beds"), default=1)
    is_family = models.BooleanField(_("family room"), default=False)
    occupants = models.PositiveSmallIntegerField(default=0)
    out_of_service = models.BooleanField(_("out of service"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager["Room"]()

    class Meta:
        ordering = ["site_id", "floor", "number"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="room_number_once"),
            models.CheckConstraint(
                condition=models.Q(occupants__lte=models.F("beds")), name="room_not_overbooked"
            ),
            models.CheckConstraint(
                condition=models.Q(is_family=True) | models.Q(beds=1), name="room_single_bed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.number}"


class Stay(models.Model):
    """One person in one room, from check-in to check-out (or transfer)."""

    class OutReason(models.TextChoices):
        NONE = "", _("Still there")
        CHECKED_OUT = "checked_out", _("Checked out")
        TRANSFERRED = "transferred", _("Transferred")

    order = models.ForeignKey(ControlOrder, on_delete=models.PROTECT, related_name="stays")
    person = _person_fk()
    site = models.ForeignKey(QuarantineSite, on_delete=models.PROTECT, related_name="stays")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="stays")
    jurisdiction_code = models.CharField(max_length=15)  # the site's
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_in_by = actor_fk()
    checked_in_by_name = models.CharField(max_length=150, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checked_out_by = actor_fk()
    checked_out_by_name = models.CharField(max_length=150, blank=True)
    out_reason = models.CharField(max_length=12, choices=OutReason.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager["Stay"]()

    class Meta:
        ordering = ["-checked_in_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(checked_out_at__isnull=True),
                name="stay_one_room_per_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["site", "room"],
                condition=models.Q(checked_out_at__isnull=True),
                name="stay_open_by_room",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.room_id}"


# --- Home quarantine -------------------------------------------------------------------------


class DoorSeal(models.Model):
    """居家隔离 door seal (封条/门磁): when and by whom it was put on and taken off."""

    order = models.ForeignKey(ControlOrder, on_delete=models.PROTECT, related_name="seals")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    jurisdiction_code = models.CharField(max_length=15)
    sealed_at = models.DateTimeField(_("sealed at"))
    sealed_by = actor_fk()
    sealed_by_name = models.CharField(_("sealed by"), max_length=150)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = actor_fk()
    removed_by_name = models.CharField(max_length=150, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager["DoorSeal"]()

    class Meta:
        ordering = ["-sealed_at", "-id"]

    def __str__(self) -> str:
        return f"seal {self.household_id}"


class DoorSensor(models.Model):
    """An electronic door sensor (电子门磁) at a household; it posts its events with its
    own device token (only the SHA-256 is kept)."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    installed_at = models.DateTimeField()
    installed_by = actor_fk()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["DoorSensor"]()

    class Meta:
        ordering = ["jurisdiction_code", "serial"]

    def __str__(self) -> str:
        return self.serial


class DoorSensorEvent(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("Door opened")
        CLOSE = "close", _("Door closed")
        TAMPER = "tamper", _("Sensor tampered with")
        BATTERY = "battery", _("Battery low")
        HEARTBEAT = "heartbeat", _("Heartbeat")

    sensor = models.ForeignKey(DoorSensor, on_delete=models.PROTECT, related_name="events")
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    jurisdiction_code = models.CharField(max_length=15)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField()  # the device's clock
    received_at = models.DateTimeField()
    event_key = models.CharField(max_length=64)  # the device's id for the event
    order = models.ForeignKey(  # the order in force at the household then, if any
        ControlOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="door_events",
        db_constraint=False,
    )

    objects = ScopedManager["DoorSensorEvent"]()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sensor", "event_key"], name="door_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.kind} {self.at}"


# --- Daily follow-ups and alerts ------------------------------------------------------------


class FollowUp(models.Model):
    """四个一: one slot of the day's follow-up of a person under an order (twice a day by
    default): temperature, symptoms, and the four services. The day's rows are made for
    every order in a followed phase at once (set-based), then filled on the phone."""

    class Status(models.TextChoices):
        DUE = "due", pgettext_lazy("follow-up", "Due")
        DONE = "done", pgettext_lazy("follow-up", "Done")
        OVERDUE = "overdue", pgettext_lazy("follow-up", "Overdue")

    order = models.ForeignKey(  # indexed by the unique constraint below
        ControlOrder, on_delete=models.CASCADE, related_name="followups", db_index=False
    )
    person = _person_fk(db_index=False)
    care_team = models.ForeignKey(
        CareTeam,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    jurisdiction_code = models.CharField(max_length=15)
    day = models.DateField()
    slot = models.PositiveSmallIntegerField(default=1)  # 1 morning, 2 afternoon, …
    measure = models.CharField(max_length=16, choices=Measure.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DUE)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    symptoms = models.JSONField(default=list, blank=True)  # codes: fever, cough, …
    # 四个一: {"temperature": true, "shopping": true, "garbage": true, "disinfection": true}
    services = models.JSONField(default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = actor_fk()
    recorded_by_name = models.CharField(max_length=150, blank=True)
    # The head of the household reporting for a dependant, when not the care team.
    reported_by_person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    objects = ScopedManager["FollowUp"]()

    class Meta:
        ordering = ["day", "slot", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "day", "slot"], name="followup_once"),
            models.CheckConstraint(
                condition=models.Q(temperature__isnull=True)
                | models.Q(temperature__gte=34, temperature__lte=43),
                name="followup_temperature_range",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction_code", "day", "status"], name="followup_scope_day"),
            models.Index(fields=["care_team", "day"], name="followup_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.day} #{self.slot}"


class Alert(models.Model):
    """Something a person must act on now: fever or symptoms at a follow-up, a door
    opened during quarantine, a follow-up missed (脱管/漏管), a positive test. An open
    alert climbs the chain (community -> subdistrict -> district) while nobody handles
    it; `level` is how far it has climbed."""

    class Kind(models.TextChoices):
        FEVER = "fever", _("Fever")
        SYMPTOMS = "symptoms", _("Symptoms")
        DOOR_OPEN = "door_open", _("Door opened during quarantine")
        DOOR_TAMPER = "door_tamper", _("Door sensor tampered with")
        FOLLOWUP_OVERDUE = "followup_overdue", _("Follow-up missed")
        POSITIVE = "positive", _("Positive test")
        HELP = "help", _("Asked for help")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("alert", "Open")
        ACKNOWLEDGED = "acknowledged", _("Being handled")
        CLOSED = "closed", pgettext_lazy("alert", "Closed")

    class Level(models.IntegerChoices):
        COMMUNITY = 1, _("Community")
        SUBDISTRICT = 2, _("Subdistrict")
        DISTRICT = 3, _("District")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    jurisdiction_code = models.CharField(max_length=15)
    order = models.ForeignKey(
        ControlOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        db_constraint=False,
    )
    person = _person_fk(null=True, blank=True, db_index=False)
    # What raised it, as "<app>.<model>:<id>"; one open alert per source and kind.
    source_ref = models.CharField(max_length=80)
    summary = models.CharField(_("summary"), max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.COMMUNITY)
    raised_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = actor_fk()
    acknowledged_by_name = models.CharField(max_length=150, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = actor_fk()
    closed_by_name = models.CharField(max_length=150, blank=True)
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)

    objects = ScopedManager["Alert"]()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_ref"],
                condition=~models.Q(status="closed"),
                name="alert_one_open_per_source",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed")
                | (models.Q(closed_at__isnull=False) & ~models.Q(resolution="")),
                name="alert_closed_with_resolution",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction_code", "status", "level"], name="alert_scope"),
            models.Index(fields=["status", "raised_at"], name="alert_open_age"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_ref}"


class TransferTask(models.Model):
    """A fever or symptoms at a follow-up: take the person to the fever clinic (发热门诊)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("transfer", "To do")
        DONE = "done", pgettext_lazy("transfer", "Done")
        CANCELLED = "cancelled", pgettext_lazy("transfer", "Cancelled")

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="transfer")
    order = models.ForeignKey(
        ControlOrder, on_delete=models.PROTECT, related_name="transfers", db_constraint=False
    )
    person = _person_fk()
    jurisdiction_code = models.CharField(max_length=15)
    destination = models.CharField(_("destination"), max_length=100, default="发热门诊")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = actor_fk()
    done_by_name = models.CharField(max_length=150, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedManager["TransferTask"]()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction_code", "status"], name="transfer_scope")]

    def __str__(self) -> str:
        return f"transfer {self.person_id}"


# --- Control zones ----------------------------------------------------------------------------


class ControlZone(models.Model):
    """封控区 / 管控区 / 防范区: a compound, or some of its buildings, under a zone's rules
    between two dates. Lifting it is signed (who, when, why)."""

    class Kind(models.TextChoices):
        SEALED = "sealed", _("Sealed zone")  # 封控区: stay home, services at the door
        CONTROLLED = "controlled", _("Controlled zone")  # 管控区: stay in the compound
        PRECAUTION = "precaution", _("Precaution zone")  # 防范区: limit gatherings

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("zone", "In force")
        LIFTED = "lifted", _("Lifted")

    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the compound's
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    compound = models.ForeignKey(
        "registry.Compound", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # Empty: the whole compound.
    buildings = models.ManyToManyField("registry.Building", blank=True, related_name="+")
    starts_on = models.DateField(_("starts on"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = actor_fk()
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = actor_fk()
    lifted_by_name = models.CharField(_("lifted by"), max_length=150, blank=True)
    lift_reason = models.CharField(max_length=500, blank=True)

    objects = ScopedManager["ControlZone"]()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("control zone")
        verbose_name_plural = _("control zones")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="lifted")
                | (models.Q(lifted_at__isnull=False) & ~models.Q(lifted_by_name="")),
                name="zone_lift_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.compound_id}"
