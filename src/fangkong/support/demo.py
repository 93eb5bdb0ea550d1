"""The help requests' part of the demo district (`fangkong demo`).

A few requests in the demo community (中安街社区) and in the other demo community
(金昌社区): new ones asked by residents on their status page and one recorded by staff
from a phone call, one being handled by the community worker, some done with a note
of what was done, one withdrawn. Loaded once: a community that has requests is left
alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from fangkong.accounts.management.commands.demo_accounts import demo_places, demo_scope
from fangkong.core.scope import Scope
from fangkong.registry.models import Person

from . import services
from .models import ServiceRequest

# (kind, text, what becomes of it, the note of what was done)
COMMUNITY_REQUESTS = (
    ("medicine", "降压药（硝苯地平缓释片）快吃完了，想请社区帮忙买两盒。", "new", ""),
    ("groceries", "家里两位老人，需要大米一袋、挂面、青菜和鸡蛋。", "new", ""),
    ("other", "电话求助：孩子网课需要打印作业，家里没有打印机。", "staff", ""),
    ("doctor", "老人膝盖疼了三天，想请社区医生上门看看。", "taken", ""),
    ("groceries", "代购蔬菜、鸡蛋和一桶食用油。", "done", "已代购送到门口，居民电话确认收到。"),
    ("medicine", "胰岛素笔芯两支（诺和锐）。", "done", "已到社区卫生服务中心取药并送达。"),
    ("groceries", "想买一箱牛奶。", "withdrawn", ""),
)
TOWN_REQUESTS = (
    ("medicine", "孩子发烧，家里退烧药用完了。", "done", "已送布洛芬混悬液一瓶，嘱测体温。"),
    ("groceries", "需要面粉和蔬菜。", "new", ""),
)


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    places = demo_places(district)
    system = Scope.system(reason="demo data", code=district)
    made = 0
    with transaction.atomic():
        for place, worker, requests in (
            ("community", "community_worker", COMMUNITY_REQUESTS),
            ("town_community", "community_worker2", TOWN_REQUESTS),
        ):
            code = places.get(place)
            if not code:
                continue
            if ServiceRequest.objects.within(system).within_code(code).exists():
                continue
            made += _load_community(system, code, demo_scope(worker), requests)
    if made:
        say(f"Help requests: {made} in the demo communities.")
    else:
        say("Help requests: the demo requests are there already.")


def _load_community(
    system: Scope,
    code: str,
    worker: Scope | None,
    requests: tuple[tuple[str, str, str, str], ...],
) -> int:
    people = list(
        Person.objects.within(system)
        .within_code(code)
        .filter(status=Person.Status.ACTIVE)
        .exclude(phone="")
        .order_by("id")[: len(requests)]
    )
    staff = worker or Scope.system(reason="demo data", code=code)
    for person, (kind, text, outcome, note) in zip(people, requests, strict=False):
        if outcome == "staff":
            services.request_record(scope=staff, person=person, kind=kind, text=text)
            continue
        item = services.request_submit(person=person, kind=kind, text=text)
        if outcome == "taken":
            services.request_take(scope=staff, request=item)
        elif outcome == "done":
            services.request_take(scope=staff, request=item)
            services.request_done(scope=staff, request=item, note=note)
        elif outcome == "withdrawn":
            services.request_withdraw(person=person, request=item)
    return min(len(people), len(requests))
