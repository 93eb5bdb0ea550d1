"""Results uploaded as .xlsx and .csv (a background job; row-by-row reasons; an error
file in the lab's layout), and boxes received (idempotent; late ones flagged)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import Job
from fangkong.testing.labs import jobs
from fangkong.testing.models import Coverage, LabResult, Target, TransportBox, Tube
from tests.conftest import COMMUNITY

from .conftest import LabWorld, make_pool, post_results, row

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某某医学检验所核酸检测结果"])
    sheet.append(["样本编号", "检测结果", "检测时间", "Ct值"])
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(lw: LabWorld, capture: Any, name: str, content: bytes) -> Job:
    upload = SimpleUploadedFile(name, content)
    with capture(execute=True):
        job = jobs.import_enqueue(scope=lw.tw.officer_scope, lab=lw.lab, upload=upload)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    return job


def test_an_xlsx_with_bad_rows(
    lw: LabWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    make_pool(lw, "X1001", ["张三", "李梅"])
    make_pool(lw, "X1002", ["隔壁王五"])
    at = timezone.localtime().replace(tzinfo=None, second=0, microsecond=0)
    content = _xlsx(
        [
            ["X1001", "阴性", at, "38.2"],
            ["X1002", "阳性", at.strftime("%Y-%m-%d %H:%M"), "ORF1ab 27"],
            ["X9999", "阴性", at, None],
            ["X1001", "弱阳", at, None],
            ["X 1003", "阴性", at, None],
            ["X1002", "阴性", "昨天下午", None],
        ]
    )
    job = _upload(lw, django_capture_on_commit_callbacks, "结果.xlsx", content)
    summary = job.result
    assert (summary["rows"], summary["stored"], summary["unmatched"], summary["duplicate"]) == (
        6,
        2,
        1,
        0,
    )
    assert [(r["row"], r["column"], r["value"]) for r in summary["rejected"]] == [
        (6, "检测结果", "弱阳"),
        (7, "样本编号", "X 1003"),
        (8, "检测时间", "昨天下午"),
    ]
    assert Tube.objects.get(barcode="X1001").result == "negative"
    assert Tube.objects.get(barcode="X1002").result == "positive"
    assert Target.objects.get(person=lw.tw.other.person).locked is True
    assert LabResult.objects.get(barcode="X1002").ct_values == "ORF1ab 27"
    # The same file again stores nothing twice.
    again = _upload(lw, django_capture_on_commit_callbacks, "结果.xlsx", content)
    assert (again.result["stored"], again.result["duplicate"]) == (0, 3)
    assert LabResult.objects.count() == 3
    # The error file: the lab's own columns plus the reason, the bad rows only.
    client.force_login(lw.tw.officer)
    response = client.get(reverse("testing:labs_import_rejected", args=[job.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [[c for c in r if c is not None] for r in book.active.iter_rows(values_only=True)]
    header = next(r for r in values if "样本编号" in r)
    assert header[:4] == ["样本编号", "检测结果", "检测时间", "Ct值"]
    body = values[values.index(header) + 1 :]
    assert [r[0] for r in body] == ["X1001", "X 1003", "X1002"]
    assert body[0][-1].startswith("检测结果")
    status = client.get(reverse("testing:labs_import_status", args=[job.pk]))
    assert 'data-summary="stored">2<' in status.content.decode()


def test_a_csv_without_test_times(lw: LabWorld, django_capture_on_commit_callbacks: Any) -> None:
    make_pool(lw, "C1001", ["张三"])
    content = "管码,结果\nC1001,阴性\nC1002,无效\n,阴性\n".encode("gb18030")
    job = _upload(lw, django_capture_on_commit_callbacks, "results.csv", content)
    assert (job.result["stored"], job.result["unmatched"]) == (1, 1)
    assert [(r["row"], r["column"]) for r in job.result["rejected"]] == [(4, "管码")]
    assert LabResult.objects.get(barcode="C1001").key == "C1001"
    coverage = Coverage.objects.get(campaign=lw.tw.campaign, building_id=lw.tw.mine.building.pk)
    assert coverage.resulted == 1


def test_a_file_that_is_not_a_table_fails_the_job(
    lw: LabWorld, django_capture_on_commit_callbacks: Any
) -> None:
    upload = SimpleUploadedFile("results.csv", "只有一行字\n".encode())
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.import_enqueue(scope=lw.tw.officer_scope, lab=lw.lab, upload=upload)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error
    assert not LabResult.objects.exists()


def _receive(client: Client, token: str, box: str) -> Any:
    response = client.post(
        "/api/v1/testing/boxes/receive",
        {"box": box},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_box_received_twice_is_one_receipt(lw: LabWorld, client: Client) -> None:
    make_pool(lw, "B1001", ["张三"], box="BOX-01", handover=False)
    make_pool(lw, "B1002", ["李梅"], box="BOX-01")
    first = _receive(client, lw.token, "box-01")
    assert first == {
        "box": "BOX-01",
        "status": "received",
        "code": "",
        "message": "",
        "late": False,
        "tubes": 2,
    }
    box = TransportBox.objects.get(barcode="BOX-01")
    assert (box.status, box.lab_id) == (TransportBox.Status.RECEIVED, lw.lab.pk)
    assert set(Tube.objects.filter(box=box).values_list("status", flat=True)) == {"received"}
    received_at = box.received_at
    second = _receive(client, lw.token, "BOX-01")
    assert (second["status"], second["tubes"]) == ("duplicate", 2)
    box.refresh_from_db()
    assert box.received_at == received_at
    assert _receive(client, lw.token, "NO-SUCH-BOX")["code"] == "unknown_box"
    response = client.post(
        "/api/v1/testing/boxes/receive",
        {"box": "BOX-01"},
        content_type="application/json",
        headers={"authorization": f"Bearer {lw.tw.token}"},
    )
    assert response.status_code == 401


def test_a_late_box_is_flagged_on_receipt_and_in_the_list(lw: LabWorld, client: Client) -> None:
    handed = timezone.now() - dt.timedelta(hours=5)  # the campaign allows 4
    make_pool(lw, "B2001", ["张三"], box="BOX-LATE", handed_at=handed)
    make_pool(lw, "B2002", ["李梅"], box="BOX-ONTIME")
    late = _receive(client, lw.token, "BOX-LATE")
    assert (late["status"], late["late"], late["code"]) == ("received", True, "late")
    assert _receive(client, lw.token, "BOX-ONTIME")["late"] is False
    client.force_login(lw.tw.officer)
    page = client.get(reverse("testing:labs_receive")).content.decode()
    late_row = page.split('data-box="BOX-LATE"')[1].split("</tr>")[0]
    ontime_row = page.split('data-box="BOX-ONTIME"')[1].split("</tr>")[0]
    assert "data-late" in late_row
    assert "data-late" not in ontime_row
    # Received through the page by scanning: the same receipt.
    response = client.post(reverse("testing:labs_receive"), {"lab": lw.lab.pk, "box": "BOX-LATE"})
    assert 'data-status="duplicate"' in response.content.decode()


def _at_once(jobs_: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(jobs_))
    results: list[Any] = [None] * len(jobs_)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = jobs_[i]()
        except BaseException as exc:  # every outcome is checked below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs_))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_results_from_two_clients_at_once_are_stored_once(
    lw: LabWorld, _sqlite_audit_flushable: Any
) -> None:
    make_pool(lw, "P1001", ["张三", "李梅"])
    batch = [row("P1001", "阴性", key="RUN-1"), row("P9999", "阴性", key="RUN-2")]

    def send() -> Any:
        return post_results(Client(), lw.token, batch)

    # On SQLite one writer at a time: the two arrive one after the other.
    at_once = connection.vendor == "postgresql"
    results = _at_once([send, send]) if at_once else [send(), send()]
    statuses = sorted(tuple(r["status"] for r in body["results"]) for body in results)
    assert statuses == [("duplicate", "duplicate"), ("stored", "unmatched")]
    assert LabResult.objects.count() == 2
    coverage = Coverage.objects.get(campaign=lw.tw.campaign, jurisdiction_code=COMMUNITY)
    assert coverage.resulted == 2
