"""A lab's results: stored once per (lab, key), applied to their tubes and the tubes'
members in the same transaction, set-based (ADR 0018, ADR 0019).

`results_ingest(lab=…, rows=[…])` answers every row, in the order sent, only once the
transaction has committed:

1. check every row in Python (barcode, result, time, Ct values);
2. read the batch's tubes by barcode, locked, in barcode order;
3. claim the rows (`INSERT … ON CONFLICT (lab_id, key) DO NOTHING RETURNING`): the keys
   not returned were stored before (or by a copy of the batch sent at the same moment,
   which waits on our rows and then finds them) and are answered `duplicate`;
4. apply the new rows that found a tube (`apply_results`): the tubes' result, their
   members' `Target.result`, the coverage counters, one statement each;
5. a tube that turned positive or suspicious locks its members and raises the alarm
   (`_alarm`): notices to the communities, texts after commit, a single-tube retest
   task per member, a control order proposed per member. Rare and per tube.

A row for a barcode no tube has is stored with `tube` empty: the unmatched queue.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import ApplicationError
from fangkong.core.masking import mask_name
from fangkong.core.notices import notify_staff
from fangkong.core.scope import Scope
from fangkong.messaging import services as messaging
from fangkong.registry.models import Person

from ..codes import clean_barcode
from ..models import (
    ALARMING,
    DOOR_TO_DOOR_EXEMPTIONS,
    Coverage,
    HomeTask,
    Lab,
    LabResult,
    Result,
    Sample,
    SamplingSite,
    Target,
    Tube,
)

log = logging.getLogger("fangkong.testing.labs")

MAX_RESULTS = 500
CLOCK_SKEW = dt.timedelta(minutes=10)
# How far back a test time may lie (a lab re-sending last week's results is fine).
OLDEST = dt.timedelta(days=60)

# A tube never goes down this ladder: a negative after a positive of the same tube is
# kept (stored) but does not clear the tube; an invalid run never hides a result.
RANK: dict[str, int] = {
    Result.NONE: -1,
    Result.INVALID: 0,
    Result.NEGATIVE: 1,
    Result.SUSPICIOUS: 2,
    Result.POSITIVE: 3,
}
# The results that count as "resulted" in coverage (an invalid sample is sampled again).
USABLE = (Result.NEGATIVE, Result.SUSPICIOUS, Result.POSITIVE)

# What labs write in their files and systems, by the canonical value.
RESULT_WORDS: dict[str, tuple[str, ...]] = {
    Result.NEGATIVE: ("阴性", "negative", "neg", "-", "阴"),
    Result.POSITIVE: ("阳性", "positive", "pos", "+", "阳", "确诊阳性"),
    Result.SUSPICIOUS: ("可疑", "suspicious", "疑似", "初筛阳性", "可疑阳性", "待复核"),
    Result.INVALID: ("无效", "invalid", "样本无效", "不合格", "样本不合格"),
}
_WORD_INDEX = {w.lower(): value for value, words in RESULT_WORDS.items() for w in words}


def parse_result(raw: object) -> str | None:
    text = str(raw or "").strip().lower()
    return _WORD_INDEX.get(text)


@dataclass
class ResultIn:
    key: str
    tube: str
    result: str
    tested_at: dt.datetime | None
    ct: str = ""


@dataclass
class ResultAnswer:
    key: str
    status: str  # stored, duplicate, unmatched, rejected
    code: str = ""
    message: str = ""
    tube: str = ""


def _messages() -> dict[str, str]:
    return {
        "bad_barcode": _("The tube barcode cannot be read: 4 to 40 letters, digits or '-'."),
        "bad_key": _("The key is empty or longer than 80 characters."),
        "bad_result": _("The result is not one of 阴性, 阳性, 可疑, 无效."),
        "bad_time": _("The test time is missing, in the future or too long ago."),
        "bad_ct": _("The Ct values are longer than 80 characters."),
        "duplicate": _("Already received."),
        "unmatched": _("No tube has this barcode yet: the result waits in the unmatched queue."),
    }


def check_row(row: ResultIn, now: dt.datetime, messages: dict[str, str]) -> tuple[str, str] | None:
    """The first problem of a row as (code, message), or None."""
    if not row.key or len(row.key) > 80:
        return "bad_key", messages["bad_key"]
    if clean_barcode(row.tube) is None:
        return "bad_barcode", messages["bad_barcode"]
    if row.result not in RANK or row.result == Result.NONE:
        return "bad_result", messages["bad_result"]
    at = row.tested_at
    if at is None or at > now + CLOCK_SKEW or at < now - OLDEST:
        return "bad_time", messages["bad_time"]
    if len(row.ct) > 80:
        return "bad_ct", messages["bad_ct"]
    return None


def results_ingest(
    *,
    scope: Scope,
    lab: Lab,
    rows: list[ResultIn],
    source: str,
    job_id: int | None = None,
) -> list[ResultAnswer]:
    """Store a batch of a lab's results and apply them; answers in the order sent.

    `scope` is the lab device's or the uploading worker's (it is audited); the lab is
    checked by the caller (the device's own lab, or a lab within the worker's scope)."""
    if len(rows) > MAX_RESULTS:
        raise ApplicationError(_("At most %(n)d results per batch.") % {"n": MAX_RESULTS})
    now = timezone.now()
    messages = _messages()
    answers: dict[int, ResultAnswer] = {}
    good: dict[str, tuple[int, ResultIn, str]] = {}  # key -> (index, row, barcode)
    for i, row in enumerate(rows):
        row.key = (row.key or row.tube or "").strip()
        problem = check_row(row, now, messages)
        if problem is not None:
            answers[i] = ResultAnswer(row.key, "rejected", *problem, tube=row.tube)
            continue
        if row.key in good:  # the same key twice in one batch: the first counts
            answers[i] = ResultAnswer(row.key, "duplicate", "duplicate", messages["duplicate"])
            continue
        good[row.key] = (i, row, clean_barcode(row.tube) or "")
    with transaction.atomic():
        tubes = _tubes_locked({b for _i, _r, b in good.values()})
        claimed = _claim(lab, good, tubes, now, source, job_id)
        applied: list[tuple[Tube, str, dt.datetime]] = []
        for key, (i, row, barcode) in good.items():
            if key not in claimed:
                answers[i] = ResultAnswer(key, "duplicate", "duplicate", messages["duplicate"])
            elif barcode in tubes:
                answers[i] = ResultAnswer(key, "stored", tube=barcode)
                assert row.tested_at is not None
                applied.append((tubes[barcode], row.result, row.tested_at))
            else:
                answers[i] = ResultAnswer(
                    key, "unmatched", "unmatched", messages["unmatched"], tube=barcode
                )
        outcome = apply_results(applied, now=now) if applied else Applied()
        counts = Counter(a.status for a in answers.values())
        if claimed:
            audit.record(
                scope,
                "testing.results.received",
                lab,
                data={"source": source, "job": job_id, **counts, **outcome.counts()},
            )
    for answer in answers.values():
        if not answer.tube and answer.status != "rejected":
            answer.tube = good.get(answer.key, (0, None, ""))[2]
    return [answers[i] for i in range(len(rows))]


def _tubes_locked(barcodes: Iterable[str]) -> dict[str, Tube]:
    wanted = sorted(barcodes)
    if not wanted:
        return {}
    tubes = Tube.objects.filter(barcode__in=wanted).order_by("barcode")
    if connection.features.has_select_for_update:
        tubes = tubes.select_for_update()
    return {t.barcode: t for t in tubes}


def _adapt(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _claim(
    lab: Lab,
    good: dict[str, tuple[int, ResultIn, str]],
    tubes: dict[str, Tube],
    now: dt.datetime,
    source: str,
    job_id: int | None,
) -> set[str]:
    if not good:
        return set()
    table = LabResult._meta.db_table
    rows = sorted(good.items())
    one = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    params: list[Any] = []
    for key, (_i, row, barcode) in rows:
        tube = tubes.get(barcode)
        params += [
            lab.pk,
            lab.jurisdiction_code,
            key,
            barcode,
            tube.pk if tube is not None else None,
            row.result,
            row.ct.strip(),
            _adapt(row.tested_at),
            _adapt(now),
            source,
            job_id,
            _adapt(now) if tube is not None else None,
        ]
    if connection.vendor == "postgresql":
        one = (
            "(%s, %s, %s, %s, CAST(%s AS bigint), %s, %s, CAST(%s AS timestamptz), "
            "CAST(%s AS timestamptz), %s, CAST(%s AS bigint), CAST(%s AS timestamptz))"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (lab_id, jurisdiction_code, key, barcode, tube_id, result, "
            "ct_values, tested_at, received_at, source, job_id, matched_at) "
            f"VALUES {', '.join([one] * len(rows))} "
            "ON CONFLICT (lab_id, key) DO NOTHING RETURNING key",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


# --- Applying results to tubes and their members ----------------------------------------


@dataclass
class Applied:
    tubes: int = 0
    kept_locked: int = 0  # members a negative pool did not clear
    alarms: list[int] = field(default_factory=list)  # tubes that turned alarming

    def counts(self) -> dict[str, int]:
        return {"tubes": self.tubes, "kept_locked": self.kept_locked, "alarms": len(self.alarms)}


def _is_single(tube: Tube) -> bool:
    return tube.pool_size == 1 or tube.is_retest


def _counted(target: dict[str, Any]) -> bool:
    """In coverage's `sampled` (and so `resulted`): in the population, not exempt (or
    sampled at the door)."""
    return not target["outside"] and (
        target["exemption"] == "" or target["exemption"] in DOOR_TO_DOOR_EXEMPTIONS
    )


def lock_reason(tube: Tube, result: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Pool %(tube)s: %(result)s; waiting for a single-tube retest") % {
            "tube": tube.barcode,
            "result": str(dict(Result.choices)[result]),
        }


def apply_results(
    results: list[tuple[Tube, str, dt.datetime]], *, now: dt.datetime, scope: Scope | None = None
) -> Applied:
    """Apply results to their (locked) tubes and the tubes' members; call inside the
    transaction that stored them. About six statements whatever the number of tubes,
    plus the alarm of each tube that turned positive or suspicious."""
    applied = Applied()
    # The winning result per tube: the ladder never goes down; on a tie the later test.
    changed: dict[int, tuple[Tube, str, str, dt.datetime]] = {}
    for tube, result, tested_at in results:
        before = changed[tube.pk][2] if tube.pk in changed else tube.result
        if RANK[result] < RANK[before]:
            continue
        previous = changed[tube.pk][1] if tube.pk in changed else tube.result
        changed[tube.pk] = (tube, previous, result, tested_at)
    changed = {k: v for k, v in changed.items() if v[2] != v[1] or not v[0].resulted_at}
    if not changed:
        return applied
    applied.tubes = len(changed)
    table = Tube._meta.db_table
    rows = [(pk, c[2]) for pk, c in sorted(changed.items())]
    values, params = _values(rows, ("bigint", "varchar"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v(id, result) AS (VALUES {values}) "
            f"UPDATE {table} SET result = v.result, resulted_at = %s, status = %s "
            f"FROM v WHERE {table}.id = v.id",
            [*params, _adapt(now), Tube.Status.RESULTED],
        )
    for tube, _previous, result, _at in changed.values():
        tube.result, tube.resulted_at, tube.status = result, now, Tube.Status.RESULTED
    # Members and their targets.
    members: dict[int, list[int]] = defaultdict(list)  # tube id -> person ids
    campaigns: set[int] = set()
    for tube_id, person_id, campaign_id in Sample.objects.filter(
        tube_id__in=sorted(changed)
    ).values_list("tube_id", "person_id", "campaign_id"):
        members[tube_id].append(person_id)
        campaigns.add(campaign_id)
    persons = sorted({p for ps in members.values() for p in ps})
    targets: dict[tuple[int, int], dict[str, Any]] = {}
    if persons:
        qs = Target.objects.filter(campaign_id__in=sorted(campaigns), person_id__in=persons)
        if connection.features.has_select_for_update:
            qs = qs.select_for_update()
        for t in qs.order_by("pk").values(
            "pk",
            "campaign_id",
            "person_id",
            "jurisdiction_code",
            "building_id",
            "compound_id",
            "household_id",
            "exemption",
            "outside",
            "result",
            "resulted_at",
            "locked",
            "locked_reason",
        ):
            targets[(t["campaign_id"], t["person_id"])] = dict(t)
    updated: dict[int, dict[str, Any]] = {}  # target pk -> new state
    coverage: Counter[tuple[int, str, int, str]] = Counter()
    # Tubes in rank order: within one batch a positive pool is applied after a negative.
    for tube, previous, result, _at in sorted(changed.values(), key=lambda c: RANK[c[2]]):
        newly_alarming = result in ALARMING and previous not in ALARMING
        if newly_alarming:
            applied.alarms.append(tube.pk)
        for person_id in members.get(tube.pk, []):
            target = targets.get((tube.campaign_id, person_id))
            if target is None:
                continue
            state = updated.get(target["pk"]) or {
                k: target[k] for k in ("result", "resulted_at", "locked", "locked_reason")
            }
            new = dict(state)
            if result in ALARMING:
                if RANK[result] >= RANK[state["result"]] or state["result"] not in ALARMING:
                    new["result"] = result
                new["locked"] = True
                new["locked_reason"] = lock_reason(tube, result)[:200]
                new["resulted_at"] = now
            elif result == Result.NEGATIVE:
                if state["locked"] and not _is_single(tube):
                    applied.kept_locked += 1
                    continue
                new.update(result=result, resulted_at=now, locked=False, locked_reason="")
            else:  # invalid: only where there is nothing better
                if state["locked"] or state["result"] not in (Result.NONE, Result.INVALID):
                    continue
                new.update(result=result, resulted_at=now)
            if new == state:
                continue
            updated[target["pk"]] = new
    by_pk = {t["pk"]: t for t in targets.values()}
    for pk_target, new in updated.items():
        target = by_pk[pk_target]
        cell = (target["campaign_id"], target["jurisdiction_code"], target["building_id"])
        was, now_result = target["result"], new["result"]
        if _counted(target):
            coverage[(*cell, "resulted")] += int(now_result in USABLE) - int(was in USABLE)
        coverage[(*cell, "positive")] += int(now_result in ALARMING) - int(was in ALARMING)
    if updated:
        ttable = Target._meta.db_table
        trows = [
            (pk, n["result"], n["resulted_at"], n["locked"], n["locked_reason"])
            for pk, n in sorted(updated.items())
        ]
        values, params = _values(trows, ("bigint", "varchar", "timestamptz", "boolean", "varchar"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v(id, result, resulted_at, locked, locked_reason) AS (VALUES {values}) "
                f"UPDATE {ttable} SET result = v.result, resulted_at = v.resulted_at, "
                "locked = v.locked, locked_reason = v.locked_reason "
                f"FROM v WHERE {ttable}.id = v.id",
                params,
            )
    cells: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for (campaign_id, code, building, kind), n in coverage.items():
        cells[(campaign_id, code, building)][0 if kind == "resulted" else 1] += n
    crows = [(c, code, b, r, p) for (c, code, b), (r, p) in sorted(cells.items()) if r or p]
    if crows:
        ctable = Coverage._meta.db_table
        values, params = _values(crows, ("bigint", "varchar", "integer", "integer", "integer"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v(cid, code, building, r, p) AS (VALUES {values}) "
                f"UPDATE {ctable} SET resulted = {ctable}.resulted + v.r, "
                f"positive = {ctable}.positive + v.p FROM v "
                f"WHERE {ctable}.campaign_id = v.cid AND {ctable}.jurisdiction_code = v.code "
                f"AND {ctable}.building_id = v.building",
                params,
            )
    for tube_pk in applied.alarms:
        tube = changed[tube_pk][0]
        member_targets = [
            targets[(tube.campaign_id, p)]
            for p in members.get(tube_pk, [])
            if (tube.campaign_id, p) in targets
        ]
        _alarm(tube, member_targets, now=now)
    return applied


def _values(rows: list[tuple[Any, ...]], types: tuple[str, ...]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        one = "(" + ", ".join(f"CAST(%s AS {t})" for t in types) + ")"
    else:
        one = "(" + ", ".join(["%s"] * len(types)) + ")"
    return ", ".join([one] * len(rows)), [_adapt(v) for row in rows for v in row]


# --- The alarm of a positive or suspicious pool ----------------------------------------


@dataclass
class Text:
    phone: str
    text: str
    person_id: int
    jurisdiction_code: str


def _alarm(tube: Tube, targets: list[dict[str, Any]], *, now: dt.datetime) -> None:
    """Everything a positive or suspicious pool sets off, in the caller's transaction;
    the texts go after commit. What became of each member's control order is kept in
    the audit entry of the tube (`testing.tube.alarm`), shown on the tube page."""
    from fangkong.control.orders import services as orders

    system = Scope.system(reason=f"testing: alarming pool {tube.barcode}")
    result_label = str(dict(Result.choices)[tube.result])
    person_ids = sorted(t["person_id"] for t in targets)
    people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids)}
    link = reverse("testing:labs_tube", args=[tube.pk])
    with translation.override(settings.LANGUAGE_CODE):
        result_label = str(dict(Result.choices)[tube.result])
        # Notices to the staff of each member's community.
        by_community: dict[str, list[Person]] = defaultdict(list)
        for pid in person_ids:
            if pid in people:
                by_community[people[pid].community_code].append(people[pid])
        for community, members in sorted(by_community.items()):
            notify_staff(
                jurisdiction_code=community,
                title=_("Pool %(tube)s is %(result)s: %(n)d people of your community to retest")
                % {"tube": tube.barcode, "result": result_label, "n": len(members)},
                body="、".join(mask_name(p.name) for p in members),
                link=link,
                source="testing",
            )
        # A single-tube retest at the door for each member, by a team of their community.
        communities = sorted(by_community)
        teams: dict[str, int] = {}
        near = Q(pk__in=[])
        for code in communities:
            near |= Q(jurisdiction_code__startswith=code)
        for site_id, code in (
            SamplingSite.objects.filter(near, kind=SamplingSite.Kind.DOOR_TO_DOOR, is_active=True)
            .order_by("-pk")
            .values_list("pk", "jurisdiction_code")
        ):
            if code[:12] in by_community:
                teams[code[:12]] = site_id
        HomeTask.objects.bulk_create(
            [
                HomeTask(
                    campaign_id=tube.campaign_id,
                    person_id=t["person_id"],
                    jurisdiction_code=t["jurisdiction_code"],
                    team_id=teams.get(
                        people[t["person_id"]].community_code
                        if t["person_id"] in people
                        else t["jurisdiction_code"][:12]
                    ),
                    reason=HomeTask.Reason.RETEST,
                    source_tube=tube,
                    created_at=now,
                )
                for t in sorted(targets, key=lambda t: t["person_id"])
            ],
            ignore_conflicts=True,
        )
        # A control order proposed per member; a refusal is recorded, never fatal.
        orders_out: dict[str, str] = {}
        day = timezone.localdate(now)
        for pid in person_ids:
            person = people.get(pid)
            if person is None:
                continue
            try:
                with transaction.atomic():
                    order = orders.order_propose(
                        scope=system,
                        person=person,
                        trigger="positive",
                        trigger_date=day,
                        trigger_ref=tube_ref(tube),
                        reason=_("Member of pool %(tube)s (%(result)s) in mass testing")
                        % {"tube": tube.barcode, "result": result_label},
                    )
                orders_out[str(pid)] = f"order:{order.pk}"
            except ApplicationError as exc:
                orders_out[str(pid)] = f"refused:{exc.message}"
        texts = _texts(tube, [people[p] for p in person_ids if p in people])
    audit.record(
        system,
        "testing.tube.alarm",
        tube,
        data={
            "result": tube.result,
            "members": person_ids,
            "orders": orders_out,
            "texts": len(texts),
            "teams": sorted(set(teams.values())),
        },
    )
    transaction.on_commit(lambda: send_texts(texts))


def tube_ref(tube: Tube) -> str:
    """The control order's trigger_ref for a pool: "testing.tube:<id>" (the kind:pk
    form control.orders resolves; ADR 0019)."""
    return f"testing.tube:{tube.pk}"


def _texts(tube: Tube, members: list[Person]) -> list[Text]:
    """Each member with a phone, and one phone per household (someone of the household
    who is not in the pool, the head first) for the members without one."""
    texts: list[Text] = []
    sent: set[str] = set()
    campaign_day = f"{timezone.localtime(tube.opened_at):%m月%d日}"
    for person in members:
        if person.phone and person.phone not in sent:
            sent.add(person.phone)
            texts.append(
                Text(
                    person.phone,
                    _(
                        "[Fangkong] Your pooled sample of %(day)s needs a single-tube retest. "
                        "Please stay at home; a sampling team will come to your door."
                    )
                    % {"day": campaign_day},
                    person.pk,
                    person.jurisdiction_code,
                )
            )
    member_ids = {p.pk for p in members}
    households = sorted({p.household_id for p in members if p.household_id})
    contacts: dict[int, tuple[str, int, str]] = {}
    for household_id, phone, relation, pk, code in (
        Person.objects.filter(household_id__in=households, status=Person.Status.ACTIVE)
        .exclude(pk__in=member_ids)
        .exclude(phone="")
        .order_by("household_id", "pk")
        .values_list("household_id", "phone", "relation_to_head", "pk", "jurisdiction_code")
    ):
        if household_id not in contacts or relation == "户主":
            contacts[household_id] = (phone, pk, code)
    for household_id, (phone, contact_id, contact_code) in sorted(contacts.items()):
        if phone in sent:
            continue
        sent.add(phone)
        names = "、".join(mask_name(p.name) for p in members if p.household_id == household_id)
        texts.append(
            Text(
                phone,
                _(
                    "[Fangkong] The pooled sample of your household member %(names)s needs a "
                    "single-tube retest. Please stay at home; a sampling team will come."
                )
                % {"names": names},
                contact_id,
                contact_code,
            )
        )
    return texts


def send_texts(texts: list[Text]) -> None:
    """After the commit: each text through the message log (messaging), once a day per
    person; a gateway failure is logged there, never raised."""
    for t in texts:
        messaging.send_one(
            kind="testing.alarm",
            person_id=t.person_id,
            phone=t.phone,
            jurisdiction_code=t.jurisdiction_code,
            text=t.text,
        )
