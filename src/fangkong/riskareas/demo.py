"""The demo district's risk-area list: a few areas in force around today, one lifted
(called by `fangkong demo` after the registry's part; nothing happens when the
district's list already has demo entries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from fangkong.core import regions
from fangkong.core.scope import Scope

from . import services
from .models import RiskArea

# (region code, level, starts this many days ago, lifted this many days ago or None)
AREAS: tuple[tuple[str, str, int, int | None], ...] = (
    ("420102", "high", 20, None),  # 湖北省武汉市江岸区
    ("310115", "medium", 12, None),  # 上海市浦东新区
    ("4401", "medium", 8, None),  # 广东省广州市
    ("410103", "medium", 5, None),  # 河南省郑州市二七区
    ("110105", "medium", 40, 10),  # 北京市朝阳区, lifted ten days ago
)


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    scope = Scope.system(reason="demo data", code=district)
    if RiskArea.objects.within_code(district).filter(source=RiskArea.Source.DEMO).exists():
        say("Risk areas: the demo list is there already")
        return
    today = timezone.localdate()
    with transaction.atomic():
        for code, level, started, lifted in AREAS:
            region = regions.get(code)
            assert region is not None, code
            data = services.AreaInput(
                region=region,
                level=level,
                effective_from=today - dt.timedelta(days=started),
                note="演示数据",
            )
            area = services.area_add(
                scope=scope, district=district, data=data, source=RiskArea.Source.DEMO
            )
            if lifted is not None:
                services.area_end(
                    scope=scope,
                    area=area,
                    on=today - dt.timedelta(days=lifted),
                    note="演示数据：已解除",
                    source=RiskArea.Source.DEMO,
                )
    say(f"Risk areas: {len(AREAS)} areas ({sum(1 for a in AREAS if a[3])} lifted)")
