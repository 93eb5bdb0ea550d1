"""Imports as background jobs (progress, the kept result, the rejected rows back) and
the results exported for the sender."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.core import exports
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry, Job
from fangkong.core.scope import Scope
from fangkong.pushlists import jobs, services
from fangkong.pushlists.importer import NewList
from fangkong.pushlists.models import PushList, PushListEntry, VerificationTask
from tests.world import ID_WANG, ID_ZHANG

from .conftest import ID_GRID, People, Push
from .lists import HEADER, row

pytestmark = pytest.mark.usefixtures("english")
Scopes = dict[str, Scope]
CSV = (
    "协查名单（第5批）\n姓名,身份证号,手机号,推送原因,漫游地\n"
    f"张三,{ID_ZHANG},,近14天武汉漫游,湖北武汉\n"
    ",41010619900101123,,同航班,\n"
    "钱七,,13700000000 / 13700000001,同车厢,\n"
)


def _run(scope: Scope, settings: Any, tmp_path: Path, **kwargs: Any) -> Job:
    settings.VAR_DIR = tmp_path
    upload = SimpleUploadedFile("第5批.csv", CSV.encode("utf-8"), "text/csv")
    job = jobs.import_enqueue(scope=scope, upload=upload, **kwargs)
    jobs.run_import_job(job.pk)
    job.refresh_from_db()
    return job


def test_an_import_job_keeps_a_masked_result_and_its_rejected_rows(
    people: People, scopes: Scopes, settings: Any, tmp_path: Path
) -> None:
    job = _run(
        scopes["admin"], settings, tmp_path, new_list=NewList(name="第5批", deadline_hours=12)
    )
    assert (job.status, job.done, job.total, job.name) == ("done", 3, 3, "pushlist")
    result = job.result
    assert result["rejected"] == [
        {
            "row": 4,
            "column": "身份证号",
            "value": "4101*********1123",
            "reason": "An identity number has 18 characters: 17 digits and a digit or X.",
        }
    ]
    assert (result["created"], result["matched"]["id_number"], result["unmatched"]) == (2, 1, 1)
    push_list = PushList.objects.get(pk=result["push_list"])
    assert (push_list.name, push_list.deadline_hours, push_list.created_by_id) == (
        "第5批",
        12,
        scopes["admin"].actor_id,
    )
    qian = PushListEntry.objects.get(push_list=push_list, name="钱七")
    assert qian.phone == "13700000000"  # the first of two phones
    path, filename = jobs.rejected_file(scope=scopes["admin"], job=job)
    assert filename == "第5批-rejected rows.xlsx"
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    values = [[c for c in r if c is not None] for r in sheet.iter_rows(values_only=True)]
    assert values[-2] == [
        "姓名",
        "身份证号",
        "手机号",
        "推送原因",
        "漫游地",
        "Reason for rejection",
    ]
    assert values[-1] == [
        "41010619900101123",
        "同航班",
        "身份证号：An identity number has 18 characters: 17 digits and a digit or X.",
    ]
    assert AuditEntry.objects.order_by("-id")[0].action == "pushlists.list.rejected_rows_downloaded"


def test_import_jobs_belong_to_the_districts_list_managers(
    people: People, scopes: Scopes, settings: Any, tmp_path: Path
) -> None:
    job = _run(scopes["admin"], settings, tmp_path, new_list=NewList(name="第5批"))
    assert jobs.import_get(scope=scopes["admin"], pk=job.pk) == job
    with pytest.raises(PermissionDenied):
        jobs.import_get(scope=scopes["viewer"], pk=job.pk)
    with pytest.raises(NotFound):
        jobs.import_get(scope=scopes["worker"], pk=job.pk)


def test_more_rows_go_into_the_same_list(
    people: People, push: Push, scopes: Scopes, settings: Any, tmp_path: Path
) -> None:
    first = push([row("刘洋", ID_GRID)])
    push_list = PushList.objects.get(pk=first.push_list_id)
    job = _run(scopes["admin"], settings, tmp_path, push_list=push_list)
    assert job.result["push_list"] == push_list.pk
    assert PushList.objects.count() == 1
    assert push_list.entries.count() == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "list.pdf",
            b"%PDF",
            "This file type cannot be imported; save the list as .xlsx, .xls or .csv.",
        ),
        ("list.csv", b"", "The file is empty."),
    ],
)
def test_uploads_that_cannot_be_lists(
    people: People,
    scopes: Scopes,
    settings: Any,
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    settings.VAR_DIR = tmp_path
    with pytest.raises(ApplicationError) as refused:
        jobs.import_enqueue(
            scope=scopes["admin"],
            upload=SimpleUploadedFile(name, content),
            new_list=NewList(name="x"),
        )
    assert refused.value.message == message
    assert Job.objects.count() == 0


def test_an_unreadable_file_fails_the_job_with_the_reason(
    people: People, scopes: Scopes, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    upload = SimpleUploadedFile("list.xlsx", b"<html><body>not a workbook</body></html>")
    job = jobs.import_enqueue(scope=scopes["admin"], upload=upload, new_list=NewList(name="x"))
    jobs.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("This .xlsx file is really a web page")
    assert PushList.objects.count() == 0


# --- The results, back to the sender --------------------------------------------------------


def _sheet(result: exports.InlineExport) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(result.path).active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_results_go_back_to_the_sender(
    people: People, push: Push, scopes: Scopes, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    now = timezone.now()
    summary = push(
        [
            row("张三", ID_ZHANG, "", "通信大数据", "近14天武汉漫游"),
            row("隔壁王五", ID_WANG, "13787654321", "铁路", "同车厢"),
            row("钱七", "", "13700000000", "民航", "同航班"),
            row("赵四", "", "13700000001", "民航", "同航班"),
        ],
        header=HEADER,
        received_at=now - dt.timedelta(hours=30),
    )
    zhang = VerificationTask.objects.get(person=people.zhang)
    services.task_record(
        scope=scopes["worker"], task=zhang, outcome="found_at_home", measure="health_monitoring"
    )
    zhao = PushListEntry.objects.get(push_list_id=summary.push_list_id, name="赵四")
    services.entry_return(scope=scopes["admin"], entry=zhao, reason="非本区人员")
    params = {"list": summary.push_list_id, "name": "协查名单"}
    masked = exports.export_inline(scope=scopes["viewer"], name="pushlist_results", params=params)
    rows = _sheet(masked)
    header = rows[5]
    assert header == [
        "Row in the list",
        "Name",
        "Identity number (masked)",
        "Phone (masked)",
        "Source",
        "Reason",
        "Address",
        "Other information",
        "Match",
        "Responsible community",
        "Status",
        "Result of the check",
        "Where the person is",
        "Measure taken",
        "Checked by",
        "Checked at",
        "Remarks",
    ]
    zhang.refresh_from_db()
    assert zhang.verified_at is not None
    checked_at = timezone.localtime(zhang.verified_at)
    assert rows[6][:15] == [
        2,
        "张三",
        "4101**********123X",
        None,
        "通信大数据",
        "近14天武汉漫游",
        None,
        None,
        "Matched",
        "中安街社区",
        "Closed",
        "Found at home",
        None,
        "Health monitoring at home",
        "worker人",
    ]
    # Excel keeps milliseconds.
    assert abs(rows[6][15] - checked_at.replace(tzinfo=None)) < dt.timedelta(milliseconds=1)
    assert rows[7][:12] == [
        3,
        "隔壁王五",
        "4101**********4516",
        "137****4321",
        "铁路",
        "同车厢",
        None,
        None,
        "Matched",
        "安阳路社区",
        "Overdue",
        None,
    ]
    assert rows[8][8:11] == ["Not matched", None, "Waiting for the district"]
    assert (rows[9][10], rows[9][16]) == ("Returned to sender", "非本区人员")
    assert len(rows) == 10
    assert rows[4][0] == "Identity numbers and phones：masked"
    full = exports.export_inline(
        scope=scopes["admin"],
        name="pushlist_results",
        params=params,
        reveal=True,
        reason="回传省指挥部",
    )
    full_rows = _sheet(full)
    assert full_rows[5][2:4] == ["Identity number", "Phone"]
    assert full_rows[7][2:4] == [ID_WANG, "13787654321"]
    audit = AuditEntry.objects.order_by("-id")[0]
    assert (audit.action, audit.reason, audit.data["revealed"], audit.data["rows"]) == (
        "export.downloaded",
        "回传省指挥部",
        True,
        4,
    )
    with pytest.raises(PermissionDenied):
        exports.export_inline(
            scope=scopes["viewer"],
            name="pushlist_results",
            params=params,
            reveal=True,
            reason="x x",
        )
    with pytest.raises(NotFound):
        exports.export_inline(scope=scopes["worker"], name="pushlist_results", params=params)
