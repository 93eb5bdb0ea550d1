"""Campaigns (一轮全员核酸检测): create, open (materialise the target population), close,
and exemptions set by hand (away with proof, vaccinated).

Opening runs in the background with progress (a `core.Job`): one `INSERT … SELECT` per
jurisdiction in scope writes the targets with the exemption the rules give each, the
zones in force mark the targets that live in them, and one grouped `INSERT … SELECT`
writes a coverage counter row per (jurisdiction, building) (ADR 0018).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from fangkong.core import audit
from fangkong.core.codes import Level, level_of, next_prefix
from fangkong.core.errors import (
    ApplicationError,
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
)
from fangkong.core.models import Job, Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Person

from ..models import DOOR_TO_DOOR_EXEMPTIONS, Campaign, Coverage, Exemption, Target, Zone
from ..rules import rules_clean

JOB_NAME = "testing.campaign.open"
# Exemptions a worker may set by hand (the others come from the rules at opening).
MANUAL_EXEMPTIONS = (Exemption.AWAY, Exemption.VACCINATED, Exemption.NONE)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _counted(exemption: str) -> bool:
    """Counted in the target (to be sampled), exempt or not."""
    return exemption == "" or exemption in DOOR_TO_DOOR_EXEMPTIONS


def campaign_create(
    *,
    scope: Scope,
    name: str,
    scope_codes: list[str],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    rules: dict[str, Any] | None = None,
    late_box_hours: int = 4,
    result_due_hours: int = 12,
    note: str = "",
) -> Campaign:
    """A draft round of the account's district or subdistrict, over the whole of it or
    some jurisdictions below it."""
    scope.require(Perm.TESTING_MANAGE)
    if level_of(scope.code) not in (Level.DISTRICT, Level.SUBDISTRICT):
        raise PermissionDenied(_("Only a district or a subdistrict runs testing campaigns."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    if ends_at <= starts_at:
        raise _invalid("ends_at", _("The end is not after the start."))
    if not 1 <= late_box_hours <= 48:
        raise _invalid("late_box_hours", _("Enter a whole number from 1 to 48."))
    if not 1 <= result_due_hours <= 72:
        raise _invalid("result_due_hours", _("Enter a whole number from 1 to 72."))
    codes = sorted(set(c.strip() for c in scope_codes if c.strip())) or [scope.code]
    known = set(
        Jurisdiction.objects.within(scope)
        .filter(code__in=codes, is_active=True)
        .values_list("code", flat=True)
    )
    for code in codes:
        if code not in known:
            raise _invalid(
                "scope_codes",
                _("%(code)s is not a jurisdiction of yours.") % {"code": code},
            )
    # Keep the outermost codes only: a subdistrict covers its communities.
    codes = [c for c in codes if not any(c != o and c.startswith(o) for o in codes)]
    cleaned = rules_clean(rules)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            jurisdiction_code=scope.code,
            name=name[:100],
            scope_codes=codes,
            starts_at=starts_at,
            ends_at=ends_at,
            rules=cleaned,
            late_box_hours=late_box_hours,
            result_due_hours=result_due_hours,
            note=note.strip(),
            created_by_id=scope.actor_id,
            created_by_name=scope.actor_name,
            created_at=timezone.now(),
        )
        audit.record(
            scope,
            "testing.campaign.created",
            campaign,
            jurisdiction_code=campaign.jurisdiction_code,
            data={"scope": codes, "rules": cleaned},
        )
    return campaign


def campaign_update(
    *, scope: Scope, campaign: Campaign, rules: dict[str, Any] | None = None, **fields: Any
) -> Campaign:
    """Change a draft (name, dates, rules, hours, note); an opened round keeps its rules."""
    scope.require(Perm.TESTING_MANAGE, at=campaign.jurisdiction_code)
    if campaign.status != Campaign.Status.DRAFT:
        raise Conflict(_("Only a draft campaign can be changed."))
    allowed = {"name", "starts_at", "ends_at", "late_box_hours", "result_due_hours", "note"}
    for key, value in fields.items():
        if key not in allowed:
            raise TypeError(key)
        setattr(campaign, key, value.strip() if isinstance(value, str) else value)
    if not campaign.name:
        raise _invalid("name", _("A name is required."))
    if campaign.ends_at <= campaign.starts_at:
        raise _invalid("ends_at", _("The end is not after the start."))
    if rules is not None:
        campaign.rules = rules_clean(rules)
    with transaction.atomic():
        campaign.save()
        audit.record(scope, "testing.campaign.changed", campaign, data={"fields": sorted(fields)})
    return campaign


def campaign_open(*, scope: Scope, campaign: Campaign) -> Job:
    """Start materialising the target population (a background job with progress); the
    campaign is open for sampling when the job is done."""
    scope.require(Perm.TESTING_MANAGE, at=campaign.jurisdiction_code)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != Campaign.Status.DRAFT:
            raise Conflict(_("This campaign is already open or closed."))
        job = Job.objects.create(
            kind=Job.Kind.IMPORT,
            name=JOB_NAME,
            jurisdiction_code=campaign.jurisdiction_code,
            created_by_id=scope.actor_id,
            total=len(locked.scope_codes) + 2,
            params={"campaign": campaign.pk, "actor_name": scope.actor_name},
        )
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PREPARING, job=job)
        audit.record(scope, "testing.campaign.opening", campaign)
        transaction.on_commit(lambda: run_materialise(job.pk))
    campaign.refresh_from_db()
    return job


def campaign_close(*, scope: Scope, campaign: Campaign, note: str = "") -> Campaign:
    """Close the round: no more scans are taken; results still arrive."""
    scope.require(Perm.TESTING_MANAGE, at=campaign.jurisdiction_code)
    with transaction.atomic():
        updated = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.OPEN).update(
            status=Campaign.Status.CLOSED, closed_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("Only an open campaign can be closed."))
        audit.record(scope, "testing.campaign.closed", campaign, reason=note)
    campaign.refresh_from_db()
    return campaign


# --- Materialising the target population -----------------------------------------------


def _range_sql(column: str, code: str) -> tuple[str, list[str]]:
    upper = next_prefix(code)
    if upper is None:
        return f"{column} >= %s", [code]
    return f"({column} >= %s AND {column} < %s)", [code, upper]


def _insert_targets(campaign: Campaign, code: str, today: dt.date) -> int:
    exemptions = campaign.rules.get("exemptions", {})
    cases: list[str] = []
    params: list[Any] = []
    if exemptions.get("central_quarantine"):
        from fangkong.control.models import ControlOrder, OrderPhase

        cases.append(
            f"WHEN EXISTS (SELECT 1 FROM {OrderPhase._meta.db_table} ph "
            f"JOIN {ControlOrder._meta.db_table} o ON o.id = ph.order_id "
            "WHERE o.person_id = p.id AND o.status = 'active' AND ph.measure = 'central' "
            "AND ph.starts_on <= %s AND ph.ends_on >= %s) THEN %s"
        )
        params += [today, today, Exemption.CENTRAL.value]
    years = int(exemptions.get("infant_under_years") or 0)
    if years:
        try:
            cutoff = today.replace(year=today.year - years)
        except ValueError:  # 29 February
            cutoff = today.replace(year=today.year - years, day=28)
        cases.append("WHEN p.birth_date > %s THEN %s")
        params += [cutoff, Exemption.INFANT.value]
    if exemptions.get("bedridden"):
        cases.append("WHEN p.is_frail OR p.is_disabled THEN %s")
        params += [Exemption.BEDRIDDEN.value]
    exemption_sql = f"CASE {' '.join(cases)} ELSE '' END" if cases else "''"
    where, where_params = _range_sql("p.jurisdiction_code", code)
    sql = (
        f"INSERT INTO {Target._meta.db_table} (campaign_id, person_id, jurisdiction_code, "
        "building_id, compound_id, household_id, exemption, exemption_note, zone, outside, "
        "result, locked, locked_reason) "
        "SELECT %s, p.id, p.jurisdiction_code, COALESCE(h.building_id, 0), h.compound_id, "
        f"p.household_id, {exemption_sql}, '', '', %s, '', %s, '' "
        f"FROM {Person._meta.db_table} p LEFT JOIN registry_household h "
        "ON h.id = p.household_id "
        f"WHERE p.status = 'active' AND {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, *params, False, False, *where_params])
        return cursor.rowcount


def _mark_zones(campaign: Campaign, today: dt.date) -> None:
    """Targets living in a control zone in force today get its kind (the strictest when
    zones overlap), for the pooling rule at the sampling site."""
    from fangkong.control.models import ControlZone

    zones = (
        ControlZone.objects.filter(status=ControlZone.Status.ACTIVE, starts_on__lte=today)
        .exclude(planned_end__lt=today)
        .prefetch_related("buildings")
    )
    strictness = {Zone.PRECAUTION: 1, Zone.CONTROLLED: 2, Zone.SEALED: 3}
    order = sorted(zones, key=lambda z: strictness.get(Zone(z.kind), 0))  # strictest last
    for zone in order:
        targets = Target.objects.filter(campaign=campaign, compound_id=zone.compound_id)
        buildings = [b.pk for b in zone.buildings.all()]
        if buildings:
            targets = targets.filter(building_id__in=buildings)
        targets.update(zone=zone.kind)


def _write_counters(campaign: Campaign) -> None:
    table = Target._meta.db_table
    door = ", ".join(f"'{e.value}'" for e in DOOR_TO_DOOR_EXEMPTIONS)
    sql = (
        f"INSERT INTO {Coverage._meta.db_table} (campaign_id, jurisdiction_code, building_id, "
        "compound_id, target, exempt, sampled, outside, resulted, positive) "
        "SELECT campaign_id, jurisdiction_code, building_id, MIN(compound_id), "
        f"SUM(CASE WHEN exemption = '' OR exemption IN ({door}) THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN exemption = '' OR exemption IN ({door}) THEN 0 ELSE 1 END), "
        f"0, 0, 0, 0 FROM {table} WHERE campaign_id = %s "
        "GROUP BY campaign_id, jurisdiction_code, building_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk])


def materialise(campaign: Campaign, progress: Any = None) -> tuple[int, int]:
    """Write the targets and the counters of a campaign (in one transaction: a campaign
    is open with its whole population or not at all). Returns (target, exempt)."""
    today = timezone.localdate()
    steps = len(campaign.scope_codes) + 2
    with transaction.atomic():
        for i, code in enumerate(campaign.scope_codes, start=1):
            _insert_targets(campaign, code, today)
            if progress:
                progress(i, steps)
        _mark_zones(campaign, today)
        if progress:
            progress(steps - 1, steps)
        _write_counters(campaign)
        totals = Coverage.objects.filter(campaign=campaign).values_list("target", "exempt")
        target = sum(t for t, _e in totals)
        exempt = sum(e for _t, e in totals)
        Campaign.objects.filter(pk=campaign.pk).update(
            status=Campaign.Status.OPEN,
            opened_at=timezone.now(),
            target_count=target,
            exempt_count=exempt,
        )
    return target, exempt


def run_materialise_job(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    campaign = Campaign.objects.get(pk=job.params["campaign"])
    if campaign.status != Campaign.Status.PREPARING or campaign.job_id != job.pk:
        return  # run twice (a retried task): the first run opened it already
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        target, exempt = materialise(campaign, progress)
    except Exception:
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DRAFT)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error=_("Preparing the target population failed; nothing was saved."),
        )
        raise
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        done=F("total"),
        result={"target": target, "exempt": exempt},
        finished_at=timezone.now(),
    )


run_materialise = db_task(retries=0)(run_materialise_job)


# --- Exemptions by hand ------------------------------------------------------------------


def exemption_set(
    *, scope: Scope, campaign: Campaign, person_id: int, exemption: str, note: str
) -> Target:
    """Exempt a person (away with proof, vaccinated within the set hours) or lift an
    exemption, with the proof noted; the counters move in the same transaction."""
    if exemption not in MANUAL_EXEMPTIONS:
        raise _invalid("exemption", _("Choose away or vaccinated, or none."))
    note = note.strip()
    if exemption and not note:
        raise _invalid("note", _("Note the proof (where they are, the vaccination record)."))
    if exemption == Exemption.VACCINATED and not campaign.rules.get("exemptions", {}).get(
        "vaccinated_hours"
    ):
        raise _invalid("exemption", _("This campaign does not exempt the recently vaccinated."))
    if campaign.status not in (Campaign.Status.OPEN, Campaign.Status.CLOSED):
        raise Conflict(_("The campaign is not open."))
    with transaction.atomic():
        target = (
            Target.objects.select_for_update()
            .filter(campaign=campaign, person_id=person_id)
            .first()
        )
        if target is None or not scope.covers(target.jurisdiction_code):
            raise NotFound(_("Not found."))
        scope.require(Perm.TESTING_SAMPLE, at=target.jurisdiction_code)
        if target.outside:
            raise _invalid("exemption", _("This person is not in the campaign's population."))
        was, now = _counted(target.exemption), _counted(exemption)
        if target.sampled_at is not None and exemption:
            raise _invalid("exemption", _("This person has already been sampled."))
        old = target.exemption
        target.exemption = exemption
        target.exemption_note = note[:200]
        target.save(update_fields=["exemption", "exemption_note"])
        if was != now:
            delta = 1 if now else -1
            # Sampled while exempt, the sample counted as "outside": it counts as
            # sampled once the person is back in the target (and back again).
            moved = delta if target.sampled_at is not None else 0
            Coverage.objects.filter(
                campaign=campaign,
                jurisdiction_code=target.jurisdiction_code,
                building_id=target.building_id,
            ).update(
                target=F("target") + delta,
                exempt=F("exempt") - delta,
                sampled=F("sampled") + moved,
                outside=F("outside") - moved,
            )
            Campaign.objects.filter(pk=campaign.pk).update(
                target_count=F("target_count") + delta, exempt_count=F("exempt_count") - delta
            )
        audit.record(
            scope,
            "testing.exemption.set",
            object_type="registry.person",
            object_id=str(person_id),
            jurisdiction_code=target.jurisdiction_code,
            reason=note,
            data={"campaign": campaign.pk, "from": old, "to": exemption},
        )
    return target
