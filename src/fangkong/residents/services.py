"""Sign-in by a one-time code to the phone of a person file.

A code is six random digits, kept only as an HMAC (with the secret key) of the phone
and the code, for five minutes and five attempts; a new code replaces the phone's old
one. Every code sent, every phone nobody holds, every failed attempt and every sign-in
is in the audit log, with the phone masked and never the code. Why it works this way:
docs/adr/0017-resident-sign-in-by-one-time-code.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.masking import mask_phone
from fangkong.core.scope import Scope
from fangkong.core.sms import SmsError, send_sms
from fangkong.registry.models import Person

from . import selectors
from .models import SignInCode

CODE_DIGITS = 6
CODE_SECONDS = 5 * 60
CODE_ATTEMPTS = 5


def _mac(text: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def phone_key(phone: str) -> str:
    return _mac(f"resident-phone:{phone}")


def code_hash(phone: str, code: str) -> str:
    return _mac(f"resident-code:{phone}:{code}")


def _scope() -> Scope:
    return Scope.system(reason="resident sign-in")


def _store(phone: str, code: str, now: dt.datetime) -> None:
    """Replace the phone's live code (one per phone, even when two requests race)."""
    values = {
        "code_hash": code_hash(phone, code),
        "created_at": now,
        "expires_at": now + dt.timedelta(seconds=CODE_SECONDS),
        "attempts": 0,
    }
    key = phone_key(phone)
    if SignInCode.objects.filter(phone_key=key).update(**values):
        return
    try:
        with transaction.atomic():
            SignInCode.objects.create(phone_key=key, **values)
    except IntegrityError:
        SignInCode.objects.filter(phone_key=key).update(**values)


def code_issue(*, phone: str, remote_addr: str = "", language: str = "") -> bool:
    """Send a new code to `phone` when an active person file holds it; True when a code
    went out. Runs in the background (tasks.send_code): the page answers the same, at
    the same speed, whether anybody holds the phone or not."""
    scope = _scope()
    people = selectors.persons_with_phone(phone)
    masked = mask_phone(phone)
    if not people:
        with transaction.atomic():
            audit.record(
                scope,
                "residents.code.unknown_phone",
                object_type="phone",
                data={"phone": masked},
                remote_addr=remote_addr,
            )
        return False
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        _store(phone, code, now)
        audit.record(
            scope,
            "residents.code.sent",
            object_type="phone",
            jurisdiction_code=people[0].jurisdiction_code,
            data={"phone": masked, "people": len(people)},
            remote_addr=remote_addr,
        )
    with translation.override(language or settings.LANGUAGE_CODE):
        text = _(
            "Fangkong sign-in code: %(code)s, valid for %(minutes)d minutes. Do not tell "
            "it to anyone: no staff member will ever ask you for it."
        ) % {"code": code, "minutes": CODE_SECONDS // 60}
    try:
        send_sms(phone, text, purpose="otp")
    except SmsError as exc:
        with transaction.atomic():
            SignInCode.objects.filter(phone_key=phone_key(phone)).delete()
            audit.record(
                scope,
                "residents.code.not_sent",
                object_type="phone",
                jurisdiction_code=people[0].jurisdiction_code,
                data={"phone": masked, "error": str(exc)[:200]},
                remote_addr=remote_addr,
            )
        return False
    return True


def code_check(*, phone: str, code: str, remote_addr: str = "") -> list[Person]:
    """The person files of `phone` when `code` is its live code; [] otherwise (no code,
    expired, wrong, or its attempts used up: the caller answers all of them alike)."""
    scope = _scope()
    masked = mask_phone(phone)
    now = timezone.now()
    with transaction.atomic():
        row = SignInCode.objects.select_for_update().filter(phone_key=phone_key(phone)).first()
        failure = ""
        if row is None:
            failure = "no_code"
        elif row.expires_at <= now:
            failure = "expired"
            row.delete()
        else:
            row.attempts += 1
            if hmac.compare_digest(row.code_hash, code_hash(phone, code)):
                row.delete()
            elif row.attempts >= CODE_ATTEMPTS:
                failure = "attempts_used_up"
                row.delete()
            else:
                failure = "wrong_code"
                row.save(update_fields=["attempts"])
        people = [] if failure else selectors.persons_with_phone(phone)
        if not failure and not people:
            failure = "no_person"
        if failure:
            audit.record(
                scope,
                "residents.sign_in.failed",
                object_type="phone",
                data={"phone": masked, "why": failure},
                remote_addr=remote_addr,
            )
            return []
    return people


@transaction.atomic
def signed_in(*, person: Person, remote_addr: str = "", switched: bool = False) -> None:
    """Record that the resident now sees this person file (after the code, or a switch
    to another file of the same phone without a new code)."""
    audit.record(
        _scope(),
        "residents.sign_in.switched" if switched else "residents.sign_in",
        person,
        data={"phone": mask_phone(person.phone)},
        remote_addr=remote_addr,
    )


@transaction.atomic
def signed_out(*, person: Person, remote_addr: str = "") -> None:
    audit.record(_scope(), "residents.sign_out", person, remote_addr=remote_addr)


def purge_codes(*, now: dt.datetime | None = None) -> int:
    """Delete codes that expired (a code lives five minutes)."""
    deleted, _ = SignInCode.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
