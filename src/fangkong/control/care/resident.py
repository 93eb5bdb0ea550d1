"""The resident's own daily health report (issue 4: the head of a household reports for
dependants): a section of the status page listing the signed-in person and the members
of their registry household under an order in force with follow-ups due today, each
with a one-thumb form (temperature, symptoms), and the POST that records the slot.

Nobody outside the household is read; names are masked as on the rest of the resident's
pages (张*明). The four services (四个一) stay the care team's to tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.control.models import FollowUp
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.masking import mask_name
from fangkong.core.web import public
from fangkong.registry.models import Person
from fangkong.residents.session import resident_required

from . import rules, selectors, services
from .forms import SelfReportForm


@dataclass
class Slot:
    number: int
    status: str
    temperature: Any
    due: str  # HH:MM
    late: bool


@dataclass
class MemberDay:
    person_id: int
    order_id: int
    name: str
    is_self: bool
    measure: str
    slots: list[Slot] = field(default_factory=list)
    next: FollowUp | None = None


def section_context(person: Person) -> dict[str, Any] | None:
    """Today's slots of the person and their household, or None when nobody of the
    household is followed today. Today's rows are made here when missing (as the care
    team's list does), for the household's orders only."""
    now = timezone.now()
    today = timezone.localdate(now)
    people = selectors.resident_household(person=person)
    ids = [p.pk for p in people]
    for code in sorted(set(selectors.followed_orders_without_rows(person_ids=ids, day=today))):
        services.generate_followups(day=today, code=code)
    rows = selectors.resident_followups(person_ids=ids, day=today)
    if not rows:
        return None
    passed = set(selectors.passed_slots(today, now))
    names = {p.pk: p.name for p in people}
    members: dict[int, MemberDay] = {}
    for f in rows:
        member = members.get(f.order_id)
        if member is None:
            member = members[f.order_id] = MemberDay(
                person_id=f.person_id,
                order_id=f.order_id,
                name=mask_name(names.get(f.person_id, "")),
                is_self=f.person_id == person.pk,
                measure=f.get_measure_display(),
            )
        done = f.status == FollowUp.Status.DONE
        member.slots.append(
            Slot(
                number=f.slot,
                status=f.status,
                temperature=f.temperature,
                due=timezone.localtime(rules.due_at(today, f.slot)).strftime("%H:%M"),
                late=not done and (f.status == FollowUp.Status.OVERDUE or f.slot in passed),
            )
        )
        if member.next is None and not done:
            member.next = f
    place = {pk: i for i, pk in enumerate(ids)}  # the person first, then the household
    return {
        "members": sorted(members.values(), key=lambda m: (place[m.person_id], m.order_id)),
        "day": today,
        "symptoms": rules.SYMPTOMS,
        "threshold": rules.fever_threshold(),
    }


def _back() -> HttpResponseBase:
    response = redirect(reverse("residents:status"))
    response.status_code = 303
    return response


def _not_found(request: HttpRequest) -> HttpResponseBase:
    return render(request, "residents/not_found.html", {}, status=404)


@public
@never_cache
@require_POST
@resident_required
def self_report(request: HttpRequest, person: Person, pk: int) -> HttpResponseBase:
    """Record one of today's slots for the signed-in person or a member of their
    household; anything else is "not found", whatever was posted."""
    followup = selectors.resident_followup(pk=pk)
    if followup is None or not selectors.resident_may_report(reporter=person, followup=followup):
        return _not_found(request)
    form = SelfReportForm(request.POST)
    if not form.is_valid():
        if "symptoms" in form.errors:
            messages.error(request, _("Unknown symptom."))
        else:
            messages.error(request, _("Enter the temperature, e.g. 36.5."))
        return _back()
    name = mask_name(
        Person.objects.filter(pk=followup.person_id).values_list("name", flat=True).first() or ""
    )
    try:
        done = services.followup_self_report(
            reporter=person,
            followup=followup,
            temperature=form.cleaned_data["temperature"],
            symptoms=form.cleaned_data["symptoms"],
        )
    except NotFound:
        return _not_found(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back()
    if done.temperature is not None and (
        done.temperature >= rules.fever_threshold() or done.symptoms
    ):
        messages.warning(
            request,
            _(
                "%(name)s: the temperature or symptoms need a doctor's attention. The "
                "community's care team has been told and will contact you; please stay "
                "at home."
            )
            % {"name": name},
        )
    else:
        messages.success(
            request,
            _("Thank you: today's report #%(slot)s for %(name)s is recorded.")
            % {"slot": done.slot, "name": name},
        )
    return _back()
