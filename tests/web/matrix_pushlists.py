"""The push lists' part of the scope matrix (tests/web/matrix.py).

The world gets two lists imported by the district through the real import job: one about
our side (张三 matched by identity number -> a task in our community; 王芳 at 金华小区,
two of that name there -> ambiguous; 钱七 by an unknown phone -> unmatched; a row with
nothing usable -> rejected) and one about the sibling (王五 by identity number -> a task
in the sibling community). Lists, imports and the queue belong to the district: the
sibling community gets 404 for them, the district viewer (no PUSHLIST_MANAGE) 403.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.core.scope import Scope
from fangkong.pushlists import jobs
from fangkong.pushlists.importer import NewList
from fangkong.pushlists.models import PushList, PushListEntry
from fangkong.registry import services as registry_services
from tests.conftest import COMMUNITY, SIBLING
from tests.web.matrix import Route, World, post
from tests.world import ID_WANG, ID_ZHANG

MINE_LIST = (
    "姓名,身份证号,手机号,推送来源,推送原因,现住址\n"
    f"张三,{ID_ZHANG},,通信大数据,近14天武汉漫游,\n"
    "王芳,,,铁路,同车厢,金华小区\n"
    "钱七,,13700000000,民航,同航班,\n"
    ",41010619900101123,,民航,同航班,某地\n"
)
OTHER_LIST = f"姓名,身份证号,推送原因\n王五,{ID_WANG},近14天武汉漫游\n"


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")


def _import(scope: Scope, name: str, text: str, list_name: str) -> Any:
    job = jobs.import_enqueue(
        scope=scope, upload=_upload(name, text), new_list=NewList(name=list_name, source="市指挥部")
    )
    jobs.run_import_job(job.pk)  # in the test's transaction: on_commit never fires
    job.refresh_from_db()
    assert job.status == "done", job.error
    return job


def extend(world: World, system_scope: Scope) -> None:
    admin = User.objects.select_related("role").get(username="district_admin_nototp")
    admin_scope = scope_for_user(admin)
    assert admin_scope is not None
    wang_fang = [
        registry_services.person_create(scope=system_scope, household=household, name="王芳")
        for household in (world.mine.household, world.spare_household)
    ]
    job = _import(admin_scope, "协查名单.csv", MINE_LIST, "协查名单（测试）")
    other_job = _import(admin_scope, "外区.csv", OTHER_LIST, "外区协查")
    assert job.result["rejected"], "the world needs a rejected row"
    push_list = PushList.objects.get(pk=job.result["push_list"])
    rows = {e.row_no: e for e in PushListEntry.objects.filter(push_list=push_list)}
    matched, ambiguous, unmatched = rows[2], rows[3], rows[4]
    assert matched.task is not None and matched.task.jurisdiction_code == COMMUNITY
    assert ambiguous.match_status == "ambiguous" and unmatched.match_status == "unmatched"
    other_entry = PushListEntry.objects.get(push_list_id=other_job.result["push_list"])
    assert other_entry.task is not None and other_entry.task.jurisdiction_code == SIBLING
    world.extra["pushlists"] = SimpleNamespace(
        job=job,
        push_list=push_list,
        matched=matched,
        ambiguous=ambiguous,
        unmatched=unmatched,
        task=matched.task,
        wang_fang=wang_fang,
    )


def _pl(w: World) -> Any:
    return w.extra["pushlists"]


_DISTRICT = {"allowed": "district_admin_nototp", "parent": None, "sibling": "sibling_worker"}
_DISTRICT_VIEW = {"allowed": "district_viewer", "parent": None, "sibling": "sibling_worker"}


def _new_list_data(w: World) -> dict[str, Any]:
    return {
        "name": "第二批",
        "source": "省指挥部",
        "received_at": "2026-03-01T08:00",
        "deadline_hours": "24",
        "file": _upload("第二批.csv", OTHER_LIST),
    }


ROUTES: list[Route] = [
    Route("pushlists:lists", is_object=False, without_perm="no_role_user", **_DISTRICT_VIEW),
    Route("pushlists:list_new", is_object=False, without_perm="district_viewer", **_DISTRICT),
    Route(
        "pushlists:list_new",
        method="POST",
        data=_new_list_data,
        is_object=False,
        without_perm="district_viewer",
        ok=frozenset({302}),
        **_DISTRICT,  # enqueues a job: the import itself runs after commit
    ),
    Route(
        "pushlists:import_status",
        kwargs=lambda w: {"job_id": _pl(w).job.pk},
        without_perm="district_viewer",
        **_DISTRICT,
    ),
    Route(
        "pushlists:import_rejected",
        kwargs=lambda w: {"job_id": _pl(w).job.pk},
        without_perm="district_viewer",
        **_DISTRICT,
    ),
    Route(
        "pushlists:list",
        kwargs=lambda w: {"pk": _pl(w).push_list.pk},
        without_perm="no_role_user",
        **_DISTRICT_VIEW,
    ),
    Route(
        "pushlists:list_import",
        kwargs=lambda w: {"pk": _pl(w).push_list.pk},
        data=lambda w: {"file": _upload("补充.csv", OTHER_LIST)},
        method="POST",
        ok=frozenset({302}),
        without_perm="district_viewer",
        **_DISTRICT,
    ),
    Route(
        "pushlists:list_export",
        kwargs=lambda w: {"pk": _pl(w).push_list.pk},
        method="POST",
        without_perm="no_role_user",
        writes=True,
        **_DISTRICT_VIEW,
    ),
    Route("pushlists:queue", is_object=False, without_perm="district_viewer", **_DISTRICT),
    Route(
        "pushlists:entry",
        kwargs=lambda w: {"pk": _pl(w).ambiguous.pk},
        without_perm="no_role_user",
        **_DISTRICT,
    ),
    Route(
        "pushlists:entry_decide",
        kwargs=lambda w: {"pk": _pl(w).ambiguous.pk},
        data=lambda w: {"person": _pl(w).wang_fang[0].pk},
        without_perm="district_viewer",
        **post(**_DISTRICT),
    ),
    Route(
        "pushlists:entry_assign",
        kwargs=lambda w: {"pk": _pl(w).unmatched.pk},
        data=lambda w: {"to": COMMUNITY},
        without_perm="district_viewer",
        **post(**_DISTRICT),
    ),
    Route(
        "pushlists:entry_return",
        kwargs=lambda w: {"pk": _pl(w).unmatched.pk},
        data=lambda w: {"reason": "非本区人员"},
        without_perm="district_viewer",
        **post(**_DISTRICT),
    ),
    Route(
        "pushlists:entry_reveal",
        kwargs=lambda w: {"pk": _pl(w).matched.pk},
        data=lambda w: {"field": "id_number", "reason": "电话核实"},
        method="POST",
        without_perm="community_viewer",
        writes=True,
    ),
    Route("pushlists:tasks", is_object=False, without_perm="no_role_user"),
    Route("pushlists:task", kwargs=lambda w: {"pk": _pl(w).task.pk}, without_perm="no_role_user"),
    Route(
        "pushlists:task_record",
        kwargs=lambda w: {"pk": _pl(w).task.pk},
        data=lambda w: {"outcome": "found_at_home", "measure": "health_monitoring"},
        without_perm="community_viewer",
        **post(),
    ),
    Route(
        "pushlists:task_reroute",
        kwargs=lambda w: {"pk": _pl(w).task.pk},
        data=lambda w: {"to": SIBLING, "reason": "住在安阳路"},
        without_perm="community_worker",
        **post(
            allowed="subdistrict_officer", sibling="town_officer", parent="district_admin_nototp"
        ),
    ),
    Route(
        "pushlists:task_close",
        kwargs=lambda w: {"pk": _pl(w).task.pk},
        data=lambda w: {"reason": "已在外地隔离"},
        without_perm="community_worker",
        **post(
            allowed="subdistrict_officer", sibling="town_officer", parent="district_admin_nototp"
        ),
    ),
    Route("pushlists:supervision", is_object=False, without_perm="no_role_user"),
]
