"""Push-list imports as background jobs (the upload is kept, the job shows progress, the
result page lists every rejected row with a download to fix and import again into the
same list), and the export of a list's results back to its sender.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from huey.contrib.djhuey import db_task

from fangkong.core import audit, exports
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.exports import ExportSpec
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.models import Job
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404
from fangkong.core.spreadsheets import Column

from . import selectors
from .importer import NewList, PushSummary, import_push_list, rejected_workbook
from .models import PushList, PushListEntry, VerificationTask

ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
JOB_NAME = "pushlist"


def uploads_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_enqueue(
    *,
    scope: Scope,
    upload: UploadedFile,
    new_list: NewList | None = None,
    push_list: PushList | None = None,
) -> Job:
    """Keep the upload and start the import: into `push_list`, or into a new list of the
    account's district (or the list this very file went into before)."""
    district = push_list.jurisdiction_code if push_list is not None else scope.code[:6]
    scope.require(Perm.PUSHLIST_MANAGE, at=district)
    if push_list is None and new_list is None:
        raise ApplicationError(_("Name the list the file belongs to."))
    name = upload.name or "list"
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ApplicationError(
            _("This file type cannot be imported; save the list as .xlsx, .xls or .csv.")
        )
    limit = settings.FANGKONG_IMPORT_MAX_BYTES
    if upload.size and upload.size > limit:
        raise ApplicationError(
            _("The file is larger than %(mb)d MB; split the list into smaller files.")
            % {"mb": limit // (1024 * 1024)}
        )
    if not upload.size:
        raise ApplicationError(_("The file is empty."))
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=uploads_dir(), suffix=suffix, delete=False) as tmp:
        for chunk in upload.chunks():
            digest.update(chunk)
            tmp.write(chunk)
    params: dict[str, Any] = {
        "district": district,
        "list": push_list.pk if push_list is not None else None,
        "sha256": digest.hexdigest(),
        "perms": sorted(scope.perms),
        "actor_name": scope.actor_name,
    }
    if new_list is not None:
        params["new_list"] = {
            "name": new_list.name,
            "source": new_list.source,
            "received_at": (new_list.received_at or timezone.now()).isoformat(),
            "deadline_hours": new_list.deadline_hours,
            "note": new_list.note,
        }
    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.IMPORT,
            name=JOB_NAME,
            jurisdiction_code=district,
            created_by_id=scope.actor_id,
            input_file=tmp.name,
            output_name=name,
            params=params,
        )
        transaction.on_commit(lambda: run_import(job.pk))
    return job


def run_import_job(job_id: int) -> None:
    """What the background task does: import with progress, keep the summary."""
    exports.run_import_job(job_id, _import)


def _import(job: Job, scope: Scope, progress: Callable[[int, int], None]) -> PushSummary:
    spec = job.params.get("new_list")
    new_list = (
        NewList(
            name=spec["name"],
            source=spec["source"],
            received_at=dt.datetime.fromisoformat(spec["received_at"]),
            deadline_hours=spec["deadline_hours"],
            note=spec["note"],
        )
        if spec
        else None
    )
    return import_push_list(
        scope=scope,
        district_code=job.params["district"],
        path=job.input_file,
        filename=job.output_name,
        new_list=new_list,
        push_list_id=job.params.get("list"),
        sha256=job.params.get("sha256"),
        progress=progress,
    )


run_import = db_task(retries=0)(run_import_job)


def import_get(*, scope: Scope, pk: int) -> Job:
    """A push-list import of the district, for whoever manages its lists."""
    job = get_or_404(Job.objects.within(scope).filter(kind=Job.Kind.IMPORT, name=JOB_NAME), pk=pk)
    scope.require(Perm.PUSHLIST_MANAGE, at=job.jurisdiction_code)
    return job


def rejected_file(*, scope: Scope, job: Job) -> tuple[Path, str]:
    """The rejected rows of an import, in the sender's own layout, plus 错误原因."""
    if job.status != Job.Status.DONE or not job.result.get("rejected"):
        raise NotFound(_("This import has no rejected rows."))
    if not job.input_file or not Path(job.input_file).exists():
        days = settings.FANGKONG_FILE_RETENTION_DAYS
        raise NotFound(
            ngettext(
                "The uploaded file is no longer kept (files are kept %(days)d day).",
                "The uploaded file is no longer kept (files are kept %(days)d days).",
                days,
            )
            % {"days": days}
        )
    target = Path(job.input_file).with_suffix(".rejected.xlsx")
    if not target.exists():
        rejected_workbook(job.input_file, job.result, str(target), filename=job.output_name)
    with transaction.atomic():
        audit.record(
            scope,
            "pushlists.list.rejected_rows_downloaded",
            object_type="job",
            object_id=str(job.pk),
            jurisdiction_code=job.jurisdiction_code,
            data={"rows": len(job.result["rejected"])},
        )
    stem = Path(job.output_name).stem
    return target, f"{stem}-{_('rejected rows')}.xlsx"


# --- The results, back to the sender ------------------------------------------------------


def _result_columns(revealed: bool) -> list[Column]:
    """The sender's own columns first, then what became of each row."""
    return [
        Column("row", pgettext("ledger column", "Row in the list"), 8, "number"),
        Column("name", pgettext("ledger column", "Name"), 10, "text"),
        Column(
            "id_number",
            pgettext("ledger column", "Identity number")
            if revealed
            else pgettext("ledger column", "Identity number (masked)"),
            22,
            "text",
        ),
        Column(
            "phone",
            pgettext("ledger column", "Phone")
            if revealed
            else pgettext("ledger column", "Phone (masked)"),
            16,
            "text",
        ),
        Column("source", pgettext("ledger column", "Source"), 14, "text"),
        Column("reason", pgettext("ledger column", "Reason"), 24, "text"),
        Column("address", pgettext("ledger column", "Address"), 30, "text"),
        Column("extra", pgettext("ledger column", "Other information"), 24, "text"),
        Column("match", pgettext("ledger column", "Match"), 10, "text"),
        Column("community", pgettext("ledger column", "Responsible community"), 14, "text"),
        Column("status", pgettext("ledger column", "Status"), 12, "text"),
        Column("outcome", pgettext("ledger column", "Result of the check"), 12, "text"),
        Column("where", pgettext("ledger column", "Where the person is"), 20, "text"),
        Column("measure", pgettext("ledger column", "Measure taken"), 16, "text"),
        Column("checked_by", pgettext("ledger column", "Checked by"), 10, "text"),
        Column("checked_at", pgettext("ledger column", "Checked at"), 17, "datetime"),
        Column("remarks", pgettext("ledger column", "Remarks"), 24, "text"),
    ]


def entry_status(entry: PushListEntry, now: dt.datetime) -> str:
    """Where an entry stands, in the words of the list page."""
    task = entry.task
    if entry.returned_at is not None:
        return _("Returned to sender")
    if task is None:
        return _("Waiting for the district")
    if task.status == VerificationTask.Status.OPEN and task.deadline < now:
        return _("Overdue")
    return str(task.get_status_display())


def _result_rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    push_list = selectors.push_list_get(scope=scope, pk=int(params["list"]))
    names = {
        j.code: j.name for j in selectors.district_communities(code=push_list.jurisdiction_code)
    }
    matches = dict(PushListEntry.MatchStatus.choices)
    outcomes = dict(VerificationTask.Outcome.choices)
    measures = dict(VerificationTask.Measure.choices)
    now = timezone.now()
    entries = selectors.list_entries(scope=scope, push_list=push_list)
    for e in entries.iterator(chunk_size=2000):
        task = e.task
        id_value = e.id_number or e.id_raw
        phone_value = e.phone or e.phone_raw
        extra = "；".join(f"{k}：{v}" for k, v in (e.extra or {}).items())
        if e.returned_at:
            remarks = e.return_reason
        else:
            remarks = (task.close_reason or task.note) if task else ""
        yield {
            "row": e.row_no,
            "name": e.name,
            "id_number": id_value if revealed else mask_id_number(id_value),
            "phone": phone_value if revealed else mask_phone(phone_value),
            "source": e.source,
            "reason": e.reason,
            "address": e.address,
            "extra": extra,
            "match": str(matches.get(e.match_status, e.match_status)),
            "community": names.get(task.community_code, task.community_code) if task else "",
            "status": entry_status(e, now),
            "outcome": str(outcomes.get(task.outcome, "")) if task and task.outcome else "",
            "where": task.where_text if task else "",
            "measure": str(measures.get(task.measure, "")) if task and task.measure else "",
            "checked_by": task.verified_by_name if task else "",
            "checked_at": task.verified_at if task else None,
            "remarks": remarks,
        }


def _result_count(scope: Scope, params: dict[str, Any]) -> int:
    push_list = selectors.push_list_get(scope=scope, pk=int(params["list"]))
    return selectors.list_entries(scope=scope, push_list=push_list).count()


def _describe(params: dict[str, Any]) -> str:
    return _("push list %(name)s (#%(id)s)") % {
        "name": params.get("name", ""),
        "id": params.get("list"),
    }


exports.register(
    ExportSpec(
        name="pushlist_results",
        title=lambda: _("Push list results"),
        columns=_result_columns,
        rows=_result_rows,
        count=_result_count,
        describe=_describe,
    )
)
