from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.core.models import AuditEntry, Job
from fangkong.core.scope import Scope
from fangkong.registry.selectors import PersonFilters
from tests.conftest import COMMUNITY
from tests.world import ID_ZHANG, build_world


@pytest.fixture
def world(tree: Any, system_scope: Scope, settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    return build_world(system_scope)


def _cells(response: Any) -> list[list[Any]]:
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def _flat(rows: list[list[Any]]) -> str:
    return "\n".join(str(c) for row in rows for c in row if c is not None)


def test_export_holds_what_the_list_shows_masked(
    world: Any, make_user: Callable[..., User]
) -> None:
    user = make_user("community_worker", COMMUNITY, username="worker1")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("registry:person_export") + "?q=zs")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _cells(response)
    text = _flat(rows)
    assert "worker1" in text  # who
    described = PersonFilters(query="zs", status="active").describe()
    assert described in text  # the filters applied
    assert "张三" in text and "李梅" not in text  # only what the list shows
    assert ID_ZHANG not in text and "4101**********123X" in text
    assert "138****5678" in text
    entry = AuditEntry.objects.filter(action="export.downloaded").latest("id")
    assert (entry.actor_name, entry.data["rows"], entry.data["revealed"]) == ("worker1", 1, False)


def test_revealed_export_needs_a_reason(world: Any, make_user: Callable[..., User]) -> None:
    user = make_user("community_worker", COMMUNITY, username="worker2")
    client = Client()
    client.force_login(user)
    refused = client.post(reverse("registry:person_export") + "?q=zs", {"reveal": "on"})
    assert refused.status_code == 302  # back to the list with a message
    assert AuditEntry.objects.filter(action="export.downloaded").count() == 0
    response = client.post(
        reverse("registry:person_export") + "?q=zs", {"reveal": "on", "reason": "报送疾控中心"}
    )
    text = _flat(_cells(response))
    assert ID_ZHANG in text and "13812345678" in text
    entry = AuditEntry.objects.get(action="export.downloaded")
    assert (entry.reason, entry.data["revealed"]) == ("报送疾控中心", True)


def test_data_entry_cannot_export(world: Any, make_user: Callable[..., User]) -> None:
    client = Client()
    client.force_login(make_user("data_entry", COMMUNITY))
    assert client.post(reverse("registry:person_export")).status_code == 403
    assert AuditEntry.objects.filter(action__startswith="export").count() == 0


def test_large_exports_run_in_the_background(
    world: Any,
    make_user: Callable[..., User],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    user = make_user("community_worker", COMMUNITY, username="worker3")
    client = Client()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:person_export"))
    job = Job.objects.get(kind=Job.Kind.EXPORT)
    assert response["Location"] == reverse("core:job", kwargs={"job_id": job.pk})
    assert (job.status, job.total, job.done, job.percent) == (Job.Status.DONE, 2, 2, 100)
    page = client.get(response["Location"])
    assert reverse("core:job_download", kwargs={"job_id": job.pk}) in page.content.decode()
    download = client.get(reverse("core:job_download", kwargs={"job_id": job.pk}))
    text = _flat(_cells(download))
    assert "张三" in text and "李梅" in text and "隔壁" not in text
    assert list(
        AuditEntry.objects.filter(action__startswith="export")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["export.requested", "export.downloaded"]
