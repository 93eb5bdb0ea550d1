"""Every write of screening: opening rounds, recording households, signing off.

Each function checks the permission at the object's jurisdiction, runs in one
transaction and leaves an audit entry (never with personal values in it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.core import audit, regions
from fangkong.core.codes import Level, level_of
from fangkong.core.errors import ApplicationError, FieldError, NotFound, PermissionDenied
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry import services as registry_services
from fangkong.registry.models import Household, Person

from .models import Category, Finding, Record, ScreeningRound, SignOff, Task


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


# --- Rounds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpec:
    label: str
    since: dt.date
    origin_prefix: str = ""  # empty: every arrival from outside home_prefix


def round_open(
    *,
    scope: Scope,
    name: str,
    scope_codes: list[str],
    starts_on: dt.date,
    due_on: dt.date,
    categories: list[CategorySpec],
) -> ScreeningRound:
    """Open a round over the district or some of its subdistricts: one task per active
    compound, for that compound's grid workers (or its community's)."""
    scope.require(Perm.SCREENING_MANAGE)
    district = scope.code[:6]
    if level_of(scope.code) != Level.DISTRICT:
        raise PermissionDenied(_("Only the district opens screening rounds."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    if due_on < starts_on:
        raise _invalid("due_on", _("The due date is before the start date."))
    if not categories:
        raise _invalid("categories", _("Give at least one target category."))
    codes = sorted(set(scope_codes)) or [district]
    known = set(
        Jurisdiction.objects.within(scope)
        .filter(code__in=codes, is_active=True)
        .values_list("code", flat=True)
    )
    for code in codes:
        if code not in known or not (code == district or level_of(code) == Level.SUBDISTRICT):
            raise _invalid(
                "scope_codes", _("%(code)s is not a subdistrict of the district.") % {"code": code}
            )
    if district in codes:
        codes = [district]
    for spec in categories:
        if not spec.label.strip():
            raise _invalid("categories", _("Every category needs a name."))
        if spec.origin_prefix and regions.get(spec.origin_prefix) is None:
            raise _invalid(
                "categories",
                _("%(code)s is not a division code of a province, city or county.")
                % {"code": spec.origin_prefix},
            )
    with transaction.atomic():
        screening_round = ScreeningRound.objects.create(
            jurisdiction_code=district,
            name=name[:100],
            scope_codes=codes,
            starts_on=starts_on,
            due_on=due_on,
            created_by_id=scope.actor_id,
        )
        Category.objects.bulk_create(
            Category(
                round=screening_round,
                code=f"c{i}",
                label=spec.label.strip()[:100],
                origin_prefix=spec.origin_prefix,
                home_prefix="" if spec.origin_prefix else district[:4],
                since=spec.since,
            )
            for i, spec in enumerate(categories, start=1)
        )
        created = _create_tasks(screening_round, codes)
        audit.record(
            scope,
            "screening.round.opened",
            screening_round,
            jurisdiction_code=district,
            data={"scope": codes, "tasks": created, "categories": len(categories)},
        )
    return screening_round


def _create_tasks(screening_round: ScreeningRound, codes: list[str]) -> int:
    """One INSERT … SELECT: a task per active compound in scope, with its household
    count (a district of 2,000 compounds and 700,000 households in well under a second)."""
    where = " OR ".join("c.jurisdiction_code LIKE %s" for _ in codes)
    params: list[Any] = [screening_round.pk, *(f"{code}%" for code in codes)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO screening_task (round_id, compound_id, jurisdiction_code, "
            "community_code, status, households_total, reached, empty, not_home) "
            "SELECT %s, c.id, c.jurisdiction_code, c.community_code, 'open', "
            "(SELECT COUNT(*) FROM registry_household h WHERE h.compound_id = c.id "
            "AND h.is_active), 0, 0, 0 FROM registry_compound c "
            f"WHERE c.is_active AND ({where})",
            params,
        )
        return cursor.rowcount


def round_close(*, scope: Scope, screening_round: ScreeningRound) -> ScreeningRound:
    scope.require(Perm.SCREENING_MANAGE, at=screening_round.jurisdiction_code)
    with transaction.atomic():
        screening_round.status = ScreeningRound.Status.CLOSED
        screening_round.save(update_fields=["status"])
        audit.record(scope, "screening.round.closed", screening_round)
    return screening_round


# --- Door to door ---------------------------------------------------------------------


@dataclass
class PersonFound:
    """One person at the household as the worker records them."""

    person_id: int | None = None  # None: a new person, registered now
    present: bool = True
    category: str = ""
    origin_code: str = ""
    arrived_on: dt.date | None = None
    travel_mode: str = ""
    travel_number: str = ""
    companions: str = ""
    symptoms: str = ""
    temperature: Decimal | None = None
    # For a new person only.
    name: str = ""
    id_number: str = ""
    phone: str = ""


_COUNTER = {
    Record.Outcome.REACHED: "reached",
    Record.Outcome.EMPTY: "empty",
    Record.Outcome.NOT_HOME: "not_home",
}


def record_household(
    *,
    scope: Scope,
    task: Task,
    household: Household,
    outcome: str,
    channel: str = Record.Channel.DOOR,
    explanation: str = "",
    people: list[PersonFound] | None = None,
    correction_reason: str = "",
) -> Record:
    """Record one household of a task: reached (with its people), not at home (with an
    explanation) or empty. A second record replaces the first as a new version; once the
    task is signed, only with a reason (a correction)."""
    scope.require(Perm.SCREENING_RECORD, at=household.jurisdiction_code)
    if task.round.status != ScreeningRound.Status.OPEN and not correction_reason:
        raise ApplicationError(_("The round is closed; a correction needs its reason."))
    if household.compound_id != task.compound_id:
        raise NotFound(_("This household is not part of the task."))
    if outcome not in Record.Outcome.values:
        raise _invalid("outcome", _("Choose what you found."))
    if channel not in Record.Channel.values:
        raise _invalid("channel", _("Choose how the household was screened."))
    explanation = explanation.strip()
    if outcome == Record.Outcome.NOT_HOME and not explanation:
        raise _invalid(
            "explanation",
            _("Say why nobody was reached (e.g. works nights, phone off, left a note)."),
        )
    people = people or []
    if outcome != Record.Outcome.REACHED and any(p.present for p in people):
        raise _invalid("outcome", _("People were present: the household was reached."))
    categories = {c.code: c for c in task.round.categories.all()}
    members = set(
        Person.objects.filter(household=household, status=Person.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    for found in people:
        _check_found(found, categories, members)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        previous = (
            Record.objects.select_for_update()
            .filter(task=locked, household=household, is_current=True)
            .first()
        )
        if locked.locked and not correction_reason.strip():
            raise ApplicationError(
                _("This compound is signed; a change is a correction and needs its reason."),
                errors=[FieldError("correction_reason", "required", _("Give the reason."))],
            )
        now = timezone.now()
        if previous is not None:
            Record.objects.filter(pk=previous.pk).update(is_current=False)
            Task.objects.filter(pk=locked.pk).update(
                **{
                    _COUNTER[Record.Outcome(previous.outcome)]: F(
                        _COUNTER[Record.Outcome(previous.outcome)]
                    )
                    - 1
                }
            )
        record = Record.objects.create(
            task=locked,
            household=household,
            jurisdiction_code=household.jurisdiction_code,
            outcome=outcome,
            channel=channel,
            explanation=explanation[:200],
            version=(previous.version + 1) if previous else 1,
            correction_reason=correction_reason.strip()[:200],
            recorded_by_id=scope.actor_id,
            recorded_by_name=_signature(scope),
            recorded_at=now,
        )
        Task.objects.filter(pk=locked.pk).update(
            **{_COUNTER[Record.Outcome(outcome)]: F(_COUNTER[Record.Outcome(outcome)]) + 1}
        )
        new_people = 0
        for found in people:
            person_id = found.person_id
            if person_id is None:
                person = registry_services.person_create(
                    scope=scope,
                    household=household,
                    source="screening",
                    name=found.name,
                    id_number=found.id_number,
                    phone=found.phone,
                )
                person_id, new_people = person.pk, new_people + 1
            Finding.objects.create(
                record=record,
                person_id=person_id,
                jurisdiction_code=household.jurisdiction_code,
                present=found.present,
                category=found.category,
                origin_code=found.origin_code,
                origin_name=regions.name(found.origin_code) if found.origin_code else "",
                arrived_on=found.arrived_on,
                travel_mode=found.travel_mode,
                travel_number=found.travel_number.strip().upper()[:20],
                companions=found.companions.strip()[:200],
                symptoms=found.symptoms.strip()[:200],
                temperature=found.temperature,
                is_new_person=found.person_id is None,
            )
        audit.record(
            scope,
            "screening.household.corrected"
            if previous and locked.locked
            else "screening.household.recorded",
            record,
            jurisdiction_code=household.jurisdiction_code,
            reason=correction_reason.strip(),
            data={
                "task": locked.pk,
                "household": household.pk,
                "outcome": outcome,
                "version": record.version,
                "people": len(people),
                "new_people": new_people,
            },
        )
    return record


def _check_found(found: PersonFound, categories: dict[str, Category], members: set[int]) -> None:
    if found.person_id is not None and found.person_id not in members:
        raise _invalid("people", _("This person is not registered in the household."))
    if found.person_id is None and not found.name.strip():
        raise _invalid("name", _("A new person needs a name."))
    if found.category:
        category = categories.get(found.category)
        if category is None:
            raise _invalid("category", _("This category is not part of the round."))
        if not found.origin_code or regions.get(found.origin_code) is None:
            raise _invalid("origin_code", _("Choose where the person came from."))
        if found.arrived_on is None:
            raise _invalid("arrived_on", _("Give the arrival date."))
        if found.arrived_on > timezone.localdate():
            raise _invalid("arrived_on", _("The arrival date is in the future."))
        if not category.matches(found.origin_code, found.arrived_on):
            raise _invalid(
                "category",
                _("Origin and arrival date do not fit the category %(category)s.")
                % {"category": category.label},
            )
    if found.temperature is not None and not (
        Decimal("34.0") <= found.temperature <= Decimal("43.0")
    ):
        raise _invalid("temperature", _("A body temperature is between 34.0 and 43.0 °C."))


def task_refresh_total(*, task: Task) -> Task:
    """Households added to the compound during the round count too."""
    total = Household.objects.filter(compound_id=task.compound_id, is_active=True).count()
    if total != task.households_total:
        Task.objects.filter(pk=task.pk).update(households_total=total)
        task.households_total = total
    return task


# --- Sign-off -------------------------------------------------------------------------

_ORDER = [SignOff.Level.SCREENER, SignOff.Level.COMMUNITY, SignOff.Level.SUBDISTRICT]
_STATUS_AFTER = {
    SignOff.Level.SCREENER: Task.Status.SCREENER,
    SignOff.Level.COMMUNITY: Task.Status.COMMUNITY,
    SignOff.Level.SUBDISTRICT: Task.Status.SUBDISTRICT,
}


def next_level(task: Task) -> SignOff.Level | None:
    done = {
        SignOff.Level.SCREENER: task.status
        in (Task.Status.SCREENER, Task.Status.COMMUNITY, Task.Status.SUBDISTRICT),
        SignOff.Level.COMMUNITY: task.status in (Task.Status.COMMUNITY, Task.Status.SUBDISTRICT),
        SignOff.Level.SUBDISTRICT: task.status == Task.Status.SUBDISTRICT,
    }
    return next((level for level in _ORDER if not done[level]), None)


def level_for(scope: Scope) -> SignOff.Level | None:
    """Which signature a user gives: grid and community staff sign as screener first,
    the community signs as the community, the subdistrict as the subdistrict."""
    level = level_of(scope.code) if scope.code else None
    levels = {
        Level.GRID: SignOff.Level.SCREENER,
        Level.COMMUNITY: SignOff.Level.COMMUNITY,
        Level.SUBDISTRICT: SignOff.Level.SUBDISTRICT,
    }
    return levels.get(level) if level else None


def unexplained(task: Task) -> int:
    """Households of the compound with no record, or not reached without explanation."""
    recorded = Record.objects.filter(task=task, is_current=True).exclude(
        outcome=Record.Outcome.NOT_HOME, explanation=""
    )
    return (
        Household.objects.filter(compound_id=task.compound_id, is_active=True)
        .exclude(pk__in=recorded.values("household_id"))
        .count()
    )


def _signature(scope: Scope) -> str:
    """The name a signature carries: the account's full name (the username without one)."""
    full_name = (
        User.objects.filter(pk=scope.actor_id).values_list("full_name", flat=True).first()
        if scope.actor_id
        else None
    )
    return full_name or scope.actor_name


def sign(*, scope: Scope, task: Task, level: str, note: str = "") -> SignOff:
    """One signature, in order: screener, community, subdistrict. The screener signs only
    when every household has a record (not at home: with an explanation)."""
    scope.require(Perm.SCREENING_SIGN, at=task.jurisdiction_code)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        expected = next_level(locked)
        if expected is None:
            raise ApplicationError(_("This compound is signed off at every level."))
        if level != expected:
            raise ApplicationError(
                _("The next signature is the %(level)s's.")
                % {"level": SignOff.Level(expected).label}
            )
        allowed = {
            SignOff.Level.SCREENER: (Level.GRID, Level.COMMUNITY),
            SignOff.Level.COMMUNITY: (Level.COMMUNITY,),
            SignOff.Level.SUBDISTRICT: (Level.SUBDISTRICT,),
        }[SignOff.Level(level)]
        if scope.is_system is False and level_of(scope.code) not in allowed:
            raise PermissionDenied(
                _("The %(level)s signs this step.") % {"level": SignOff.Level(level).label}
            )
        if level == SignOff.Level.SCREENER:
            missing = unexplained(locked)
            if missing:
                raise ApplicationError(
                    _(
                        "%(n)d households have no record or no explanation; record them "
                        "before signing."
                    )
                    % {"n": missing}
                )
        signoff = SignOff.objects.create(
            task=locked,
            level=level,
            signed_by_id=scope.actor_id,
            signed_by_name=_signature(scope),
            signed_at=timezone.now(),
            note=note.strip()[:200],
        )
        Task.objects.filter(pk=locked.pk).update(status=_STATUS_AFTER[SignOff.Level(level)])
        audit.record(
            scope,
            "screening.task.signed",
            locked,
            jurisdiction_code=locked.jurisdiction_code,
            data={"level": level},
        )
    return signoff
