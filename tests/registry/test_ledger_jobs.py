"""Ledger imports as background jobs: what is kept of a result, and what is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from fangkong.core.models import AuditEntry, Job
from fangkong.core.scope import Scope
from fangkong.registry import ledger_jobs

COMMUNITY = "410106001001"
BAD_ID = "410106199001011234"  # wrong check digit


@pytest.fixture
def job(
    tree: Any,
    make_user: Any,
    scope_of: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> Job:
    settings.VAR_DIR = tmp_path
    user = make_user("community_worker", COMMUNITY)
    scope: Scope = scope_of(user)
    content = f"姓名,身份证号,联系电话\n王小二,{BAD_ID},13800000001\n李四,,138-0000\n"
    upload = SimpleUploadedFile("ledger.csv", content.encode("utf-8"), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):  # the task runs (huey immediate)
        job = ledger_jobs.import_enqueue(scope=scope, community_code=COMMUNITY, upload=upload)
    job.refresh_from_db()
    job.scope = scope  # type: ignore[attr-defined]
    return job


def test_the_kept_result_masks_identity_numbers_and_phones(job: Job) -> None:
    assert job.status == Job.Status.DONE
    values = [(e["row"], e["column"], e["value"]) for e in job.result["rejected"]]
    values += [(e["row"], e["column"], e["value"]) for e in job.result["warnings"]]
    assert values == [(2, "身份证号", "4101**********1234"), (3, "联系电话", "****0000")]


def test_downloading_the_rejected_rows_is_audited(job: Job) -> None:
    before = AuditEntry.objects.count()
    path, _name = ledger_jobs.rejected_file(scope=job.scope, job=job)  # type: ignore[attr-defined]
    assert path.exists()
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id, entry.data) == (
        "registry.persons.rejected_rows_downloaded",
        str(job.pk),
        {"rows": 1},
    )


def test_after_the_retention_period_the_rejected_rows_are_gone_with_a_reason(job: Job) -> None:
    from fangkong.core.errors import NotFound
    from fangkong.core.retention import purge_files

    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=30))
    purge_files()
    job.refresh_from_db()
    with pytest.raises(NotFound, match="7"), translation.override("en"):
        ledger_jobs.rejected_file(scope=job.scope, job=job)  # type: ignore[attr-defined]
