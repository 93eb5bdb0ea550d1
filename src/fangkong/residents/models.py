"""What the resident's sign-in keeps: one live code per phone (its keyed hash only) and
the counters of the rate limits. Neither table holds a phone number or a code: both are
keyed by HMACs with the secret key."""

from __future__ import annotations

from django.db import models


class SignInCode(models.Model):
    """The one live one-time code of a phone (a new code replaces the old one)."""

    phone_key = models.CharField(max_length=64, unique=True)  # HMAC of the phone
    code_hash = models.CharField(max_length=64)  # HMAC of the phone and the code
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="resident_code_expires")]

    def __str__(self) -> str:
        return f"code {self.phone_key[:8]}… until {self.expires_at:%H:%M:%S}"


class RateCounter(models.Model):
    """Attempts of one key (a keyed hash of a phone or an address) in one window."""

    key = models.CharField(max_length=80)
    window = models.BigIntegerField()  # the window's start, in seconds since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="resident_rate_key_window")
        ]
        indexes = [models.Index(fields=["window"], name="resident_rate_window")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}={self.count}"
