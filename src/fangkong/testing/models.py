"""全员核酸检测 (mass testing): campaigns and their target population, sampling sites
and devices, pooled tubes and the samples scanned into them, transport boxes, labs and
their results, QR cards for people without phones, and door-to-door sampling.

How the rows hang together (ADR 0018):

- A `Campaign` (a round) is opened over some jurisdictions; its target population is
  materialised once into `Target` rows (one per resident in scope, with the exemption
  that applies) and one `Coverage` counter row per (jurisdiction, building). Coverage
  at any level is a grouped sum over the counters; the list of people not yet sampled
  reads `Target`.
- A device (`Device`, a phone or PC of a `SamplingSite`, or of a `Lab`) posts scans in
  batches. Every scan carries a client id made by the device; `ScanReceipt` stores each
  client id once per campaign with its outcome, so a batch sent twice (or by two
  devices, or after a killed worker) is stored once and answered the same way.
- A person scanned into a tube is a `Sample`; a `Tube` counts its samples and refuses
  more than its pool size (a check constraint). Tubes are packed into a `TransportBox`,
  handed over, received by a `Lab`, and a `LabResult` per tube comes back; a result for
  a tube nobody knows waits unmatched (never dropped).
- A positive or suspicious tube locks its members (`Target.locked`): a negative pool
  never clears a member flagged for another reason; each member gets a single-tube
  retest `HomeTask`.

Scoping: a campaign, site, device, lab and box carry the office that runs them; a target,
sample, card and home task carry the person's grid or community code; a tube the site's.
"""

from __future__ import annotations

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


class Result(models.TextChoices):
    """A tube's (and so its members') result."""

    NONE = "", _("No result yet")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    SUSPICIOUS = "suspicious", _("Suspicious")  # 可疑/初筛阳性
    INVALID = "invalid", _("Invalid sample")  # 样本无效, sample again


# Results that lock a pool's members until a single-tube retest clears them.
ALARMING = (Result.POSITIVE, Result.SUSPICIOUS)


class Exemption(models.TextChoices):
    """Why a person in scope is not expected at a sampling site."""

    NONE = "", _("Not exempt")
    INFANT = "infant", _("Infant under the set age")
    BEDRIDDEN = "bedridden", _("Bedridden or unable to walk: door-to-door")
    CENTRAL = "central", _("Under centralised quarantine: tested there")
    AWAY = "away", _("Away, with proof")
    VACCINATED = "vaccinated", _("Vaccinated within the set hours")


class Zone(models.TextChoices):
    """The zone a person lives in, or a site serves, for the pooling rule (control zones
    of the control module, as in force when the campaign opened)."""

    NONE = "", _("Elsewhere")
    PRECAUTION = "precaution", _("Precaution zone")
    CONTROLLED = "controlled", _("Controlled zone")
    SEALED = "sealed", _("Sealed zone")


# Exemptions whose people are still sampled, at their door.
DOOR_TO_DOOR_EXEMPTIONS = (Exemption.BEDRIDDEN,)


# --- Campaigns --------------------------------------------------------------------------


class Campaign(models.Model):
    """A round of mass testing (一轮全员核酸检测) over some jurisdictions.

    Life: draft -> preparing (the target population is being materialised, a background
    job with progress) -> open (sampling) -> closed. `rules` holds the pooling per area
    and the exemptions as the office set them (schema in testing/campaigns/rules.py);
    they are copied at opening and do not change under a running round.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PREPARING = "preparing", _("Preparing the target population")
        OPEN = "open", _("Open for sampling")
        CLOSED = "closed", _("Closed")

    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the office's
    name = models.CharField(_("name"), max_length=100)
    scope_codes = models.JSONField(_("jurisdictions in scope"), default=list)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    rules = models.JSONField(default=dict)
    late_box_hours = models.PositiveSmallIntegerField(_("box late after (hours)"), default=4)
    result_due_hours = models.PositiveSmallIntegerField(_("result due after (hours)"), default=12)
    target_count = models.PositiveIntegerField(default=0)
    exempt_count = models.PositiveIntegerField(default=0)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_by = actor_fk()
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["Campaign"]()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("testing campaign")
        verbose_name_plural = _("testing campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def overlaps(self, code: str) -> bool:
        """Whether the round's jurisdictions and `code` overlap (one within the other)."""
        codes = self.scope_codes or [self.jurisdiction_code]
        return any(c.startswith(code) or code.startswith(c) for c in codes)


class Target(models.Model):
    """One person of a campaign's target population (应检人员), materialised at opening;
    people scanned who were not in it are added with `outside=True`."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    person = _person_fk(db_index=False)
    jurisdiction_code = models.CharField(max_length=15)  # the person's grid or community
    building_id = models.IntegerField(default=0)  # 0: no building (a bungalow, a village)
    compound_id = models.IntegerField(null=True, blank=True)
    household_id = models.IntegerField(null=True, blank=True)
    exemption = models.CharField(max_length=12, choices=Exemption.choices, blank=True)
    exemption_note = models.CharField(max_length=200, blank=True)
    zone = models.CharField(max_length=12, choices=Zone.choices, blank=True)
    outside = models.BooleanField(default=False)  # scanned, not in the target population
    sampled_at = models.DateTimeField(null=True, blank=True)  # the first sample
    result = models.CharField(max_length=12, choices=Result.choices, blank=True)
    resulted_at = models.DateTimeField(null=True, blank=True)
    # Locked by a positive or suspicious pool (or by hand): only a single-tube retest
    # clears it; a negative pool does not.
    locked = models.BooleanField(default=False)
    locked_reason = models.CharField(max_length=200, blank=True)

    objects = ScopedManager["Target"]()

    class Meta:
        ordering = ["jurisdiction_code", "building_id", "household_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="target_once"),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "jurisdiction_code", "building_id"], name="target_place"
            ),
            models.Index(
                fields=["campaign", "jurisdiction_code"],
                condition=models.Q(sampled_at__isnull=True),
                name="target_unsampled",
            ),
            models.Index(fields=["person"], name="target_person"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.person_id}"


class Coverage(models.Model):
    """The counters of one (jurisdiction, building) of a campaign: moved by every batch
    of scans and results in the same transaction (ADR 0018)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    jurisdiction_code = models.CharField(max_length=15)
    building_id = models.IntegerField(default=0)
    compound_id = models.IntegerField(null=True, blank=True)
    target = models.PositiveIntegerField(default=0)  # in scope and not exempt
    exempt = models.PositiveIntegerField(default=0)
    sampled = models.PositiveIntegerField(default=0)  # targets (not exempt) sampled
    outside = models.PositiveIntegerField(default=0)  # sampled, not in the population
    resulted = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)  # members of alarming pools

    objects = ScopedManager["Coverage"]()

    class Meta:
        ordering = ["jurisdiction_code", "building_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "jurisdiction_code", "building_id"], name="coverage_once"
            ),
        ]

    # --- Sites, labs and devices ------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.jurisdiction_code}:{self.building_id}"


class SamplingSite(models.Model):
    """采样点: a fixed site, a mobile one (a bus with its stops and times) or a
    door-to-door team (上门采样队)."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed site")
        MOBILE = "mobile", _("Mobile site")
        DOOR_TO_DOOR = "home", _("Door-to-door team")

    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FIXED)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # A mobile site's stops: [{"place": "…", "from": "HH:MM", "to": "HH:MM"}, …].
    stops = models.JSONField(default=list, blank=True)
    lanes = models.PositiveSmallIntegerField(_("sampling lanes"), default=1)
    # Which zone the site serves: its tubes' pool size comes from the campaign's rule
    # for that zone (sealed: single tube or one per household; controlled: 10-in-1 …).
    area = models.CharField(_("serves"), max_length=12, choices=Zone.choices, default=Zone.NONE)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager["SamplingSite"]()

    class Meta:
        ordering = ["jurisdiction_code", "kind", "name"]
        verbose_name = _("sampling site")
        verbose_name_plural = _("sampling sites")

    def __str__(self) -> str:
        return self.name


class SiteMember(models.Model):
    """A sampler, scanner or transporter assigned to a site."""

    class Role(models.TextChoices):
        SAMPLER = "sampler", _("Sampler")  # 采样员
        SCANNER = "scanner", _("Scanner")  # 扫码员
        TRANSPORTER = "transporter", _("Transporter")  # 转运员
        LEADER = "leader", _("Site leader")

    site = models.ForeignKey(SamplingSite, on_delete=models.CASCADE, related_name="members")
    jurisdiction_code = models.CharField(max_length=15)  # the site's
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = actor_fk()
    is_active = models.BooleanField(default=True)

    objects = ScopedManager["SiteMember"]()

    class Meta:
        ordering = ["site_id", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Lab(models.Model):
    """A testing laboratory (检测机构) that receives boxes and returns results."""

    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    objects = ScopedManager["Lab"]()

    class Meta:
        ordering = ["jurisdiction_code", "name"]
        verbose_name = _("laboratory")
        verbose_name_plural = _("laboratories")

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A phone or PC of a site (scans) or of a lab (receives boxes, posts results),
    with its own token (fkt_…; only the SHA-256 is kept). Revoked, never deleted."""

    site = models.ForeignKey(
        SamplingSite, null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    lab = models.ForeignKey(
        Lab, null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the site's or lab's
    name = models.CharField(_("name"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField()
    created_by = actor_fk()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["Device"]()

    class Meta:
        ordering = ["jurisdiction_code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(site__isnull=False, lab__isnull=True)
                | models.Q(site__isnull=True, lab__isnull=False),
                name="device_of_site_or_lab",
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Tubes, samples, boxes --------------------------------------------------------------


class TransportBox(models.Model):
    """转运箱: tubes packed at a site, handed to a transporter (both confirm), received
    by a lab."""

    class Status(models.TextChoices):
        PACKING = "packing", _("Packing")
        HANDED_OVER = "handed_over", _("Handed over by the site")
        IN_TRANSIT = "in_transit", _("In transit")  # the transporter confirmed too
        RECEIVED = "received", _("Received by the lab")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(_("box barcode"), max_length=40)
    site = models.ForeignKey(SamplingSite, on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the site's
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PACKING)
    tube_count = models.PositiveIntegerField(default=0)
    packed_at = models.DateTimeField()
    handed_at = models.DateTimeField(null=True, blank=True)
    transporter = models.CharField(_("transporter"), max_length=60, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["TransportBox"]()

    class Meta:
        ordering = ["-packed_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "barcode"], name="box_barcode_once"),
        ]

    def __str__(self) -> str:
        return self.barcode


class Tube(models.Model):
    """混采管: one tube of a campaign, opened by scanning its barcode, with up to
    `pool_size` samples (1: single tube)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PACKED = "packed", _("Packed in a box")
        RECEIVED = "received", _("Received by the lab")
        RESULTED = "resulted", _("Result in")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(_("tube barcode"), max_length=40, unique=True)
    site = models.ForeignKey(SamplingSite, on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the site's
    pool_size = models.PositiveSmallIntegerField()
    count = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    box = models.ForeignKey(
        TransportBox, null=True, blank=True, on_delete=models.PROTECT, related_name="tubes"
    )
    result = models.CharField(max_length=12, choices=Result.choices, blank=True)
    resulted_at = models.DateTimeField(null=True, blank=True)
    is_retest = models.BooleanField(default=False)  # a single-tube retest of a pool

    objects = ScopedManager["Tube"]()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(count__lte=models.F("pool_size")), name="tube_within_pool"
            ),
            models.CheckConstraint(condition=models.Q(pool_size__gte=1), name="tube_pool_size"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="tube_campaign_status"),
        ]

    def __str__(self) -> str:
        return self.barcode


class Sample(models.Model):
    """One person scanned into one tube (采样一人)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=40)
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="samples")
    person = _person_fk(db_index=False)
    jurisdiction_code = models.CharField(max_length=15)  # the person's
    site = models.ForeignKey(
        SamplingSite, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    code_kind = models.CharField(max_length=8)  # id, card, resident
    outside = models.BooleanField(default=False)  # not in the target population
    repeat_reason = models.CharField(max_length=200, blank=True)  # sampled again, why
    scanned_at = models.DateTimeField()  # by the device's clock
    stored_at = models.DateTimeField()

    objects = ScopedManager["Sample"]()

    class Meta:
        ordering = ["scanned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "client_id"], name="sample_client_once"),
        ]
        indexes = [
            models.Index(fields=["person", "campaign"], name="sample_person"),
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}:{self.person_id}"


class ScanReceipt(models.Model):
    """Every scan a device sent, once per (campaign, client id), with the outcome the
    server gave it; a scan sent again is answered from here (ADR 0018)."""

    class Kind(models.TextChoices):
        OPEN_TUBE = "open", _("Open a tube")
        SAMPLE = "sample", _("Person into a tube")
        CLOSE_TUBE = "close", _("Close a tube")
        PACK = "pack", _("Tube into a box")
        HANDOVER = "handover", _("Box handed over")
        PICKUP = "pickup", _("Box picked up by the transporter")

    class Outcome(models.TextChoices):
        STORED = "stored", _("Stored")
        WARNED = "warned", _("Stored with a warning")
        REJECTED = "rejected", _("Rejected")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.STORED)
    code = models.CharField(max_length=40, blank=True)  # a reason's stable code
    message = models.CharField(max_length=200, blank=True)
    stored_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "client_id"], name="receipt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.client_id}"


class SiteHour(models.Model):
    """Samples per site and clock hour of a campaign (the sampling rate), moved by the
    scans' batches."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(SamplingSite, on_delete=models.CASCADE, related_name="+")
    jurisdiction_code = models.CharField(max_length=15)  # the site's
    hour = models.DateTimeField()
    samples = models.PositiveIntegerField(default=0)

    objects = ScopedManager["SiteHour"]()

    class Meta:
        ordering = ["hour"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "site", "hour"], name="site_hour_once"),
        ]

    # --- Lab results ------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.site_id}@{self.hour:%Y-%m-%d %H}"


class LabResult(models.Model):
    """A lab's result for one tube barcode, once per (lab, key). One for a barcode no
    tube has waits with `tube` empty (the unmatched queue) until it is matched."""

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="results")
    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the lab's
    key = models.CharField(max_length=80)  # the lab's idempotency key (or the barcode)
    barcode = models.CharField(max_length=40, db_index=True)
    tube = models.ForeignKey(
        Tube, null=True, blank=True, on_delete=models.PROTECT, related_name="lab_results"
    )
    result = models.CharField(max_length=12, choices=Result.choices)
    ct_values = models.CharField(max_length=80, blank=True)  # "ORF1ab 35.2; N 36.1"
    tested_at = models.DateTimeField()
    received_at = models.DateTimeField()
    source = models.CharField(max_length=8)  # upload, api
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = actor_fk()

    objects = ScopedManager["LabResult"]()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "key"], name="lab_result_once"),
        ]
        indexes = [
            models.Index(
                fields=["jurisdiction_code"],
                condition=models.Q(tube__isnull=True),
                name="lab_result_unmatched",
            ),
        ]

    # --- Cards and door-to-door -------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.barcode}: {self.result}"


class Card(models.Model):
    """A QR card (核酸码卡) for a person without a phone, or the code on a resident's
    status page: an opaque token, never the identity number. Re-issuing voids the old."""

    class Kind(models.TextChoices):
        PRINTED = "card", _("Printed card")
        RESIDENT = "resident", _("Resident's own code")

    person = _person_fk()
    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the person's
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PRINTED)
    token = models.CharField(max_length=40, unique=True)
    issued_at = models.DateTimeField()
    issued_by = actor_fk()
    voided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager["Card"]()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=models.Q(voided_at__isnull=True),
                name="card_one_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.person_id}"


class HomeTask(models.Model):
    """上门采样: one person to sample at their door (bedridden, not yet sampled, or a
    single-tube retest of a positive pool), closed one person at a time."""

    class Reason(models.TextChoices):
        EXEMPT = "exempt", _("Cannot come: door-to-door")
        UNSAMPLED = "unsampled", _("Not yet sampled")
        RETEST = "retest", _("Single-tube retest of a positive pool")

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        SAMPLED = "sampled", _("Sampled")
        NOT_HOME = "not_home", _("Not at home")
        REFUSED = "refused", _("Refused")
        MOVED = "moved", _("Moved away")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    person = _person_fk()
    jurisdiction_code = models.CharField(max_length=15, db_index=True)  # the person's
    team = models.ForeignKey(
        SamplingSite, null=True, blank=True, on_delete=models.PROTECT, related_name="home_tasks"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    source_tube = models.ForeignKey(  # the pool a retest comes from
        Tube, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(pgettext_lazy("home task", "note"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = actor_fk()
    closed_by_name = models.CharField(max_length=150, blank=True)

    objects = ScopedManager["HomeTask"]()

    class Meta:
        ordering = ["status", "jurisdiction_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person", "reason"],
                condition=models.Q(status="open"),
                name="home_task_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason}:{self.person_id}"
