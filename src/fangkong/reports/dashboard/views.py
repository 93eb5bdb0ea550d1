"""The command dashboard's pages: the dashboard, the wall screen (大屏) and the JSON
the wall screen refreshes itself from every minute."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from fangkong.core.permissions import Perm
from fangkong.core.web import int_param, scope_of, scoped

from ..selectors import report_code
from . import selectors

REFRESH_SECONDS = 60
# The wall screen's ranking: the jurisdictions with the most overdue work.
WALL_RANK_ROWS = 10


def _args(request: HttpRequest) -> tuple[str, int]:
    scope = scope_of(request)
    scope.require(Perm.REPORT_VIEW)
    code = request.GET.get("code", "").strip()[:15] or report_code(scope)
    days = request.GET.get("days", "")
    return code, int_param(days) or selectors.TREND_DAYS[0]


@scoped
def dashboard(request: HttpRequest) -> HttpResponse:
    code, days = _args(request)
    data = selectors.dashboard_data(scope_of(request), code, days=days)
    return render(
        request,
        "reports/dashboard/dashboard.html",
        {"data": data, "trend_days": selectors.TREND_DAYS, "json": data.as_json()},
    )


@scoped
def dashboard_wall(request: HttpRequest) -> HttpResponse:
    code, days = _args(request)
    data = selectors.dashboard_data(scope_of(request), code, days=days)
    # ?refresh=N seconds (2 to 600): a wall that wants it faster or slower.
    asked = int_param(request.GET.get("refresh", ""))
    refresh = min(max(asked, 2), 600) if asked is not None else REFRESH_SECONDS
    return render(
        request,
        "reports/dashboard/wall.html",
        {
            "data": data,
            "json": data.as_json(),
            "refresh": refresh,
            "ranking": data.ranking[:WALL_RANK_ROWS],
            "rank_rows": WALL_RANK_ROWS,
        },
    )


@scoped
def dashboard_json(request: HttpRequest) -> JsonResponse:
    code, days = _args(request)
    data = selectors.dashboard_data(scope_of(request), code, days=days)
    return JsonResponse(data.as_json(), json_dumps_params={"ensure_ascii": False})
