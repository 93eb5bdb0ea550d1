"""How long uploaded ledgers and export files are kept.

Uploads hold whole communities' personal data and exports may hold it unmasked; neither
may pile up on the server. Files of finished jobs are deleted after
FANGKONG_FILE_RETENTION_DAYS (7 by default; the job and its summary stay, the download
links end with a clear message), and so are stray files in the two folders (an export
whose streaming was cut off) of that age. A nightly task runs it; `fangkong purge_files`
runs it by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Job

FOLDERS = ("uploads", "exports")


@dataclass
class Purged:
    jobs: int = 0
    files: int = 0


def purge_files(*, days: int | None = None, now: dt.datetime | None = None) -> Purged:
    keep = settings.FANGKONG_FILE_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep)
    purged = Purged()
    finished = Job.objects.filter(finished_at__lt=cutoff).exclude(input_file="", output_file="")
    for job in finished.iterator():
        for name in (job.input_file, job.output_file):
            if name:
                purged.files += _unlink(Path(name))
                purged.files += _unlink(Path(name).with_suffix(".rejected.xlsx"))
        Job.objects.filter(pk=job.pk).update(input_file="", output_file="")
        purged.jobs += 1
    in_use = {
        Path(name)
        for pair in Job.objects.filter(finished_at__isnull=True).values_list(
            "input_file", "output_file"
        )
        for name in pair
        if name
    }
    for folder in FOLDERS:
        root = Path(settings.VAR_DIR) / folder
        if not root.is_dir():
            continue
        for path in root.iterdir():
            if path in in_use or path.with_suffix("") in in_use or not path.is_file():
                continue
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
            if modified < cutoff:
                purged.files += _unlink(path)
    return purged


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return 1
