"""The bare endpoint of the benchmark: parse the same JSON batch and insert it with one
statement into a plain table, nothing else (no authentication, no validation, no
idempotency). Mounted only when FANGKONG_BENCH_BARE=1 (the benchmark's own server)."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

TABLE = "bench_bare_scan"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (campaign_id integer, client_id varchar(40), "
    "kind varchar(10), tube varchar(40), code varchar(40), at timestamptz)"
)


@csrf_exempt
def bare_scans(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    scans = body["scans"]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(scans))
    params: list[Any] = []
    for s in scans:
        params += [
            body["campaign"],
            s["id"],
            s["kind"],
            s.get("tube", ""),
            s.get("code", ""),
            s["at"],
        ]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} VALUES {values}", params)
    return JsonResponse({"results": [{"id": s["id"], "status": "stored"} for s in scans]})
