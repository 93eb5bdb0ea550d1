"""Ledger imports as background jobs: the upload is kept, a job shows progress, and
the result page lists every rejected row with a download to fix and re-import.

Also the registry's export spec (the person list as a ledger).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
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
from .importer import ImportSummary, import_persons, rejected_workbook
from .models import Person

ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}


def uploads_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_enqueue(
    *, scope: Scope, community_code: str, upload: UploadedFile, dry_run: bool = False
) -> Job:
    scope.require(Perm.PERSON_IMPORT, at=community_code)
    name = upload.name or "ledger"
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ApplicationError(
            _("This file type cannot be imported; save the ledger as .xlsx, .xls or .csv.")
        )
    limit = settings.FANGKONG_IMPORT_MAX_BYTES
    if upload.size and upload.size > limit:
        raise ApplicationError(
            _("The file is larger than %(mb)d MB; split the ledger into smaller files.")
            % {"mb": limit // (1024 * 1024)}
        )
    if not upload.size:
        raise ApplicationError(_("The file is empty."))
    with tempfile.NamedTemporaryFile(dir=uploads_dir(), suffix=suffix, delete=False) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.IMPORT,
            name="persons",
            jurisdiction_code=community_code,
            created_by_id=scope.actor_id,
            input_file=tmp.name,
            output_name=name,
            params={
                "community": community_code,
                "dry_run": dry_run,
                "perms": sorted(scope.perms),
                "actor_name": scope.actor_name,
            },
        )
        transaction.on_commit(lambda: run_import(job.pk))
    return job


def run_import_job(job_id: int) -> None:
    """What the background task does: import with progress, keep the summary."""
    exports.run_import_job(job_id, _import)


def _import(job: Job, scope: Scope, progress: Callable[[int, int], None]) -> ImportSummary:
    return import_persons(
        scope=scope,
        community_code=job.params["community"],
        path=job.input_file,
        filename=job.output_name,
        dry_run=job.params.get("dry_run", False),
        progress=progress,
    )


run_import = db_task(retries=0)(run_import_job)


def import_get(*, scope: Scope, pk: int) -> Job:
    scope.require(Perm.PERSON_IMPORT)
    return get_or_404(
        Job.objects.within(scope).filter(kind=Job.Kind.IMPORT, created_by_id=scope.actor_id),
        pk=pk,
    )


def recent_imports(*, scope: Scope) -> QuerySet[Job]:
    return (
        Job.objects.within(scope)
        .filter(kind=Job.Kind.IMPORT, created_by_id=scope.actor_id)
        .order_by("-id")[:10]
    )


def rejected_file(*, scope: Scope, job: Job) -> tuple[Path, str]:
    """The rejected rows of an import, in the user's own layout, plus 错误原因."""
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
    audit.record(
        scope,
        "registry.persons.rejected_rows_downloaded",
        object_type="job",
        object_id=str(job.pk),
        jurisdiction_code=job.jurisdiction_code,
        data={"rows": len(job.result["rejected"])},
    )
    stem = Path(job.output_name).stem
    return target, f"{stem}-{_('rejected rows')}.xlsx"


# --- The person list as an export ----------------------------------------------------


def filters_to_params(f: selectors.PersonFilters) -> dict[str, Any]:
    return {
        "q": f.query,
        "jurisdiction": f.jurisdiction,
        "compound": f.compound_id,
        "group": f.vulnerability,
        "verify": f.needs_verification,
        "status": f.status,
    }


def params_to_filters(params: dict[str, Any]) -> selectors.PersonFilters:
    return selectors.PersonFilters(
        query=params.get("q") or "",
        jurisdiction=params.get("jurisdiction") or "",
        compound_id=params.get("compound"),
        vulnerability=params.get("group") or "",
        needs_verification=bool(params.get("verify")),
        status=params.get("status") or "",
    )


def _columns(revealed: bool) -> list[Column]:
    """The office's own column names (the importer reads them back)."""
    return [
        Column("name", pgettext("ledger column", "Name"), 10, "text"),
        Column("sex", pgettext("ledger column", "Sex"), 6, "text"),
        Column(
            "id_number",
            pgettext("ledger column", "Identity number")
            if revealed
            else pgettext("ledger column", "Identity number (masked)"),
            22,
            "text",
        ),
        Column("birth_date", pgettext("ledger column", "Birth date"), 12, "date"),
        Column(
            "phone",
            pgettext("ledger column", "Phone")
            if revealed
            else pgettext("ledger column", "Phone (masked)"),
            16,
            "text",
        ),
        Column("ethnicity", pgettext("ledger column", "Ethnic group"), 8, "text"),
        Column("address", pgettext("ledger column", "Current address"), 36, "text"),
        Column("relation_to_head", pgettext("ledger column", "Relation to head"), 10, "text"),
        Column("category", pgettext("ledger column", "Category"), 12, "text"),
        Column("groups", pgettext("ledger column", "Special groups"), 20, "text"),
        Column("community", pgettext("ledger column", "Community"), 14, "text"),
        Column("remarks", pgettext("ledger column", "Remarks"), 20, "text"),
    ]


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    people = selectors.person_list(scope=scope, filters=params_to_filters(params))
    communities = selectors.community_names(scope=scope)
    sexes = dict(Person.Sex.choices)
    categories = dict(Person.Category.choices)
    for p in people.iterator(chunk_size=2000):
        yield {
            "name": p.name,
            "sex": str(sexes.get(p.sex, "")),
            "id_number": (p.id_number or "") if revealed else mask_id_number(p.id_number),
            "birth_date": p.birth_date,
            "phone": p.phone if revealed else mask_phone(p.phone),
            "ethnicity": p.ethnicity,
            "address": p.address,
            "relation_to_head": p.relation_to_head,
            "category": str(categories.get(p.category, "")),
            "groups": "、".join(p.vulnerabilities),
            "community": communities.get(p.community_code, p.community_code),
            "remarks": p.remarks,
        }


def _count(scope: Scope, params: dict[str, Any]) -> int:
    return selectors.person_list(scope=scope, filters=params_to_filters(params)).count()


exports.register(
    ExportSpec(
        name="persons",
        title=lambda: _("Residents"),
        columns=_columns,
        rows=_rows,
        count=_count,
        describe=lambda params: params_to_filters(params).describe(),
    )
)
