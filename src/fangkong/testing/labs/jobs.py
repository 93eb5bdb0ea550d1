"""Results uploaded as a file: a background job with progress (core.exports'
run_import_job), the file kept for the error file of its rejected rows."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from fangkong.core import audit, exports
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.models import Job
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import SUPPORTED_EXTENSIONS

from ..models import Lab
from .importer import ResultsSummary, rejected_workbook, results_import
from .selectors import JOB_NAME


def uploads_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_enqueue(*, scope: Scope, lab: Lab, upload: UploadedFile) -> Job:
    scope.require(Perm.TESTING_RESULT, at=lab.jurisdiction_code)
    name = upload.name or "results.xlsx"
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise ApplicationError(_("This file type cannot be imported; save it as .xlsx or .csv."))
    limit = getattr(settings, "FANGKONG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    if not upload.size:
        raise ApplicationError(_("The file is empty."))
    if upload.size > limit:
        raise ApplicationError(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": limit // (1024 * 1024)}
        )
    with tempfile.NamedTemporaryFile(dir=uploads_dir(), suffix=suffix, delete=False) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.IMPORT,
            name=JOB_NAME,
            jurisdiction_code=lab.jurisdiction_code,
            created_by_id=scope.actor_id,
            input_file=tmp.name,
            output_name=name[:255],
            params={"lab": lab.pk, "perms": sorted(scope.perms), "actor_name": scope.actor_name},
        )
        audit.record(scope, "testing.results.uploaded", lab, data={"job": job.pk, "file": name})
        transaction.on_commit(lambda: run_import(job.pk))
    return job


def _work(job: Job, scope: Scope, progress: Callable[[int, int], None]) -> ResultsSummary:
    lab = Lab.objects.get(pk=job.params["lab"])
    return results_import(
        scope=scope,
        lab=lab,
        path=job.input_file,
        filename=job.output_name,
        job_id=job.pk,
        progress=progress,
    )


def run_import_job(job_id: int) -> None:
    exports.run_import_job(job_id, _work)


run_import = db_task(retries=0)(run_import_job)


def rejected_file(*, scope: Scope, job: Job) -> tuple[Path, str]:
    """The rejected rows of an upload, in the lab's layout, plus 错误原因."""
    if job.status != Job.Status.DONE or not job.result.get("rejected"):
        raise NotFound(_("This import has no rejected rows."))
    if not job.input_file or not Path(job.input_file).exists():
        raise NotFound(_("The uploaded file is no longer kept."))
    target = Path(job.input_file).with_suffix(".rejected.xlsx")
    if not target.exists():
        rejected_workbook(job.input_file, job.result, str(target), filename=job.output_name)
    with transaction.atomic():
        audit.record(
            scope,
            "testing.results.rejected_rows_downloaded",
            job,
            data={"rows": len(job.result["rejected"])},
        )
    return target, f"{Path(job.output_name).stem}-{_('rejected rows')}.xlsx"
