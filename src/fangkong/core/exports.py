"""List exports: every list page exports what it shows, with who and when in the file.

A module registers an `ExportSpec` per list. Small exports stream at once; large ones
run as a background job with progress and a download link. Every export, and every
download of a finished one, is audited. Values are masked unless the user reveals
them for the export, with a reason (itself audited).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from . import audit
from .errors import ApplicationError, PermissionDenied
from .models import Job
from .permissions import Perm
from .scope import Scope
from .spreadsheets import Column, write_xlsx


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: Callable[[], str]
    columns: Callable[[bool], list[Column]]
    # rows(scope, params, revealed) and count(scope, params) read through selectors.
    rows: Callable[[Scope, dict[str, Any], bool], Iterable[dict[str, Any]]]
    count: Callable[[Scope, dict[str, Any]], int]
    describe: Callable[[dict[str, Any]], str]
    reveal_perm: Perm = Perm.PERSON_REVEAL


_specs: dict[str, ExportSpec] = {}


def register(spec: ExportSpec) -> None:
    _specs[spec.name] = spec


def names() -> list[str]:
    return sorted(_specs)


def get_spec(name: str) -> ExportSpec:
    try:
        return _specs[name]
    except KeyError:
        raise ApplicationError(_("Unknown export.")) from None


def exports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check(scope: Scope, spec: ExportSpec, reveal: bool, reason: str) -> None:
    scope.require(Perm.EXPORT)
    if not scope.can_export:
        raise PermissionDenied(_("Your role cannot export data."))
    if reveal:
        scope.require(spec.reveal_perm)
        if len(reason.strip()) < 2:
            raise ApplicationError(_("Give the reason for exporting full identity numbers."))


def _filename(spec: ExportSpec) -> str:
    return f"{spec.title()}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"


def write(
    scope: Scope,
    spec: ExportSpec,
    params: dict[str, Any],
    reveal: bool,
    target: Any,
    progress: Callable[[int], None] | None = None,
) -> int:
    now = timezone.localtime()
    meta = [
        (_("Exported by"), scope.actor_name),
        (_("Exported at"), f"{now:%Y-%m-%d %H:%M:%S}"),
        (_("Filters"), spec.describe(params)),
        (_("Identity numbers and phones"), _("full (revealed)") if reveal else _("masked")),
    ]
    rows: Iterable[dict[str, Any]] = spec.rows(scope, params, reveal)
    if progress is not None:
        rows = _counting(rows, progress)
    return write_xlsx(
        target,
        sheet_name=spec.title()[:31],
        title=spec.title(),
        meta=meta,
        columns=spec.columns(reveal),
        rows=rows,
    )


def _counting(
    rows: Iterable[dict[str, Any]], progress: Callable[[int], None]
) -> Iterator[dict[str, Any]]:
    n = 0
    for row in rows:
        n += 1
        if n % 2000 == 0:
            progress(n)
        yield row
    progress(n)


@dataclass
class InlineExport:
    path: Path
    filename: str
    rows: int


def export_inline(
    *, scope: Scope, name: str, params: dict[str, Any], reveal: bool = False, reason: str = ""
) -> InlineExport:
    """Write a small export to a temporary file now; the caller streams it."""
    spec = get_spec(name)
    check(scope, spec, reveal, reason)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=exports_dir())
    os.close(fd)
    rows = write(scope, spec, params, reveal, tmp)
    with transaction.atomic():
        audit.record(
            scope,
            "export.downloaded",
            object_type="export",
            object_id=name,
            jurisdiction_code=scope.code,
            reason=reason,
            data={"params": params, "rows": rows, "revealed": reveal},
        )
    return InlineExport(Path(tmp), _filename(spec), rows)


def should_run_inline(*, scope: Scope, name: str, params: dict[str, Any]) -> bool:
    return get_spec(name).count(scope, params) <= settings.FANGKONG_EXPORT_INLINE_ROWS


def _set_done(job_id: int, done: int) -> None:
    Job.objects.filter(pk=job_id).update(done=done)


@transaction.atomic
def export_enqueue(
    *, scope: Scope, name: str, params: dict[str, Any], reveal: bool = False, reason: str = ""
) -> Job:
    spec = get_spec(name)
    check(scope, spec, reveal, reason)
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        name=name,
        jurisdiction_code=scope.code,
        created_by_id=scope.actor_id,
        total=spec.count(scope, params),
        params={
            "params": params,
            "reveal": reveal,
            "reason": reason,
            "perms": sorted(scope.perms),
            "actor_name": scope.actor_name,
        },
        output_name=_filename(spec),
    )
    audit.record(
        scope,
        "export.requested",
        job,
        reason=reason,
        data={"export": name, "params": params, "revealed": reveal},
    )
    transaction.on_commit(lambda: run_export(job.pk))
    return job


def job_scope(job: Job) -> Scope:
    """The scope a job runs with: its requester's, as it was when they asked."""
    return Scope(
        actor_id=job.created_by_id,
        actor_name=job.params.get("actor_name", "system"),
        code=job.jurisdiction_code,
        perms=frozenset(job.params.get("perms", [])),
    )


class ImportSummary(Protocol):
    def as_dict(self, *, masked: bool = False) -> dict[str, Any]: ...


def run_import_job(
    job_id: int,
    work: Callable[[Job, Scope, Callable[[int, int], None]], ImportSummary],
) -> None:
    """An import in the background (the registry's ledgers, push lists): the job runs,
    `work(job, scope, progress)` imports with progress, and the job keeps the masked
    summary; a refusal (ApplicationError) is the job's error, anything else too and is
    raised on for the log."""
    job = Job.objects.get(pk=job_id)
    scope = job_scope(job)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        summary = work(job, scope, progress)
    except ApplicationError as exc:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=exc.message, finished_at=timezone.now()
        )
        return
    except Exception:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error=_("The import failed unexpectedly; nothing was saved. Tell the administrator."),
        )
        raise
    result = summary.as_dict(masked=True)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        result=result,
        done=result["rows"],
        total=result["rows"],
        finished_at=timezone.now(),
    )


def run_export_job(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    spec = get_spec(job.name)
    scope = job_scope(job)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    path = exports_dir() / f"job-{job.pk}.xlsx"
    try:
        rows = write(
            scope,
            spec,
            job.params["params"],
            job.params["reveal"],
            str(path),
            progress=lambda n: _set_done(job.pk, n),
        )
    except Exception as exc:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        done=rows,
        total=rows,
        output_file=str(path),
        finished_at=timezone.now(),
        result={"rows": rows},
    )


run_export = db_task(retries=0)(run_export_job)
