"""The registry: places (Compound > Building > Unit > Household) and people.

Every row carries `jurisdiction_code`: the code of its grid (15 digits) or, when no
grid is assigned, its community (12). Only services set it; selectors read through
`objects.within(scope)`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scoping import ScopedManager


class Place(models.Model):
    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    community_code = models.CharField(max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Compound(Place):
    """小区/楼院/自然村: a walled compound or a village group."""

    class Kind(models.TextChoices):
        COMPOUND = "compound", _("Residential compound")
        YARD = "yard", _("Courtyard")
        VILLAGE_GROUP = "village_group", _("Village group")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPOUND)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = ScopedManager["Compound"]()

    class Meta:
        ordering = ["community_code", "name"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        constraints = [
            models.UniqueConstraint(
                fields=["community_code", "name"], name="compound_name_unique_in_community"
            ),
        ]


class Building(Place):
    """楼栋."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    sort_key = models.IntegerField(default=0)

    objects = ScopedManager["Building"]()

    class Meta:
        ordering = ["compound_id", "sort_key", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "name"], name="building_name_unique_in_compound"
            ),
        ]


class Unit(Place):
    """单元."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    sort_key = models.IntegerField(default=0)

    objects = ScopedManager["Unit"]()

    class Meta:
        ordering = ["building_id", "sort_key", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "name"], name="unit_name_unique_in_building"
            ),
        ]


class Household(Place):
    """户: a dwelling (room) and the people registered in it.

    `name` is the room ("501"); building and unit may be absent (a courtyard house in a
    village). `address` is the full written address, kept for display and search.
    """

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="households")
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="households"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="households"
    )
    address = models.CharField(_("address"), max_length=200)
    sort_key = models.IntegerField(default=0)

    objects = ScopedManager["Household"]()

    class Meta:
        ordering = ["compound_id", "building_id", "unit_id", "sort_key", "name"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "building", "unit", "name"],
                name="household_unique_room",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(
                fields=["jurisdiction_code"],
                condition=models.Q(is_active=True),
                name="household_active_scope",
            ),
        ]


class Person(models.Model):
    """人员: one person of the registry, the subject of a person file (一人一档)."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")
        UNKNOWN = "", _("Unknown")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident identity card")
        PASSPORT = "passport", _("Passport")
        HK_MACAO_TAIWAN = "hmt", _("Hong Kong, Macao or Taiwan permit")
        FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent residence card")
        OTHER = "other", _("Other")
        NONE = "", _("None")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Living here")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    class Category(models.TextChoices):
        REGISTERED = "registered", _("Registered resident")
        RESIDENT = "resident", _("Resident from elsewhere")
        FLOATING = "floating", _("Floating population")
        OTHER = "other", _("Other")
        UNKNOWN = "", _("Unknown")

    jurisdiction_code = models.CharField(max_length=15)
    community_code = models.CharField(max_length=12)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    name = models.CharField(_("name"), max_length=60)
    name_pinyin = models.CharField(max_length=120, blank=True)
    name_initials = models.CharField(max_length=30, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True, default="")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_type = models.CharField(
        _("identity document"), max_length=20, choices=IdType.choices, blank=True, default=""
    )
    id_number = models.CharField(_("identity number"), max_length=32, null=True, blank=True)
    id_last4 = models.CharField(max_length=4, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    ethnicity = models.CharField(_("ethnic group"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    relation_to_head = models.CharField(
        _("relation to head of household"), max_length=20, blank=True
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, blank=True, default=""
    )
    # Vulnerability flags (老弱病残孕幼 and living alone). Old age and infancy also follow
    # from the birth date; the stored flags record what the community knows.
    is_elderly = models.BooleanField(_("elderly"), default=False)
    is_frail = models.BooleanField(_("frail"), default=False)
    is_chronically_ill = models.BooleanField(_("chronically ill"), default=False)
    is_disabled = models.BooleanField(_("disabled"), default=False)
    is_pregnant = models.BooleanField(_("pregnant"), default=False)
    is_infant = models.BooleanField(_("young child"), default=False)
    lives_alone = models.BooleanField(_("living alone"), default=False)
    needs_verification = models.BooleanField(_("to be verified"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    remarks = models.TextField(_("remarks"), blank=True)
    source = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Neither indexed nor checked by the database: nothing looks people up by who
    # registered them, users are deactivated and never deleted, and every index and
    # foreign-key check costs each of a million imported rows (ADR 0008).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    objects = ScopedManager["Person"]()

    VULNERABILITY_FIELDS = (
        "is_elderly",
        "is_frail",
        "is_chronically_ill",
        "is_disabled",
        "is_pregnant",
        "is_infant",
        "lives_alone",
    )

    class Meta:
        ordering = ["jurisdiction_code", "household_id", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                name="person_id_number_unique",
                condition=models.Q(id_number__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["jurisdiction_code", "name_initials"], name="person_scope_initials"
            ),
            models.Index(fields=["jurisdiction_code", "name_pinyin"], name="person_scope_pinyin"),
            models.Index(fields=["jurisdiction_code", "name"], name="person_scope_name"),
            models.Index(fields=["id_last4", "jurisdiction_code"], name="person_last4"),
            models.Index(fields=["phone", "jurisdiction_code"], name="person_phone"),
            models.Index(fields=["jurisdiction_code", "id"], name="person_scope_id"),
            models.Index(fields=["community_code"], name="person_community"),
            # Counts per jurisdiction (the tree) from the index alone.
            models.Index(
                fields=["jurisdiction_code"],
                condition=models.Q(status="active"),
                name="person_active_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = dt.date.today()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    @property
    def vulnerabilities(self) -> list[str]:
        return [
            str(getattr(self._meta.get_field(f), "verbose_name", f))
            for f in self.VULNERABILITY_FIELDS
            if getattr(self, f)
        ]


class Residence(models.Model):
    """Residence history: where a person was registered, and when that changed."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    jurisdiction_code = models.CharField(max_length=15, db_index=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,  # ADR 0008
    )

    objects = ScopedManager["Residence"]()

    class Meta:
        ordering = ["person_id", "-started_at"]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.address}"
