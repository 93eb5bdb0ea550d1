"""The control orders' part of the demo district (`fangkong demo`).

The three presets with their historical dates, and the ninth edition again as a new
version in force from 60 days ago (so that orders can be proposed today); then fourteen
days of orders in the demo subdistrict (济源路街道), most in the demo community
(中安街社区): proposed from the verified arrival reports (high risk: 7 days of
centralised quarantine; medium: 7 days at home) and the checked push-list tasks (close
contacts: 7 days centralised then 3 of home health monitoring; secondary contacts: 7
days at home) and a few by hand (7 days of home health monitoring, with reasons), each
decided on the day of its trigger by the demo subdistrict officer; their tests recorded
negative on their days; those whose days are served released the day after, one in
nine ended early to hospital; the rest in force today, two still awaiting approval and
one rejected. So the people under each measure rise and fall across the fourteen days.

The orders are made through the services, which stamp them now; the demo then moves
`proposed_at`, `decided_at`, `ended_at`, the tests' times, the order events' times and
the notice numbers (which carry the day of the decision) back to the days the story
gives (queryset updates, here only). Audit entries keep today's date, and the release
texts say today. Idempotent: a district whose demo worker has proposed orders is left
alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.management.commands.demo_accounts import demo_places, demo_scope
from fangkong.arrivals import selectors as arrival_selectors
from fangkong.control.models import ControlOrder, OrderEvent, OrderTest, Policy
from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.pushlists import selectors as pushlist_selectors
from fangkong.registry import demo_history as history
from fangkong.registry import selectors as registry_selectors
from fangkong.registry.models import Person

from . import services
from .policy import PRESET_KEYS, preset

MANUAL_REASONS = (
    "与确诊病例同一单位办公，单位排查报告",
    "与确诊病例同乘一辆公交车（电话流调确认）",
    "居住楼栋出现阳性病例，社区研判",
    "自行申报曾到访涉疫场所",
)
# Orders proposed by hand in the demo community: days ago.
MANUAL_DAYS = (13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 0)
STAFF = ("李桂芝", "王红霞", "赵国庆", "孙丽萍", "周建军", "吴晓燕")
HOSPITAL_EVERY = 9  # one order in nine whose days would be served ends early


@dataclass
class Plan:
    """One order of the story: who, why, and when it was decided."""

    person: Person
    trigger: str
    trigger_date: dt.date
    ref: str
    decided: dt.datetime
    reason: str = ""
    fate: str = ""  # "": as its dates say; proposed, rejected


def _policies(district: str, today: dt.date) -> None:
    system = Scope.system(reason="demo data", code=district)
    for key in PRESET_KEYS:
        chosen = preset(key)
        if not Policy.objects.filter(jurisdiction_code=district, family=chosen.family).exists():
            services.policy_install(scope=system, preset=key, district=district)
    ninth = Policy.objects.get(
        jurisdiction_code=district, family=preset("ninth_edition").family, is_current=True
    )
    if ninth.version == 1:
        services.policy_edit(
            scope=system,
            policy=ninth,
            name=ninth.name,
            legal_basis=ninth.legal_basis,
            effective_from=today - dt.timedelta(days=60),
            effective_until=None,
            rules_json=ninth.rules,
            note="演示：本区继续执行第九版（新版本自60天前起施行）。",
        )


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    today = timezone.localdate()
    with transaction.atomic():
        _policies(district, today)
    worker = demo_scope("community_worker")
    officer = demo_scope("subdistrict_officer")
    if worker is None or officer is None:
        say("Control orders: the demo accounts are missing; policies only.")
        return
    if ControlOrder.objects.filter(proposed_by_id=worker.actor_id).exists():
        say("Control orders: the demo orders are there already.")
        return
    rng = random.Random(f"fangkong-demo-orders:{seed}")
    community = demo_places(district).get("community", worker.code)
    plans = _from_triggers(officer, rng) + _by_hand(worker, community, rng)
    plans.sort(key=lambda p: (p.decided, p.person.pk))
    # The last two of today wait for approval; the last manual one of yesterday is
    # rejected.
    todays = [p for p in plans if timezone.localdate(p.decided) == today]
    for plan in todays[-2:]:
        plan.fate = "proposed"
    manual = [p for p in plans if p.trigger == "manual" and not p.fate]
    if len(manual) > 2:
        manual[-2].fate = "rejected"
    made: dict[str, int] = {}
    released: list[int] = []
    with transaction.atomic():
        for number, plan in enumerate(plans):
            proposer = worker if plan.person.community_code == worker.code[:12] else None
            order = _propose(proposer or _staff(rng, district), plan)
            if order is None:
                continue
            state = _advance(district, officer, order, plan, number)
            made[state] = made.get(state, 0) + 1
            if state == "released":
                released.append(order.pk)
    # The release texts are sent after the commit; they went out with the release.
    for order in ControlOrder.objects.filter(pk__in=released):
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.NOTIFIED).update(
            at=order.ended_at
        )
    say(
        "Control orders: "
        + ", ".join(f"{n} {state}" for state, n in sorted(made.items()))
        + f" ({sum(made.values())} in {officer.code}, over {history.DAYS} days)"
    )


def _staff(rng: random.Random, district: str) -> Scope:
    """A community's staff member proposing in another community of the subdistrict."""
    return Scope(
        actor_id=None,
        actor_name=rng.choice(STAFF),
        code=district,
        perms=frozenset(Perm),
        reason="demo data",
        is_system=True,
    )


def _later(moment: dt.datetime, rng: random.Random, low: int, high: int) -> dt.datetime:
    """A few minutes or hours after `moment`, never after now."""
    return min(moment + dt.timedelta(minutes=rng.randrange(low, high)), timezone.now())


def _from_triggers(officer: Scope, rng: random.Random) -> list[Plan]:
    """Orders from the verified arrival reports and checked push-list tasks of the
    subdistrict, decided an hour or two after the check."""
    found: list[Plan] = []
    taken: set[int] = set()
    reports = (
        arrival_selectors.report_list(
            scope=officer, filters=arrival_selectors.ReportFilters(status="verified")
        )
        .filter(classification__in=["high", "medium"], person__isnull=False)
        .exclude(outcome__in=["not_here", "unreachable", "false"])
        .select_related("person")
        .order_by("verified_at", "id")
    )
    for report in reports:
        if report.person_id in taken or report.verified_at is None:
            continue
        assert report.person is not None
        taken.add(report.person_id)  # type: ignore[arg-type]
        found.append(
            Plan(
                person=report.person,
                trigger="arrival_high" if report.classification == "high" else "arrival_medium",
                trigger_date=report.arrival_date,
                ref=f"arrivals.arrivalreport:{report.pk}",
                decided=_later(report.verified_at, rng, 30, 150),
            )
        )
    tasks = (
        pushlist_selectors.tasks(scope=officer, show="all")
        .filter(outcome="found_at_home", person__isnull=False, verified_at__isnull=False)
        .select_related("person")
        .order_by("verified_at", "id")
    )
    for i, task in enumerate(tasks):
        if task.person_id in taken or task.verified_at is None:
            continue
        assert task.person is not None
        taken.add(task.person_id)  # type: ignore[arg-type]
        found.append(
            Plan(
                person=task.person,
                trigger="close_contact" if i % 2 == 0 else "secondary_contact",
                trigger_date=timezone.localdate(task.verified_at),
                ref=f"pushlists.verificationtask:{task.pk}",
                decided=_later(task.verified_at, rng, 30, 120),
            )
        )
    return found


def _by_hand(worker: Scope, community: str, rng: random.Random) -> list[Plan]:
    """Manual orders (7 days of home health monitoring) begun on past days."""
    people = (
        registry_selectors.person_list(
            scope=worker,
            filters=registry_selectors.PersonFilters(
                jurisdiction=community, status=Person.Status.ACTIVE
            ),
        )
        .exclude(
            pk__in=ControlOrder.objects.filter(status__in=["proposed", "active"]).values(
                "person_id"
            )
        )
        .order_by("id")[: len(MANUAL_DAYS)]
    )
    return [
        Plan(
            person=person,
            trigger="manual",
            trigger_date=history.day(ago),
            ref="",
            decided=history.at(history.day(ago), 11, rng.randrange(60)),
            reason=MANUAL_REASONS[i % len(MANUAL_REASONS)],
        )
        for i, (person, ago) in enumerate(zip(people, MANUAL_DAYS, strict=False))
    ]


def _propose(scope: Scope, plan: Plan) -> ControlOrder | None:
    try:
        with transaction.atomic():
            order = services.order_propose(
                scope=scope,
                person=plan.person,
                trigger=plan.trigger,
                trigger_date=plan.trigger_date,
                trigger_ref=plan.ref,
                reason=plan.reason,
            )
    except ApplicationError:
        return None
    # Backdated: proposed shortly before the decision (the service stamped it now).
    proposed = plan.decided - dt.timedelta(minutes=40)
    ControlOrder.objects.filter(pk=order.pk).update(proposed_at=proposed)
    OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PROPOSED).update(at=proposed)
    return order


def _renumber(district: str, order: ControlOrder, day: dt.date) -> None:
    """The notice number carries the day of the decision: 410106-20261122-0003."""
    prefix = f"{district}-{day:%Y%m%d}-"
    if (order.notice_no or "").startswith(prefix):
        return
    last = (
        ControlOrder.objects.filter(notice_no__startswith=prefix)
        .order_by("-notice_no")
        .values_list("notice_no", flat=True)
        .first()
    )
    number = f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:04d}"
    ControlOrder.objects.filter(pk=order.pk).update(notice_no=number)
    for event in OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.APPROVED):
        event.data["notice_no"] = number
        OrderEvent.objects.filter(pk=event.pk).update(data=event.data)
    order.notice_no = number


def _advance(district: str, officer: Scope, order: ControlOrder, plan: Plan, number: int) -> str:
    if plan.fate == "proposed":
        return "proposed"
    if plan.fate == "rejected":
        services.order_reject(scope=officer, order=order, reason="流调依据不足，请补充材料")
        ControlOrder.objects.filter(pk=order.pk).update(decided_at=plan.decided)
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.REJECTED).update(
            at=plan.decided
        )
        return "rejected"
    order = services.order_approve(scope=officer, order=order)
    decided_on = timezone.localdate(plan.decided)
    # Backdated: decided on the day of the trigger's check (the service stamped it now).
    ControlOrder.objects.filter(pk=order.pk).update(decided_at=plan.decided)
    OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.APPROVED).update(at=plan.decided)
    _renumber(district, order, decided_on)
    today = timezone.localdate()
    served = order.ends_on < today
    hospital = number % HOSPITAL_EVERY == HOSPITAL_EVERY - 1 and decided_on < today
    if hospital:
        last = min(order.ends_on, today)
        ended_on = decided_on + dt.timedelta(days=1 + number % max(1, (last - decided_on).days))
        ended_on = min(ended_on, last)
        _tests(officer, order, before=ended_on, after=plan.decided)
        order.refresh_from_db()
        services.order_end(
            scope=officer,
            order=order,
            kind="hospital",
            reason="出现发热症状，闭环转运至定点医院",
        )
        _ended(order, history.at(ended_on, 15, 20), OrderEvent.Kind.ENDED)
        return "ended"
    _tests(officer, order, before=today, after=plan.decided)
    if not served:
        return "active"
    order.refresh_from_db()
    services.order_release(scope=officer, order=order, note="隔离期满，核酸阴性")
    _ended(order, history.at(order.ends_on + dt.timedelta(days=1), 10, 0), OrderEvent.Kind.RELEASED)
    return "released"


def _ended(order: ControlOrder, when: dt.datetime, kind: str) -> None:
    """Backdated: released or ended on its day (the service stamped it now)."""
    ControlOrder.objects.filter(pk=order.pk).update(ended_at=when)
    OrderEvent.objects.filter(order=order, kind=kind).update(at=when)


def _tests(officer: Scope, order: ControlOrder, *, before: dt.date, after: dt.datetime) -> None:
    """The tests due before `before`, negative, each recorded on its day (never before
    the decision)."""
    for test in OrderTest.objects.filter(order=order, due_on__lt=before).order_by("due_on"):
        services.test_record(scope=officer, test=test, result="negative")
        sampled = max(history.at(test.due_on, 9, 30), after)
        result = max(history.at(test.due_on, 20, 0), sampled + dt.timedelta(hours=1))
        result = min(result, timezone.now())
        # Backdated: sampled and resulted on the day it was due.
        OrderTest.objects.filter(pk=test.pk).update(sampled_at=sampled, result_at=result)
        OrderEvent.objects.filter(
            order=order, kind=OrderEvent.Kind.TEST, data__test=test.pk
        ).update(at=result)
