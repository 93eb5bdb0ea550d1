"""Writes on arrival reports: the public submission, the worker's verification, reveals,
the community's poster links, and re-classification when the risk areas change.

Every write is one transaction and audited. The public submission has no account: its
"permission" is the community's poster token, and it acts with a scope of its own
(`public_scope`), which holds no permission and names itself "public" in the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError, NotFound
from fangkong.core.notices import notify_staff
from fangkong.core.permissions import Perm
from fangkong.core.regions import Region
from fangkong.core.scope import Scope
from fangkong.registry import selectors as registry_selectors
from fangkong.registry import services as registry_services
from fangkong.registry.derive import (
    canonical_building,
    canonical_room,
    canonical_unit,
    household_address,
)
from fangkong.registry.models import Household, Person
from fangkong.riskareas.selectors import level_expression, level_on

from . import selectors
from .models import ArrivalLink, ArrivalReport

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TOKEN_BYTES = 16
NOTE_MAX = 200
REVEALABLE = {"id_number", "phone"}
RANK = {"high": 0, "medium": 1, "other": 2}


def _invalid(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field_name, "invalid", message)])


def public_scope(community_code: str) -> Scope:
    """The scope of an anonymous resident on a community's page: no permission at all;
    the audit log names the actor "public"."""
    return Scope(
        actor_id=None,
        actor_name="public",
        code=community_code,
        perms=frozenset(),
        reason="arrival self-report (public page)",
    )


# --- Poster links ----------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@transaction.atomic
def links_ensure(*, scope: Scope, community_codes: list[str]) -> dict[str, ArrivalLink]:
    """The active poster link of each community, creating the missing ones."""
    scope.require(Perm.ARRIVAL_VIEW)
    for code in community_codes:
        selectors.require_visible_community(scope, code)
    links = selectors.links_of(scope=scope, community_codes=community_codes)
    now = timezone.now()
    for code in community_codes:
        if code in links:
            continue
        try:
            with transaction.atomic():
                link = ArrivalLink.objects.create(
                    jurisdiction_code=code,
                    token=_new_token(),
                    created_at=now,
                    created_by_id=scope.actor_id,
                )
        except IntegrityError:  # another request made it a moment ago
            link = selectors.links_of(scope=scope, community_codes=[code])[code]
        else:
            audit.record(scope, "arrivals.link.created", link)
        links[code] = link
    return links


@transaction.atomic
def link_replace(*, scope: Scope, community_code: str) -> ArrivalLink:
    """A new poster for a community; the old QR code stops working (a poster torn down
    and misused, a link passed around beyond the community)."""
    selectors.require_visible_community(scope, community_code)
    scope.require(Perm.ARRIVAL_VERIFY)
    now = timezone.now()
    ArrivalLink.objects.filter(jurisdiction_code=community_code, replaced_at__isnull=True).update(
        replaced_at=now
    )
    link = ArrivalLink.objects.create(
        jurisdiction_code=community_code,
        token=_new_token(),
        created_at=now,
        created_by_id=scope.actor_id,
    )
    audit.record(scope, "arrivals.link.replaced", link)
    return link


# --- The public submission ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportInput:
    """A report as the public form gives it: already checked and normalised."""

    name: str
    id_number: str
    phone: str
    origin: Region
    arrival_date: dt.date
    travel_mode: str
    travel_number: str
    companions_count: int
    companions: str
    compound_id: int | None
    compound_name: str
    building: str
    unit: str
    room: str
    symptoms: tuple[str, ...]
    temperature: Decimal | None


@dataclass(frozen=True)
class Submitted:
    report: ArrivalReport
    created: bool


def _receipt() -> str:
    chars = [secrets.choice(RECEIPT_ALPHABET) for _ in range(10)]
    return "".join(chars[:5]) + "-" + "".join(chars[5:])


def classify(*, origin_code: str, day: dt.date, community_code: str) -> str:
    """high, medium or other: the district's list on the arrival date."""
    return level_on(origin_code=origin_code, day=day, district=community_code[:6]) or "other"


def _existing(community_code: str, data: ReportInput) -> ArrivalReport | None:
    return ArrivalReport.objects.filter(
        community_code=community_code, id_number=data.id_number, arrival_date=data.arrival_date
    ).first()


def report_submit(*, link: ArrivalLink, data: ReportInput, remote_addr: str = "") -> Submitted:
    """File a resident's report in the community of the poster. The same person,
    community and arrival date again returns the first report, unchanged: a second
    submission is never a second report, and nobody can overwrite someone's report by
    knowing their number."""
    community = link.jurisdiction_code
    scope = public_scope(community)
    if (found := _existing(community, data)) is not None:
        return Submitted(found, False)
    compound = None
    if data.compound_id is not None:
        try:
            compound = registry_selectors.compound_get(
                scope=Scope.system(reason="arrival self-report page", code=community),
                pk=data.compound_id,
            )
        except NotFound:
            raise _invalid("compound", _("Choose a compound of this community.")) from None
    compound_name = compound.name if compound else data.compound_name
    # The registry's spelling (3 -> 3号楼, 2 -> 2单元, 501室 -> 501), so that the
    # address reads like the registry's and matches its households.
    building = canonical_building(data.building) if data.building else ""
    unit = canonical_unit(data.unit) if data.unit else ""
    room = canonical_room(data.room)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                report = ArrivalReport.objects.create(
                    jurisdiction_code=compound.jurisdiction_code if compound else community,
                    community_code=community,
                    receipt=_receipt(),
                    name=data.name,
                    id_number=data.id_number,
                    id_last4=data.id_number[-4:],
                    phone=data.phone,
                    origin_code=data.origin.code,
                    origin_name=data.origin.path,
                    arrival_date=data.arrival_date,
                    travel_mode=data.travel_mode,
                    travel_number=data.travel_number,
                    companions_count=data.companions_count,
                    companions=data.companions,
                    compound=compound,
                    compound_name=compound_name,
                    building=building,
                    unit=unit,
                    room=room,
                    address=household_address(compound_name, building or None, unit or None, room)[
                        :120
                    ],
                    symptoms=list(data.symptoms),
                    has_symptoms=any(s != "none" for s in data.symptoms),
                    temperature=data.temperature,
                    classification=classify(
                        origin_code=data.origin.code,
                        day=data.arrival_date,
                        community_code=community,
                    ),
                    classified_at=now,
                    submitted_at=now,
                )
                audit.record(
                    scope,
                    "arrivals.report.submitted",
                    report,
                    reason=scope.reason,
                    data={"classification": report.classification},
                    remote_addr=remote_addr,
                )
        except IntegrityError:
            # The same person a moment ago from another tab (or, once in a blue moon,
            # a receipt number already taken: try another one).
            if (found := _existing(community, data)) is not None:
                return Submitted(found, False)
            continue
        return Submitted(report, True)
    raise Conflict(_("The report could not be saved; please send it again."))


# --- The worker's side -------------------------------------------------------------------


@transaction.atomic
def report_verify(
    *,
    scope: Scope,
    report: ArrivalReport,
    outcome: str,
    note: str = "",
    register: bool = False,
    household: Household | None = None,
) -> ArrivalReport:
    """Record what the check on the ground found, and link the report to the person
    file: the person with the report's identity number, or a new person registered from
    the report (flagged 待核实, source "arrival") when the worker asks for it."""
    scope.require(Perm.ARRIVAL_VERIFY, at=report.jurisdiction_code)
    locked = ArrivalReport.objects.select_for_update().filter(pk=report.pk).first()
    if locked is None or locked.status == ArrivalReport.Status.VERIFIED:
        raise Conflict(_("This report has already been verified."))
    if outcome not in ArrivalReport.Outcome.values:
        raise _invalid("outcome", _("Choose what the check found."))
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise _invalid("note", _("The note is too long (at most 200 characters)."))
    person = selectors.registered_person(scope=scope, report=report)
    registered = False
    if person is None and register:
        if outcome != ArrivalReport.Outcome.CONFIRMED:
            raise _invalid(
                "register", _("Only a person confirmed to be here is registered in the community.")
            )
        person = _register(scope, report, household)
        registered = True
    previous = {"status": locked.status, "outcome": locked.outcome}
    report.status = ArrivalReport.Status.VERIFIED
    report.verified_at = timezone.now()
    report.verified_by_id = scope.actor_id
    report.outcome = outcome
    report.outcome_note = note
    report.person = person
    report.person_registered = registered or report.person_registered
    report.save(
        update_fields=[
            "status",
            "verified_at",
            "verified_by",
            "outcome",
            "outcome_note",
            "person",
            "person_registered",
        ]
    )
    audit.record(
        scope,
        "arrivals.report.verified",
        report,
        data={
            "outcome": outcome,
            "person": person.pk if person else None,
            "registered": registered,
            "previous": previous,
        },
    )
    return report


def _register(scope: Scope, report: ArrivalReport, household: Household | None) -> Person:
    if household is not None and household.community_code != report.community_code:
        raise _invalid("household", _("Choose a household of the report's community."))
    try:
        return registry_services.person_create(
            scope=scope,
            household=household,
            community_code=None if household else report.jurisdiction_code,
            source="arrival",
            address="" if household else report.address,
            name=report.name,
            id_number=report.id_number,
            phone=report.phone,
            needs_verification=True,
            remarks=_("Registered from arrival report %(receipt)s.") % {"receipt": report.receipt},
        )
    except ApplicationError as exc:
        if any(e.code == "taken" for e in exc.errors):
            raise _invalid(
                "register",
                _(
                    "A person with this identity number is registered in another jurisdiction: "
                    "verify without registering, and ask the office above to transfer them."
                ),
            ) from None
        raise


@transaction.atomic
def report_reveal(
    *, scope: Scope, report: ArrivalReport, field: str, reason: str, remote_addr: str = ""
) -> str:
    """Show a report's full identity number or phone (to call the person): with a
    reason, audited, like a person file's."""
    scope.require(Perm.PERSON_REVEAL, at=report.jurisdiction_code)
    if field not in REVEALABLE:
        raise _invalid("field", _("This field cannot be revealed."))
    reason = reason.strip()
    if len(reason) < 2:
        raise _invalid("reason", _("Give the reason for seeing the full value."))
    audit.record(
        scope,
        "arrivals.report.revealed",
        report,
        reason=reason,
        data={"field": field},
        remote_addr=remote_addr,
    )
    return str(getattr(report, field) or "")


# --- When the risk areas change ----------------------------------------------------------


@transaction.atomic
def reports_reclassify(
    *, scope: Scope, district: str, since: dt.date, until: dt.date | None
) -> int:
    """Classify again the district's reports that arrived in [since, until) against the
    list as it now stands. A verified report whose origin became riskier goes back to
    the queue ("to check again") and its community gets a notice: a list announced
    late must still find the people who already arrived (不漏一人)."""
    scope.require(Perm.RISK_AREA_MANAGE, at=district)
    reports = ArrivalReport.objects.within_code(district).filter(arrival_date__gte=since)
    if until is not None:
        reports = reports.filter(arrival_date__lt=until)
    expression = level_expression(
        district=district, origin_field="origin_code", day_field="arrival_date"
    )
    changed = list(
        reports.annotate(new=expression)
        .exclude(classification=F("new"))
        .values_list("pk", "classification", "new", "status", "community_code")
    )
    if not changed:
        return 0
    now = timezone.now()
    by_class: dict[str, list[int]] = defaultdict(list)
    recheck: list[int] = []
    raised: dict[str, int] = defaultdict(int)
    for pk, old, new, status, community in changed:
        by_class[new].append(pk)
        if RANK[new] < RANK[old]:
            raised[community] += 1
            if status == ArrivalReport.Status.VERIFIED:
                recheck.append(pk)
    for new, pks in by_class.items():
        for start in range(0, len(pks), 500):
            ArrivalReport.objects.filter(pk__in=pks[start : start + 500]).update(
                classification=new, classified_at=now
            )
    for start in range(0, len(recheck), 500):
        ArrivalReport.objects.filter(pk__in=recheck[start : start + 500]).update(
            status=ArrivalReport.Status.RECHECK
        )
    audit.record(
        scope,
        "arrivals.reports.reclassified",
        object_type="arrivals.arrivalreport",
        object_id=district,
        jurisdiction_code=district,
        data={
            "changed": len(changed),
            "raised": sum(raised.values()),
            "to_check_again": len(recheck),
            "since": since.isoformat(),
            "until": until.isoformat() if until else None,
        },
    )
    with translation.override(settings.LANGUAGE_CODE):
        for community, count in sorted(raised.items()):
            notify_staff(
                jurisdiction_code=community,
                title=ngettext(
                    "%(n)d arrival report now comes from a medium- or high-risk area",
                    "%(n)d arrival reports now come from a medium- or high-risk area",
                    count,
                )
                % {"n": count},
                body=_(
                    "The risk areas changed. Check these arrivals again; verified reports "
                    "among them are back in the queue."
                ),
                link=reverse("arrivals:queue")
                + "?"
                + urlencode({"status": "todo", "jurisdiction": community}),
                source="arrivals",
                scope=scope,
            )
    return len(changed)


def reclassify_after_change(
    scope: Scope, district: str, since: dt.date, until: dt.date | None
) -> None:
    """The listener the risk-area services call (riskareas.changes)."""
    reports_reclassify(scope=scope, district=district, since=since, until=until)
