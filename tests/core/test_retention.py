"""Uploaded ledgers and export files do not pile up: deleted after the retention period."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.core.models import Job
from fangkong.core.retention import purge_files
from fangkong.core.tasks import purge_old_files

NOW = timezone.now()


def _file(folder: Path, name: str, age_days: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"personal data")
    stamp = (NOW - dt.timedelta(days=age_days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def var(settings: Any, tmp_path: Path, db: Any) -> Path:
    settings.VAR_DIR = tmp_path
    settings.FANGKONG_FILE_RETENTION_DAYS = 7
    return tmp_path


def _job(finished_days_ago: float | None, **files: Path) -> Job:
    return Job.objects.create(
        kind=Job.Kind.IMPORT,
        name="persons",
        jurisdiction_code="410106001001",
        status=Job.Status.PENDING if finished_days_ago is None else Job.Status.DONE,
        finished_at=None
        if finished_days_ago is None
        else NOW - dt.timedelta(days=finished_days_ago),
        **{key: str(path) for key, path in files.items()},
    )


def test_old_files_go_recent_and_running_ones_stay(var: Path) -> None:
    uploads, exports = var / "uploads", var / "exports"
    old_upload = _file(uploads, "old.xlsx", 9)
    old_rejected = _file(uploads, "old.rejected.xlsx", 9)
    old = _job(8, input_file=old_upload)
    recent_upload = _file(uploads, "recent.xlsx", 2)
    recent = _job(2, input_file=recent_upload)
    running_upload = _file(uploads, "running.xlsx", 30)  # an old file of a job still running
    _job(None, input_file=running_upload)
    old_export = _file(exports, "job-9.xlsx", 10)
    export_job = _job(9, output_file=old_export)
    stray_old, stray_new = _file(exports, "tmp1.xlsx", 8), _file(exports, "tmp2.xlsx", 1)

    purged = purge_files(now=NOW)

    assert (purged.jobs, purged.files) == (2, 4)
    gone = [old_upload, old_rejected, old_export, stray_old]
    kept = [recent_upload, running_upload, stray_new]
    assert [p.exists() for p in gone + kept] == [False] * 4 + [True] * 3
    old.refresh_from_db()
    export_job.refresh_from_db()
    recent.refresh_from_db()
    assert (old.input_file, export_job.output_file, recent.input_file) == (
        "",
        "",
        str(recent_upload),
    )
    assert old.status == Job.Status.DONE  # the job and its summary stay


def test_the_command_and_the_nightly_task(var: Path) -> None:
    first = _file(var / "uploads", "a.xlsx", 3)
    _job(3, input_file=first)
    purge_old_files.call_local()  # 7 days: too young
    assert first.exists()
    call_command("purge_files", days=1)
    assert not first.exists()
