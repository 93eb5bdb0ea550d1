"""Users, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Jurisdiction
from fangkong.core.scoping import ScopedQuerySet

from .roles import ROLES


class Role(models.Model):
    """The database copy of `roles.ROLES`, written by `fangkong sync_roles`."""

    code = models.CharField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)
    permissions = models.JSONField(default=list)
    can_export = models.BooleanField(default=True)
    levels = models.JSONField(default=list)

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The role's name in the language of the request: the code's name is translated,
        the stored copy is in the language `sync_roles` ran in."""
        spec = ROLES.get(self.code)
        return str(spec.name) if spec is not None else self.name


class ScopedUserManager(UserManager["User"]):
    def get_queryset(self) -> ScopedQuerySet[User]:
        return ScopedQuerySet(self.model, using=self._db)

    def within(self, scope) -> ScopedQuerySet[User]:  # type: ignore[no-untyped-def]
        return self.get_queryset().within(scope)


class User(AbstractUser):
    """A staff account bound to one jurisdiction and one role."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        related_name="users",
        verbose_name=_("jurisdiction"),
    )
    jurisdiction_code = models.CharField(max_length=15, blank=True, db_index=True)
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, related_name="users", verbose_name=_("role")
    )
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class ApiToken(models.Model):
    """A bearer token for devices and scripts; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "fk_" + secrets.token_urlsafe(32)

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
