"""A notice to staff (通知): written by an office to the accounts of chosen jurisdictions
and roles, with attachments, and who of them has read it.

Recipients are not stored: they are the accounts that match the audience when someone
reads (an account created later at an addressed office still gets the notice; a
deactivated one drops out). `NoticeTarget` holds the audience in the shape the inbox
asks it: one row per addressed code and role ("" for every role), so "the notices for an
account" is one indexed lookup on the prefixes of the account's code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.models import actor_fk
from fangkong.core.scoping import ScopedManager

TITLE_MAX = 120
BODY_MAX = 5000
REASON_MAX = 300


class Notice(models.Model):
    class Priority(models.TextChoices):
        NORMAL = "normal", pgettext_lazy("notice priority", "Normal")
        URGENT = "urgent", pgettext_lazy("notice priority", "Urgent")

    # The sender's office: it sees the notice's read receipts and may withdraw it.
    jurisdiction_code = models.CharField(max_length=15)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    # Plain text, shown with its line breaks and never as HTML.
    body = models.TextField(_("text"), max_length=BODY_MAX)
    # The jurisdictions addressed (each reaches every account at it and below) and the
    # role codes (accounts.roles.ROLES; empty: every role), as the sender chose them.
    audience_codes = models.JSONField(default=list)
    audience_roles = models.JSONField(default=list, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    sent_at = models.DateTimeField()
    sent_by = actor_fk()
    sent_by_name = models.CharField(max_length=60, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = actor_fk()
    withdrawn_by_name = models.CharField(max_length=60, blank=True)
    withdrawn_reason = models.CharField(max_length=REASON_MAX, blank=True)

    objects = ScopedManager["Notice"]()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__in=["normal", "urgent"]), name="notice_priority"
            ),
            # A withdrawn notice says why.
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | ~models.Q(withdrawn_reason=""),
                name="notice_withdrawn_reason",
            ),
        ]
        indexes = [
            # The sent notices of an office, newest first.
            models.Index(fields=["jurisdiction_code", "sent_at"], name="notice_office"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_urgent(self) -> bool:
        return self.priority == self.Priority.URGENT


class NoticeTarget(models.Model):
    """One addressed (code, role) pair of a notice; role "" is every role."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="targets")
    code = models.CharField(max_length=15)
    role = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "code", "role"], name="notice_target_once")
        ]
        indexes = [
            # The inbox and the unread badge: code IN (prefixes of mine), role IN (mine, "").
            models.Index(fields=["code", "role", "notice"], name="notice_target_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.code}/{self.role or '*'}"


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    # Relative to settings.VAR_DIR / "notices"; never the name the sender gave.
    stored_name = models.CharField(max_length=100, unique=True)
    original_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["notice", "position", "id"]

    def __str__(self) -> str:
        return self.original_name


class NoticeRead(models.Model):
    """A recipient opened the notice (written once, the first time)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The account first: the badge asks "which have I read".
            models.UniqueConstraint(fields=["account", "notice"], name="notice_read_once")
        ]
        indexes = [models.Index(fields=["notice", "read_at"], name="notice_read_notice")]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.account_id}"
