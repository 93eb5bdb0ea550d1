"""The reports API: `GET /api/v1/reports/daily?jurisdiction=CODE&date=YYYY-MM-DD`.

The latest version of the jurisdiction's report of the day (status, version, figures)
with its children's figures as added up into it; before the report is prepared, the
live figures with version 0 and status "draft". `additive` names the figures that add
up: for each of them the jurisdiction's figure equals the sum of its children's.
Outside the caller's scope the jurisdiction does not exist (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from . import sections, selectors

router = Router(tags=["reports"])


class DailyQuery(Schema):
    jurisdiction: str = ""
    date: dt.date | None = Field(None, description="The day (YYYY-MM-DD); today by default")


class ChildOut(Schema):
    jurisdiction: str
    name: str
    direct: bool = Field(False, description="The rows attached to the parent itself")
    status: str
    figures: dict[str, float | None]


class DailyOut(Schema):
    jurisdiction: str
    name: str
    date: dt.date
    status: str
    version: int
    figures: dict[str, float | None]
    additive: list[str]
    children: list[ChildOut]


@router.get(
    "/daily",
    response=DailyOut,
    summary="A jurisdiction's daily report of a day, with its children's figures",
)
def daily(request: HttpRequest, params: Query[DailyQuery]) -> dict[str, Any]:
    scope = request.scope  # type: ignore[attr-defined]
    code = params.jurisdiction.strip() or selectors.report_code(scope)
    day = params.date or timezone.localdate()
    if day > timezone.localdate():
        raise HttpError(400, _("The day is in the future."))
    if day < selectors.FIRST_DAY:
        raise HttpError(400, _("The day is before %(day)s.") % {"day": selectors.FIRST_DAY})
    view = selectors.report_view(scope=scope, code=code, day=day)
    report = view.report
    keys = set(view.figures) | {k for c in view.children for k in c.figures}
    return {
        "jurisdiction": view.node.code,
        "name": view.node.name,
        "date": day,
        "status": report.status if report is not None else "draft",
        "version": report.version if report is not None else 0,
        "figures": view.figures,
        "additive": sorted(k for k in keys if sections.is_additive(k)),
        "children": [
            {
                "jurisdiction": c.code,
                "name": c.name,
                "direct": c.direct,
                "status": c.status,
                "figures": c.figures,
            }
            for c in view.children
        ],
    }
