"""Pushed lists (大数据推送/协查名单) and their checks on the ground (落地查人).

A district receives a `PushList` from above (a big-data group, a provincial command
office); each row is a `PushListEntry`, matched to the registry and routed to the
responsible community (or grid) as a `VerificationTask` with the list's deadline. The
task is the case of work for one person: a second list naming the same person while
the task is not closed joins it (docs/adr/0013-one-case-per-person.md), so nobody is
called three times for one trip. Every step of a task is a `TaskEvent`.

Scoping: a list and its import history carry the district's code; an entry carries the
district's code until it is routed and then its task's code, so that a community reads
the entries of its own tasks through `within(scope)` and nothing else.

The foreign keys that the importer fills by the hundred thousand (entries, tasks, their
history) are not checked by the database (`db_constraint=False`), as ADR 0008 decided
for people: at 100,000 entries their deferred checks cost 17 s at COMMIT, more than
the matching. The importer takes every id from a join to a row of the same
transaction; nothing deletes people, lists, entries or tasks; Django still applies
`on_delete` (PROTECT, CASCADE) itself.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.models import actor_fk
from fangkong.core.scoping import ScopedManager

MAX_DEADLINE_HOURS = 720  # 30 days: anything longer is not a check "on the ground"


class PushList(models.Model):
    """One list pushed to the district (推送名单/协查名单), with its deadline for checks."""

    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the district's
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("sent by"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received at"))
    deadline_hours = models.PositiveSmallIntegerField(_("deadline (hours)"), default=24)
    note = models.TextField(_("note"), blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager["PushList"]()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("push list")
        verbose_name_plural = _("push lists")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline_hours__gte=1, deadline_hours__lte=MAX_DEADLINE_HOURS),
                name="pushlist_deadline_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def deadline(self) -> dt.datetime:
        """When every check of this list is due: the clock starts when the list arrived."""
        return self.received_at + dt.timedelta(hours=self.deadline_hours)


class PushListImport(models.Model):
    """One file read into a list: a list may be filled from several files (a second
    batch, the fixed rejected rows); the same file twice is recognised by its digest."""

    push_list = models.ForeignKey(PushList, on_delete=models.CASCADE, related_name="imports")
    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    counts = models.JSONField(default=dict)
    imported_by = actor_fk()
    imported_at = models.DateTimeField()

    objects = ScopedManager["PushListImport"]()

    class Meta:
        ordering = ["push_list_id", "id"]

    def __str__(self) -> str:
        return self.file_name


class PushListEntry(models.Model):
    """One row of a pushed list, as the sender wrote it, and what matching made of it."""

    class MatchStatus(models.TextChoices):
        MATCHED = "matched", _("Matched")
        AMBIGUOUS = "ambiguous", _("Ambiguous")
        UNMATCHED = "unmatched", _("Not matched")

    class Method(models.TextChoices):
        NONE = "", _("None")
        ID_NUMBER = "id_number", _("Identity number")
        PHONE = "phone", _("Phone")
        NAME_ADDRESS = "name_address", _("Name and address")
        MANUAL = "manual", pgettext_lazy("match method", "Decided by hand")

    # Indexed by the two constraints/indexes below, which lead with it.
    push_list = models.ForeignKey(
        PushList,
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    jurisdiction_code = models.CharField(max_length=15)
    row_no = models.PositiveIntegerField(_("row"))
    # Identifies the row within its list, so that a file imported twice adds nothing.
    entry_key = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=60, blank=True)
    id_number = models.CharField(_("identity number"), max_length=32, null=True, blank=True)
    id_raw = models.CharField(max_length=64, blank=True)  # as written, when not valid
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_raw = models.CharField(max_length=64, blank=True)  # as written, when not valid
    source = models.CharField(_("source"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    extra = models.JSONField(default=dict, blank=True)  # the sender's other columns
    match_status = models.CharField(
        _("match"), max_length=12, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED
    )
    match_method = models.CharField(
        _("matched by"), max_length=12, choices=Method.choices, blank=True, default=""
    )
    confidence = models.PositiveSmallIntegerField(_("confidence"), default=0)
    match_note = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # [{"person": id, "confidence": 0-100}], best first, for a person to decide.
    candidates = models.JSONField(default=list, blank=True)
    task = models.ForeignKey(
        "VerificationTask",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        db_constraint=False,
    )
    # The file this row came from (never looked up by it: no index to keep up).
    origin_import = models.ForeignKey(
        PushListImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    decided_by = actor_fk()
    decided_at = models.DateTimeField(null=True, blank=True)
    returned_by = actor_fk()
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    objects = ScopedManager["PushListEntry"]()

    class Meta:
        ordering = ["push_list_id", "row_no", "id"]
        verbose_name = _("push list entry")
        verbose_name_plural = _("push list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["push_list", "entry_key"], name="pushlist_entry_once_per_list"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__lte=100), name="pushlist_entry_confidence_range"
            ),
        ]
        indexes = [
            models.Index(fields=["push_list", "row_no"], name="pushlist_entry_row"),
            models.Index(fields=["jurisdiction_code", "push_list"], name="pushlist_entry_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.push_list_id}#{self.row_no} {self.name}"

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number or self.id_raw)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone or self.phone_raw)

    @property
    def in_queue(self) -> bool:
        """Waiting for the district: neither routed nor returned to the sender."""
        return self.task_id is None and self.returned_at is None


class VerificationTask(models.Model):
    """落地查人: the check of one person (the case of work) by the responsible community.

    `subject_key` names whom the case is about: "p:<person id>" for a registry person,
    "id:<identity number>" for someone not (yet) registered, "e:<entry id>" otherwise.
    At most one case per subject is not closed (a database constraint): a second list
    naming the same person joins it.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To check")
        DONE = "done", _("Checked, awaiting decision")
        CLOSED = "closed", pgettext_lazy("task status", "Closed")

    class Outcome(models.TextChoices):
        NONE = "", _("Not checked yet")
        FOUND_AT_HOME = "found_at_home", _("Found at home")
        LIVES_ELSEWHERE = "lives_elsewhere", _("Lives elsewhere")
        NOT_FOUND = "not_found", pgettext_lazy("check outcome", "Not found")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    class Measure(models.TextChoices):
        NONE = "", _("None")
        REMINDED = "reminded", _("Health advice, no control needed")
        HEALTH_MONITORING = "health_monitoring", _("Health monitoring at home")
        HOME_QUARANTINE = "home_quarantine", _("Home quarantine")
        CENTRAL_QUARANTINE = "central_quarantine", _("Centralised quarantine")
        TESTING = "testing", _("Nucleic acid test arranged")
        FORWARDED = "forwarded", _("Handed over to where the person is")
        OTHER = "other", pgettext_lazy("measure", "Other")

    jurisdiction_code = models.CharField(max_length=15)  # the community's or the grid's
    community_code = models.CharField(max_length=12)
    subject_key = models.CharField(max_length=64)
    person = models.ForeignKey(  # indexed by verification_person below
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The import that opened the case (None when the district opened it by hand).
    origin_import = models.ForeignKey(
        PushListImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(
        pgettext_lazy("verification", "outcome"),
        max_length=16,
        choices=Outcome.choices,
        blank=True,
        default="",
    )
    where_text = models.CharField(_("where the person is"), max_length=200, blank=True)
    # A community of the district or a region code (core.regions), when known.
    where_code = models.CharField(max_length=15, blank=True)
    measure = models.CharField(
        _("measure taken"), max_length=20, choices=Measure.choices, blank=True, default=""
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    verified_by = actor_fk()
    verified_by_name = models.CharField(max_length=150, blank=True)
    verified_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    closed_by = actor_fk()
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    objects = ScopedManager["VerificationTask"]()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("verification task")
        verbose_name_plural = _("verification tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key"],
                condition=~models.Q(status="closed"),
                name="verification_one_open_case_per_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="verification_closed_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(verified_at__isnull=False),
                name="verification_outcome_has_time",
            ),
        ]
        # Few indexes on purpose: an import opens up to 100,000 tasks in one statement,
        # and every index costs each of them. Scoped lists and counts use the first; the
        # person file and recent checks the second; open cases the unique constraint.
        indexes = [
            models.Index(
                fields=["jurisdiction_code", "status", "deadline"], name="verification_scope"
            ),
            models.Index(fields=["person", "status"], name="verification_person"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject_key}"


class TaskEvent(models.Model):
    """One step in a task's history; never changed or removed."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Task created")
        JOINED = "joined", _("Named again on a list")
        REROUTED = "rerouted", _("Re-routed")
        RECORDED = "recorded", _("Outcome recorded")
        ESCALATED = "escalated", _("Overdue, escalated")
        CLOSED = "closed", pgettext_lazy("task event", "Closed")

    task = models.ForeignKey(  # indexed by verification_event_task below
        VerificationTask,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    jurisdiction_code = models.CharField(max_length=15)  # the task's, when it happened
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    actor = actor_fk()
    actor_name = models.CharField(max_length=150, blank=True)
    from_code = models.CharField(max_length=15, blank=True)
    to_code = models.CharField(max_length=15, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    entry = models.ForeignKey(
        PushListEntry,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedManager["TaskEvent"]()

    class Meta:
        ordering = ["task_id", "at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="verification_event_task")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"
