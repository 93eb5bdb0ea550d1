"""The control orders' part of the demo district (`fangkong demo`).

The three presets with their historical dates, and the ninth edition again as a new
version in force from 60 days ago (so that orders can be proposed today); then about
thirty orders in the demo community (中安街社区), proposed by the demo community worker
from verified arrival reports and checked push-list tasks (and a few by hand, with
reasons), approved by the demo subdistrict officer: some still proposed, some in force
under centralised quarantine, home quarantine and home health monitoring with their
tests, some released, one ended to hospital. Idempotent: a district whose demo worker
has proposed orders is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.arrivals import selectors as arrival_selectors
from fangkong.control.models import ControlOrder, OrderTest, Policy
from fangkong.core.errors import ApplicationError
from fangkong.core.scope import Scope
from fangkong.pushlists import selectors as pushlist_selectors
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


def _scope(username: str) -> Scope | None:
    user = User.objects.select_related("role").filter(username=username).first()
    return scope_for_user(user) if user else None


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
    worker = _scope("community_worker")
    officer = _scope("subdistrict_officer")
    if worker is None or officer is None:
        say("Control orders: the demo accounts are missing; policies only.")
        return
    if ControlOrder.objects.filter(proposed_by_id=worker.actor_id).exists():
        say("Control orders: the demo orders are there already.")
        return
    community = demo_places(district).get("community", worker.code)
    made: dict[str, int] = {}
    with transaction.atomic():
        orders = _from_triggers(worker, today) + _by_hand(worker, community, today)
        for i, (order, state) in enumerate(orders):
            try:
                _advance(worker, officer, order, state, i)
            except ApplicationError as exc:  # pragma: no cover - the demo data is ours
                say(f"Control orders: {order.pk} stays proposed ({exc.message})")
                state = "proposed"
            shown = "active" if state == "active_tested" else state
            made[shown] = made.get(shown, 0) + 1
    say(
        "Control orders: "
        + ", ".join(f"{n} {state}" for state, n in sorted(made.items()))
        + f" ({sum(made.values())} in {community})"
    )


def _from_triggers(worker: Scope, today: dt.date) -> list[tuple[ControlOrder, str]]:
    """Orders from the demo's verified arrival reports and checked push-list tasks."""
    found: list[tuple[ControlOrder, str]] = []
    taken: set[int] = set()
    reports = (
        arrival_selectors.report_list(
            scope=worker, filters=arrival_selectors.ReportFilters(status="verified")
        )
        .filter(classification__in=["high", "medium"], person__isnull=False)
        .exclude(outcome__in=["not_here", "unreachable", "false"])
        .order_by("arrival_date", "id")[:14]
    )
    states = ("active", "proposed", "active", "active_tested")
    for i, report in enumerate(reports):
        if report.person_id in taken or report.arrival_date > today:
            continue
        trigger = "arrival_high" if report.classification == "high" else "arrival_medium"
        order = _propose(
            worker,
            report.person,  # type: ignore[arg-type]
            trigger,
            report.arrival_date,
            f"arrivals.arrivalreport:{report.pk}",
        )
        if order is not None:
            taken.add(report.person_id)  # type: ignore[arg-type]
            found.append((order, states[i % len(states)]))
    tasks = (
        pushlist_selectors.tasks(scope=worker, show="all")
        .filter(outcome="found_at_home", person__isnull=False, verified_at__isnull=False)
        .order_by("verified_at", "id")[:8]
    )
    for i, task in enumerate(tasks):
        if task.person_id in taken or task.verified_at is None:
            continue
        order = _propose(
            worker,
            task.person,  # type: ignore[arg-type]
            "close_contact" if i % 2 == 0 else "secondary_contact",
            timezone.localdate(task.verified_at),
            f"pushlists.verificationtask:{task.pk}",
        )
        if order is not None:
            taken.add(task.person_id)  # type: ignore[arg-type]
            found.append((order, "active_tested" if i % 3 else "proposed"))
    return found


def _by_hand(worker: Scope, community: str, today: dt.date) -> list[tuple[ControlOrder, str]]:
    """Manual orders (7 days of home health monitoring) begun on past days, to show
    every later state: released, ended to hospital, due for release, in force."""
    plan = [
        (9, "released"),
        (10, "released"),
        (12, "released"),
        (14, "released"),
        (3, "hospital"),
        (8, "active_tested"),  # days served, test negative: due for release
        (9, "active"),
        (6, "active"),
        (5, "active"),
        (4, "active"),
        (2, "active"),
        (2, "active"),
        (1, "active"),
        (1, "active"),
        (0, "proposed"),
        (0, "proposed"),
        (1, "rejected"),
    ]
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
        .order_by("id")[: len(plan)]
    )
    found: list[tuple[ControlOrder, str]] = []
    for i, (person, (days_ago, state)) in enumerate(zip(people, plan, strict=False)):
        order = _propose(
            worker,
            person,
            "manual",
            today - dt.timedelta(days=days_ago),
            "",
            reason=MANUAL_REASONS[i % len(MANUAL_REASONS)],
        )
        if order is not None:
            found.append((order, state))
    return found


def _propose(
    worker: Scope,
    person: Person,
    trigger: str,
    day: dt.date,
    ref: str,
    *,
    reason: str = "",
) -> ControlOrder | None:
    try:
        with transaction.atomic():
            return services.order_propose(
                scope=worker,
                person=person,
                trigger=trigger,
                trigger_date=day,
                trigger_ref=ref,
                reason=reason,
            )
    except ApplicationError:
        return None


def _advance(worker: Scope, officer: Scope, order: ControlOrder, state: str, i: int) -> None:
    if state == "proposed":
        return
    if state == "rejected":
        services.order_reject(scope=officer, order=order, reason="流调依据不足，请补充材料")
        return
    order = services.order_approve(scope=officer, order=order)
    today = timezone.localdate()
    if state in ("active_tested", "released"):
        for test in OrderTest.objects.filter(order=order, due_on__lt=today).order_by("due_on"):
            services.test_record(scope=worker, test=test, result="negative")
    if state == "released":
        services.order_release(scope=officer, order=order, note="隔离期满，核酸阴性")
    elif state == "hospital":
        services.order_end(
            scope=officer,
            order=order,
            kind="hospital",
            reason="出现发热症状，闭环转运至定点医院",
        )
