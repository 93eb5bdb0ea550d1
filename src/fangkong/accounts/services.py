"""Writes on accounts: users, roles, tokens, two-factor secrets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.codes import level_of
from fangkong.core.errors import ApplicationError, FieldError, NotFound, PermissionDenied
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from .models import ApiToken, Role, User
from .roles import ROLES

TOKEN_LIFETIME = dt.timedelta(days=30)


def roles_sync() -> int:
    """Write roles.ROLES to the Role table; idempotent. Returns the number of roles."""
    with transaction.atomic():
        for spec in ROLES.values():
            Role.objects.update_or_create(
                code=spec.code,
                defaults={
                    "name": str(spec.name),
                    "permissions": sorted(p.value for p in spec.perms),
                    "can_export": spec.can_export,
                    "levels": sorted(lv.value for lv in spec.levels),
                },
            )
        Role.objects.exclude(code__in=ROLES).filter(users__isnull=True).delete()
    return len(ROLES)


def requires_totp(user: User) -> bool:
    return bool(user.jurisdiction_code) and (
        level_of(user.jurisdiction_code) in settings.FANGKONG_TOTP_REQUIRED_LEVELS
    )


def totp_verify(user: User, code: str | None) -> bool:
    if not user.totp_secret or not code:
        return False
    return pyotp.TOTP(user.totp_secret).verify(code.strip(), valid_window=1)


def user_for_token(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__role")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_issue(
    *, user: User, totp: str | None, remote_addr: str = "", name: str = "api"
) -> tuple[str, dt.datetime]:
    """A new bearer token for an authenticated user; TOTP accounts give their code too."""
    if requires_totp(user) or user.totp_confirmed:
        if not user.totp_confirmed:
            raise PermissionDenied(
                _("This account must set up two-factor authentication on the web first.")
            )
        if not totp_verify(user, totp):
            raise PermissionDenied(_("A valid two-factor code is required."))
    key = ApiToken.new_key()
    expires = timezone.now() + TOKEN_LIFETIME
    token = ApiToken.objects.create(
        user=user, key_hash=ApiToken.hash_key(key), prefix=key[3:9], name=name, expires_at=expires
    )
    scope = Scope(actor_id=user.pk, actor_name=user.username, code=user.jurisdiction_code)
    audit.record(
        scope,
        "accounts.token.issued",
        token,
        jurisdiction_code=user.jurisdiction_code,
        remote_addr=remote_addr,
    )
    return key, expires


def _check_assignable(scope: Scope, *, jurisdiction: Jurisdiction, role: Role) -> None:
    """Nobody hands out reach beyond their own scope or permissions beyond their own."""
    scope.require(Perm.USER_MANAGE, at=jurisdiction.code)
    spec = ROLES.get(role.code)
    if spec is None:
        raise ApplicationError(
            _("Unknown role."), errors=[FieldError("role", "invalid", _("Unknown role."))]
        )
    if not scope.is_system and not set(spec.perms) <= set(scope.perms):
        raise PermissionDenied(_("You cannot give a role with permissions you do not have."))
    if level_of(jurisdiction.code) not in spec.levels:
        raise ApplicationError(
            _("This role cannot be given at this level of jurisdiction."),
            errors=[
                FieldError(
                    "role", "level", _("This role cannot be given at this level of jurisdiction.")
                )
            ],
        )


@transaction.atomic
def user_create(
    *,
    scope: Scope,
    username: str,
    password: str,
    full_name: str,
    jurisdiction_code: str,
    role_code: str,
    phone: str = "",
) -> User:
    jurisdiction = Jurisdiction.objects.within(scope).filter(code=jurisdiction_code).first()
    if jurisdiction is None:
        raise NotFound(_("Jurisdiction not found."))
    role = Role.objects.filter(code=role_code).first()
    if role is None:
        raise ApplicationError(
            _("Unknown role."), errors=[FieldError("role", "invalid", _("Unknown role."))]
        )
    _check_assignable(scope, jurisdiction=jurisdiction, role=role)
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            _("This username is taken."),
            errors=[FieldError("username", "taken", _("This username is taken."))],
        )
    user = User(
        username=username,
        full_name=full_name,
        phone=phone,
        jurisdiction=jurisdiction,
        jurisdiction_code=jurisdiction.code,
        role=role,
        created_by_id=scope.actor_id,
    )
    _set_password(user, password)
    user.save()
    audit.record(
        scope,
        "accounts.user.created",
        user,
        data={"role": role.code, "jurisdiction": jurisdiction.code},
    )
    return user


def _set_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        message = " ".join(exc.messages)
        raise ApplicationError(message, errors=[FieldError("password", "weak", message)]) from None
    user.set_password(password)


@transaction.atomic
def user_update(
    *,
    scope: Scope,
    user: User,
    full_name: str | None = None,
    phone: str | None = None,
    jurisdiction_code: str | None = None,
    role_code: str | None = None,
    is_active: bool | None = None,
) -> User:
    scope.require(Perm.USER_MANAGE, at=user.jurisdiction_code)
    if user.pk == scope.actor_id and (
        (jurisdiction_code and jurisdiction_code != user.jurisdiction_code)
        or (role_code and role_code != user.role_id)
    ):
        raise PermissionDenied(_("Nobody can change their own jurisdiction or role."))
    changes: dict[str, Any] = {}
    if jurisdiction_code is not None and jurisdiction_code != user.jurisdiction_code:
        jurisdiction = Jurisdiction.objects.within(scope).filter(code=jurisdiction_code).first()
        if jurisdiction is None:
            raise NotFound(_("Jurisdiction not found."))
        user.jurisdiction, user.jurisdiction_code = jurisdiction, jurisdiction.code
        changes["jurisdiction"] = jurisdiction.code
    if role_code is not None and role_code != user.role_id:
        role = Role.objects.filter(code=role_code).first()
        if role is None:
            raise ApplicationError(_("Unknown role."))
        user.role = role
        changes["role"] = role.code
    if user.jurisdiction is not None and user.role is not None:
        _check_assignable(scope, jurisdiction=user.jurisdiction, role=user.role)
    for field, value in (("full_name", full_name), ("phone", phone), ("is_active", is_active)):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changes[field] = value
    if changes:
        user.save()
        if changes.get("is_active") is False:
            changes["tokens_revoked"] = _revoke_tokens(user)
        audit.record(scope, "accounts.user.updated", user, data=changes)
    return user


def _revoke_tokens(user: User) -> int:
    """A new password or a deactivation ends every API token the user holds: a token
    must never outlive the secret it was issued for, nor come back with the account."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """The user ends one of their own tokens (a lost phone, a retired script)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        scope = Scope(actor_id=user.pk, actor_name=user.username, code=user.jurisdiction_code)
        audit.record(scope, "accounts.token.revoked", user, data={"token": token.prefix})
    return token


@transaction.atomic
def totp_reset(*, scope: Scope, user: User, reason: str) -> User:
    """An administrator clears a lost authenticator; the user enrols again at next login."""
    scope.require(Perm.USER_MANAGE, at=user.jurisdiction_code)
    if not reason.strip():
        raise ApplicationError(
            _("A reason is required."),
            errors=[FieldError("reason", "required", _("A reason is required."))],
        )
    user.totp_secret, user.totp_confirmed = "", False
    user.save(update_fields=["totp_secret", "totp_confirmed"])
    revoked = _revoke_tokens(user)
    audit.record(
        scope, "accounts.totp.reset", user, reason=reason.strip(), data={"tokens_revoked": revoked}
    )
    return user


@transaction.atomic
def user_reset_password(*, scope: Scope, user: User, password: str) -> User:
    scope.require(Perm.USER_MANAGE, at=user.jurisdiction_code)
    _set_password(user, password)
    user.save(update_fields=["password"])
    revoked = _revoke_tokens(user)
    audit.record(scope, "accounts.user.password_reset", user, data={"tokens_revoked": revoked})
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise ApplicationError(
            _("The current password is wrong."),
            errors=[FieldError("old_password", "wrong", _("The current password is wrong."))],
        )
    _set_password(user, new_password)
    user.save(update_fields=["password"])
    revoked = _revoke_tokens(user)
    scope = Scope(actor_id=user.pk, actor_name=user.username, code=user.jurisdiction_code)
    audit.record(scope, "accounts.password.changed", user, data={"tokens_revoked": revoked})
    return user


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Fangkong")


@transaction.atomic
def totp_enable(*, user: User, secret: str, code: str) -> User:
    if not pyotp.TOTP(secret).verify(code.strip(), valid_window=1):
        raise ApplicationError(
            _("The code does not match; check the time on your phone."),
            errors=[
                FieldError(
                    "code", "wrong", _("The code does not match; check the time on your phone.")
                )
            ],
        )
    user.totp_secret, user.totp_confirmed = secret, True
    user.save(update_fields=["totp_secret", "totp_confirmed"])
    scope = Scope(actor_id=user.pk, actor_name=user.username, code=user.jurisdiction_code)
    audit.record(scope, "accounts.totp.enabled", user)
    return user
