"""`fangkong bench sampling` at a tiny size: it serves the application with gunicorn,
drives it with locust, kills the server while the devices retry, and counts: nothing
acknowledged is lost, nothing is stored twice, the counters agree with the samples."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fangkong.registry.demo import demo_load
from fangkong.testing.models import Campaign, Sample, ScanReceipt

DISTRICT = "410106"
ARGS = [
    "bench", "sampling", "--persons", "3000", "--devices", "2", "--duration", "4",
    "--bare-duration", "3", "--single-devices", "5", "--single-duration", "3",
    "--fault-duration", "8", "--kills", "1", "--workers", "2",
]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_loses_and_doubles_nothing(
    settings: Any, tmp_path: Any, _sqlite_audit_flushable: Any
) -> None:
    settings.VAR_DIR = tmp_path
    demo_load(persons=3000, seed=1, district=DISTRICT)
    out = io.StringIO()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command(*ARGS, stdout=out)
        return
    call_command(*ARGS, stdout=out)
    result = json.loads(out.getvalue())
    assert result["bench"] == "sampling"
    campaign = Campaign.objects.get()
    assert result["persons"] == campaign.target_count + campaign.exempt_count
    assert result["kills"] == 1
    assert (result["lost"], result["duplicated"], result["rejected"]) == (0, 0, 0)
    assert result["counters_ok"] is True
    stored = ScanReceipt.objects.exclude(outcome="rejected").count()
    assert result["stored"] == stored
    assert result["acknowledged"] <= stored and result["acknowledged"] > 0
    assert Sample.objects.count() > 0
    for key in ("api_scans_per_s", "bare_scans_per_s", "copy_rows_per_s", "single_p99_ms"):
        assert result[key] > 0, key
    assert 0 < result["ratio"] < 1
