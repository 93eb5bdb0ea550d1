"""Every write of the field area: QR cards (issue, reissue, void, print), the resident's
own code, and door-to-door tasks (generate, assign, close one person at a time).

A card's token comes from `codes.new_card_token` (FKC + 20 random characters): opaque,
it never contains the identity number, and it is never written to the audit log.
Issuing a card for a person voids the valid one of the same kind in the same
transaction (the `card_one_valid` constraint keeps one valid card per person and kind);
the ingest resolves only valid cards, so a voided card scans as `unknown_card`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Compound, Person

from ..codes import new_card_token
from ..models import Campaign, Card, HomeTask, SamplingSite
from . import selectors

MAX_SHEET = 2000  # people on one issue of a compound's cards
CLOSE_STATUSES = (
    HomeTask.Status.SAMPLED,
    HomeTask.Status.NOT_HOME,
    HomeTask.Status.REFUSED,
    HomeTask.Status.MOVED,
)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


# --- Cards ----------------------------------------------------------------------------------


def _new_card(person: Person, kind: str, actor_id: int | None, now: dt.datetime) -> Card:
    return Card(
        person_id=person.pk,
        jurisdiction_code=person.jurisdiction_code,
        kind=kind,
        token=new_card_token(),
        issued_at=now,
        issued_by_id=actor_id,
    )


def card_issue(*, scope: Scope, person: Person, kind: str = Card.Kind.PRINTED) -> Card:
    """A new card for the person; their valid card of the kind, if any, is voided."""
    scope.require(Perm.TESTING_SAMPLE, at=person.jurisdiction_code)
    if kind not in Card.Kind.values:
        raise _invalid("kind", _("Choose the kind of card."))
    if person.status != Person.Status.ACTIVE:
        raise _invalid("person", _("This person no longer lives here."))
    now = timezone.now()
    try:
        with transaction.atomic():
            old = list(
                Card.objects.select_for_update()
                .filter(person_id=person.pk, kind=kind, voided_at__isnull=True)
                .values_list("pk", flat=True)
            )
            Card.objects.filter(pk__in=old).update(voided_at=now)
            card = _new_card(person, kind, scope.actor_id, now)
            card.save()
            audit.record(
                scope,
                "testing.card.issued",
                card,
                data={"person": person.pk, "kind": kind, "voided": old},
            )
    except IntegrityError:
        raise Conflict(_("A card was issued for this person just now; reload the page.")) from None
    return card


def cards_issue(*, scope: Scope, compound: Compound, who: str, reissue: bool = False) -> list[Card]:
    """Printed cards for the chosen people of a compound: those without a valid card,
    or (reissue) everybody chosen, their old cards voided. One audit entry."""
    scope.require(Perm.TESTING_SAMPLE, at=compound.jurisdiction_code)
    if who not in selectors.WHO:
        raise _invalid("who", _("Choose whom the cards are for."))
    people = list(selectors.card_people(scope=scope, compound=compound, who=who)[: MAX_SHEET + 1])
    if len(people) > MAX_SHEET:
        raise _invalid(
            "who",
            _("More than %(n)d people: issue the cards building by building.") % {"n": MAX_SHEET},
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            valid = Card.objects.select_for_update().filter(
                person_id__in=[p.pk for p in people],
                kind=Card.Kind.PRINTED,
                voided_at__isnull=True,
            )
            having = dict(valid.values_list("person_id", "pk"))
            voided: list[int] = []
            if reissue:
                voided = sorted(having.values())
                Card.objects.filter(pk__in=voided).update(voided_at=now)
                wanted = people
            else:
                wanted = [p for p in people if p.pk not in having]
            if not wanted:
                return []
            made = Card.objects.bulk_create(
                [_new_card(p, Card.Kind.PRINTED, scope.actor_id, now) for p in wanted]
            )
            audit.record(
                scope,
                "testing.cards.issued",
                compound,
                data={
                    "who": who,
                    "reissue": reissue,
                    "persons": [p.pk for p in wanted],
                    "voided": voided,
                },
            )
    except IntegrityError:
        raise Conflict(_("Cards were issued for these people just now; reload the page.")) from None
    return made


def card_void(*, scope: Scope, card: Card, reason: str) -> Card:
    """Void a card (lost, handed to somebody else): its code no longer scans."""
    scope.require(Perm.TESTING_SAMPLE, at=card.jurisdiction_code)
    reason = reason.strip()
    if not reason:
        raise _invalid("reason", _("Say why the card is voided."))
    with transaction.atomic():
        updated = Card.objects.filter(pk=card.pk, voided_at__isnull=True).update(
            voided_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("This card is already void."))
        audit.record(scope, "testing.card.voided", card, reason=reason[:200])
    card.refresh_from_db()
    return card


def cards_printed(*, scope: Scope, compound: Compound, who: str, count: int) -> None:
    """A sheet of a compound's cards was shown for printing (the codes are credentials
    of a kind: who printed them is on record)."""
    scope.require(Perm.TESTING_SAMPLE, at=compound.jurisdiction_code)
    with transaction.atomic():
        audit.record(scope, "testing.cards.printed", compound, data={"who": who, "count": count})


def resident_card_ensure(*, person: Person) -> Card:
    """The resident's own code, issued the first time their status page shows it."""
    card = selectors.resident_card(person=person)
    if card is not None:
        return card
    system = Scope.system(reason="resident's own testing code", code=person.jurisdiction_code)
    try:
        with transaction.atomic():
            card = _new_card(person, Card.Kind.RESIDENT, None, timezone.now())
            card.save()
            audit.record(
                system,
                "testing.card.issued",
                card,
                data={"person": person.pk, "kind": Card.Kind.RESIDENT, "voided": []},
            )
    except IntegrityError:  # the same page opened twice at once: the other one made it
        found = selectors.resident_card(person=person)
        if found is None:
            raise
        return found
    return card


# --- Door-to-door ---------------------------------------------------------------------------


def _team_check(scope: Scope, team: SamplingSite, code: str) -> None:
    if team.kind != SamplingSite.Kind.DOOR_TO_DOOR or not team.is_active:
        raise _invalid("team", _("Choose a door-to-door team."))
    if not (
        code.startswith(team.jurisdiction_code) or team.jurisdiction_code.startswith(code[:12])
    ):
        raise _invalid("team", _("This team does not work here."))
    if not selectors.teams(scope=scope).filter(pk=team.pk).exists():
        raise _invalid("team", _("Choose a door-to-door team."))


def home_tasks_generate(
    *,
    scope: Scope,
    campaign: Campaign,
    code: str,
    team: SamplingSite | None = None,
    compound_id: int | None = None,
    building_id: int | None = None,
    reasons: Sequence[str] = (HomeTask.Reason.EXEMPT, HomeTask.Reason.UNSAMPLED),
) -> dict[str, int]:
    """Door-to-door tasks for a community or grid (`code`), or one compound or building
    of it: the bedridden (reason exempt) and the still-unsampled (reason unsampled),
    for `team` or else the door-to-door team of each person's community. Idempotent: a
    person with an open task, or whose task of the reason was closed for good (sampled,
    refused, moved), gets none; one not found at home gets a new visit."""
    scope.require(Perm.TESTING_SAMPLE, at=code)
    if campaign.status != Campaign.Status.OPEN:
        raise Conflict(_("The campaign is not open for sampling."))
    if not selectors.campaign_covers(campaign, code):
        raise _invalid("code", _("This place is not in the campaign."))
    unknown = [r for r in reasons if r not in (HomeTask.Reason.EXEMPT, HomeTask.Reason.UNSAMPLED)]
    if unknown or not reasons:
        raise _invalid("reasons", _("Choose whom to visit."))
    if team is not None:
        _team_check(scope, team, code)
    now = timezone.now()
    made: dict[str, int] = {}
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one at a time
        teams: dict[str, int | None] = {}
        for reason in reasons:
            rows = selectors.generate_candidates(
                scope=scope,
                campaign=campaign,
                code=code,
                compound_id=compound_id,
                building_id=building_id,
                reason=reason,
            )
            tasks = []
            for person_id, person_code in rows:
                if team is not None:
                    team_id: int | None = team.pk
                else:
                    if person_code[:12] not in teams:
                        found = selectors.team_for(code=person_code)
                        teams[person_code[:12]] = found.pk if found else None
                    team_id = teams[person_code[:12]]
                tasks.append(
                    HomeTask(
                        campaign=campaign,
                        person_id=person_id,
                        jurisdiction_code=person_code,
                        team_id=team_id,
                        reason=reason,
                        created_at=now,
                    )
                )
            HomeTask.objects.bulk_create(tasks, ignore_conflicts=True)
            made[str(reason)] = len(tasks)
        audit.record(
            scope,
            "testing.home_tasks.generated",
            campaign,
            jurisdiction_code=code,
            data={
                "code": code,
                "compound": compound_id,
                "building": building_id,
                "team": team.pk if team else None,
                "made": made,
            },
        )
    return made


def home_task_assign(*, scope: Scope, task: HomeTask, team: SamplingSite) -> HomeTask:
    """Give an open task (a retest from the lab, say) to a door-to-door team."""
    scope.require(Perm.TESTING_SAMPLE, at=task.jurisdiction_code)
    _team_check(scope, team, task.jurisdiction_code)
    with transaction.atomic():
        updated = HomeTask.objects.filter(pk=task.pk, status=HomeTask.Status.OPEN).update(team=team)
        if not updated:
            raise Conflict(_("This task is already closed."))
        audit.record(scope, "testing.home_task.assigned", task, data={"team": team.pk})
    task.refresh_from_db()
    return task


def home_task_close(*, scope: Scope, task: HomeTask, status: str, note: str = "") -> HomeTask:
    """Close one person's visit: sampled, not at home, refused or moved away, each with
    a note. "Sampled" needs the person's sample in this round (scanned on the sampling
    page; for a retest, one taken after the task was made) or a note why there is none."""
    scope.require(Perm.TESTING_SAMPLE, at=task.jurisdiction_code)
    if status not in CLOSE_STATUSES:
        raise _invalid("status", _("Choose how the visit ended."))
    note = note.strip()[:200]
    with transaction.atomic():
        locked = HomeTask.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None or locked.status != HomeTask.Status.OPEN:
            raise Conflict(_("This task is already closed."))
        if status == HomeTask.Status.SAMPLED:
            since = locked.created_at if locked.reason == HomeTask.Reason.RETEST else None
            sampled = selectors.has_sample(
                campaign_id=locked.campaign_id, person_id=locked.person_id, since=since
            )
            if not sampled and not note:
                raise _invalid(
                    "note",
                    _(
                        "No sample of this person in this round yet: scan them on the "
                        "sampling page, or note why there is none."
                    ),
                )
        elif not note:
            raise _invalid("note", _("A note is required: what happened at the door."))
        locked.status = status
        locked.note = note
        locked.closed_at = timezone.now()
        locked.closed_by_id = scope.actor_id
        locked.closed_by_name = scope.actor_name[:150]
        locked.save(update_fields=["status", "note", "closed_at", "closed_by", "closed_by_name"])
        audit.record(
            scope, "testing.home_task.closed", locked, reason=note, data={"status": status}
        )
    return locked
