"""Every write of a help request: asked by the resident (the one-time code to their
phone is their proof) or recorded by staff for them, taken, done with a note of what
was done, cancelled with a reason. Each is one transaction with its audit entry."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.selectors import actor_display
from fangkong.core import audit
from fangkong.core.errors import ApplicationError, FieldError
from fangkong.core.masking import mask_name
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Person

from .models import ServiceRequest

Status = ServiceRequest.Status
TEXT_MIN = 2
TEXT_MAX = 300
NOTE_MIN = 2
# A resident with this many open requests waits for one to be handled before asking
# again (a stuck button or a prank must not flood the community's queue).
MAX_OPEN_PER_PERSON = 5


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _clean_kind(kind: str) -> str:
    if kind not in ServiceRequest.Kind.values:
        raise _invalid("kind", _("Choose the kind of help."))
    return kind


def _clean_text(text: str, field: str = "text") -> str:
    cleaned = " ".join((text or "").split())
    if len(cleaned) < TEXT_MIN:
        raise _invalid(field, _("Say in a few words what is needed."))
    if len(cleaned) > TEXT_MAX:
        raise _invalid(
            field,
            _("Keep it under %(max)d characters; the worker will call you.") % {"max": TEXT_MAX},
        )
    return cleaned


def _clean_note(note: str, field: str, message: str) -> str:
    cleaned = " ".join((note or "").split())
    if len(cleaned) < NOTE_MIN:
        raise _invalid(field, message)
    return cleaned[:TEXT_MAX]


def _create(
    *,
    person: Person,
    kind: str,
    text: str,
    channel: str,
    scope: Scope,
    remote_addr: str = "",
) -> ServiceRequest:
    kind, text = _clean_kind(kind), _clean_text(text)
    if person.status != Person.Status.ACTIVE:
        raise ApplicationError(_("This person no longer lives here."))
    # One person's requests are written one at a time (the row lock on the person),
    # so that the open-request cap holds under double clicks.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    open_now = ServiceRequest.objects.filter(person=person, status__in=ServiceRequest.OPEN).count()
    if open_now >= MAX_OPEN_PER_PERSON:
        raise ApplicationError(
            _(
                "%(n)d requests are still open; wait until one of them is handled, or call "
                "the community."
            )
            % {"n": open_now}
        )
    request = ServiceRequest.objects.create(
        person=person,
        jurisdiction_code=person.jurisdiction_code,
        community_code=person.community_code,
        kind=kind,
        text=text,
        channel=channel,
        created_at=timezone.now(),
        created_by_id=scope.actor_id,
        created_by_name="" if scope.is_system else actor_display(scope),
    )
    audit.record(
        scope,
        "support.request.created",
        request,
        data={"kind": kind, "channel": channel, "person": person.pk},
        remote_addr=remote_addr,
    )
    return request


@transaction.atomic
def request_submit(
    *, person: Person, kind: str, text: str, remote_addr: str = ""
) -> ServiceRequest:
    """The resident's own request, from their status page."""
    scope = Scope.system(
        reason=f"a resident's own request ({mask_name(person.name)})",
        code=person.jurisdiction_code,
    )
    return _create(
        person=person,
        kind=kind,
        text=text,
        channel=ServiceRequest.Channel.RESIDENT,
        scope=scope,
        remote_addr=remote_addr,
    )


@transaction.atomic
def request_record(*, scope: Scope, person: Person, kind: str, text: str) -> ServiceRequest:
    """A request taken by phone or at the door, recorded by staff for the person."""
    scope.require(Perm.SUPPORT_HANDLE, at=person.jurisdiction_code)
    return _create(
        person=person, kind=kind, text=text, channel=ServiceRequest.Channel.STAFF, scope=scope
    )


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def request_take(*, scope: Scope, request: ServiceRequest) -> ServiceRequest:
    """A worker takes a new request: the resident sees that someone is on it."""
    scope.require(Perm.SUPPORT_HANDLE, at=request.jurisdiction_code)
    request = _locked(request)
    if request.status != Status.NEW:
        raise ApplicationError(_("This request has already been taken or closed; reload the page."))
    request.status = Status.TAKEN
    request.taken_by_id, request.taken_by_name = scope.actor_id, actor_display(scope)
    request.taken_at = timezone.now()
    request.save(update_fields=["status", "taken_by", "taken_by_name", "taken_at"])
    audit.record(scope, "support.request.taken", request)
    return request


@transaction.atomic
def request_done(*, scope: Scope, request: ServiceRequest, note: str) -> ServiceRequest:
    """Done, with what was done (the resident reads it); a new request is taken and done
    in one step by whoever does it at once."""
    scope.require(Perm.SUPPORT_HANDLE, at=request.jurisdiction_code)
    note = _clean_note(note, "note", _("Say what was done."))
    request = _locked(request)
    if not request.is_open:
        raise ApplicationError(_("This request is already closed; reload the page."))
    now = timezone.now()
    if request.taken_at is None:
        request.taken_by_id, request.taken_by_name = scope.actor_id, actor_display(scope)
        request.taken_at = now
    request.status = Status.DONE
    request.closed_by_id, request.closed_by_name = scope.actor_id, actor_display(scope)
    request.closed_at, request.note = now, note
    request.save()
    audit.record(scope, "support.request.done", request, data={"note": note})
    return request


@transaction.atomic
def request_cancel(*, scope: Scope, request: ServiceRequest, reason: str) -> ServiceRequest:
    scope.require(Perm.SUPPORT_HANDLE, at=request.jurisdiction_code)
    reason = _clean_note(reason, "reason", _("Give the reason."))
    request = _locked(request)
    if not request.is_open:
        raise ApplicationError(_("This request is already closed; reload the page."))
    request.status = Status.CANCELLED
    request.closed_by_id, request.closed_by_name = scope.actor_id, actor_display(scope)
    request.closed_at, request.note = timezone.now(), reason
    request.save(update_fields=["status", "closed_by", "closed_by_name", "closed_at", "note"])
    audit.record(scope, "support.request.cancelled", request, reason=reason)
    return request


@transaction.atomic
def request_withdraw(
    *, person: Person, request: ServiceRequest, remote_addr: str = ""
) -> ServiceRequest:
    """The resident withdraws their own request while nobody has taken it yet."""
    request = _locked(request)
    if request.person_id != person.pk:
        raise ApplicationError(_("Not found."))
    if request.status != Status.NEW:
        raise ApplicationError(
            _("A worker is already on this request; call the community to change it.")
        )
    scope = Scope.system(
        reason=f"a resident's own request ({mask_name(person.name)})",
        code=person.jurisdiction_code,
    )
    request.status = Status.CANCELLED
    request.closed_at = timezone.now()
    request.closed_by_id, request.closed_by_name = None, ""
    request.save(update_fields=["status", "closed_at", "closed_by", "closed_by_name"])
    audit.record(scope, "support.request.withdrawn", request, remote_addr=remote_addr)
    return request
