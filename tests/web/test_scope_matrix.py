"""The scope matrix: every route, as every kind of user.

anonymous -> login (web) or 401 (API); the sibling jurisdiction -> 404 for objects and
nothing leaked in lists; in scope without the permission -> 403; in scope -> success;
the office above -> success. A denied request changes nothing. `test_route_coverage`
fails when a route is added without a line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.core.models import Job
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT, TOWN
from tests.web.matrix import Route, World, plugins
from tests.web.matrix import post as _post
from tests.world import build_world, fingerprint

MINE_MARKERS = ("金华小区", "张三")
OTHER_MARKERS = ("隔壁",)


def _token_of(user: User) -> int:
    """The API token the world gave the user (before the fingerprint is taken)."""
    from fangkong.accounts.models import ApiToken

    return ApiToken.objects.filter(user=user).values_list("pk", flat=True).get()


ROUTES: list[Route] = [
    Route("home", is_object=False, without_perm=None),
    Route("registry:tree", is_object=False, without_perm="no_role_user", ok=frozenset({302})),
    Route(
        "registry:jurisdiction", kwargs=lambda w: {"code": COMMUNITY}, without_perm="no_role_user"
    ),
    Route(
        "registry:grid_create",
        kwargs=lambda w: {"code": COMMUNITY},
        data=lambda w: {"name": "第九网格"},
        **_post(),
    ),
    Route(
        "registry:compound_create",
        kwargs=lambda w: {"code": COMMUNITY},
        data=lambda w: {"name": "新建小区", "kind": "compound"},
        **_post(),
    ),
    Route(
        "registry:jurisdiction_action",
        kwargs=lambda w: {"code": GRID, "action": "rename"},
        data=lambda w: {"name": "改名网格"},
        **_post(),
    ),
    Route(
        "registry:compound",
        kwargs=lambda w: {"pk": w.mine.compound.pk},
        without_perm="no_role_user",
    ),
    Route(
        "registry:building",
        kwargs=lambda w: {"pk": w.mine.building.pk},
        without_perm="no_role_user",
    ),
    Route("registry:unit", kwargs=lambda w: {"pk": w.mine.unit.pk}, without_perm="no_role_user"),
    Route(
        "registry:household",
        kwargs=lambda w: {"pk": w.mine.household.pk},
        without_perm="no_role_user",
    ),
    Route(
        "registry:person_create",
        kwargs=lambda w: {"pk": w.mine.household.pk},
        data=lambda w: {"name": "新来的", "phone": "13600001234"},
        **_post(),
    ),
    Route(
        "registry:place_add",
        kwargs=lambda w: {"kind": "compound", "pk": w.mine.compound.pk, "child": "building"},
        data=lambda w: {"name": "9"},
        **_post(),
    ),
    Route(
        "registry:place_action",
        kwargs=lambda w: {"kind": "building", "pk": w.mine.building.pk, "action": "rename"},
        data=lambda w: {"name": "7"},
        **_post(),
    ),
    Route("registry:persons", is_object=False, without_perm="no_role_user"),
    Route("registry:person_export", method="POST", is_object=False, without_perm="data_entry"),
    Route(
        "registry:person", kwargs=lambda w: {"pk": w.mine.person.pk}, without_perm="no_role_user"
    ),
    Route(
        "registry:person_reveal",
        kwargs=lambda w: {"pk": w.mine.person.pk},
        data=lambda w: {"field": "id_number", "reason": "核查推送名单"},
        method="POST",
        without_perm="data_entry",
        writes=True,
    ),
    Route(
        "registry:person_edit",
        kwargs=lambda w: {"pk": w.mine.person.pk},
        data=lambda w: {"name": "张三丰"},
        **_post(),
    ),
    Route(
        "registry:person_move",
        kwargs=lambda w: {"pk": w.mine.housemate.pk},
        data=lambda w: {"household": w.spare_household.pk, "reason": "搬到隔壁房间"},
        **_post(),
    ),
    Route(
        "registry:person_status",
        kwargs=lambda w: {"pk": w.mine.housemate.pk},
        data=lambda w: {"status": "moved_out", "reason": "搬到洛阳"},
        **_post(),
    ),
    Route("registry:import", is_object=False, without_perm="community_viewer"),
    Route(
        "registry:import_status",
        kwargs=lambda w: {"job_id": w.import_job.pk},
        without_perm="community_viewer",
        parent_ok=frozenset({404}),
    ),
    Route(
        "registry:import_rejected",
        kwargs=lambda w: {"job_id": w.import_job.pk},
        without_perm="community_viewer",
        parent_ok=frozenset({404}),
    ),
    Route(
        "core:audit",
        is_object=False,
        without_perm="community_worker",
        allowed="district_viewer",
        sibling="sibling_worker",
        parent=None,
    ),
    Route(
        "core:job",
        kwargs=lambda w: {"job_id": w.job.pk},
        without_perm=None,
        parent_ok=frozenset({404}),
    ),
    Route(
        "core:job_download",
        kwargs=lambda w: {"job_id": w.job.pk},
        without_perm=None,
        parent_ok=frozenset({404}),
        ok=frozenset({200}),
    ),
    Route("accounts:me", is_object=False, without_perm=None),
    Route("accounts:password_change", is_object=False, without_perm=None),
    Route("accounts:totp_setup", is_object=False, without_perm=None),
    Route(
        "accounts:token_revoke",
        kwargs=lambda w: {"token_id": _token_of(w.users["community_worker"])},
        method="POST",
        without_perm=None,  # anyone may end their own tokens, and only their own
        ok=frozenset({302}),
        parent_ok=frozenset({404}),
    ),
    Route("accounts:users", is_object=False, without_perm="data_entry"),
    Route(
        "accounts:user_create",
        is_object=False,
        without_perm="community_worker",
        allowed="subdistrict_officer",
        sibling="town_officer",
        parent="district_admin_nototp",
    ),
    Route(
        "accounts:user_totp_reset",
        kwargs=lambda w: {"user_id": w.users["community_viewer"].pk},
        data=lambda w: {"reason": "手机丢失"},
        method="POST",
        without_perm="community_worker",
        allowed="subdistrict_officer",
        sibling="town_officer",
        parent="district_admin_nototp",
        ok=frozenset({302}),
    ),
    Route(
        "accounts:user_edit",
        kwargs=lambda w: {"user_id": w.users["community_viewer"].pk},
        without_perm="community_worker",
        allowed="subdistrict_officer",
        sibling="town_officer",
        parent="district_admin_nototp",
    ),
]

# Reachable without logging in (and the reason).
PUBLIC = {
    "healthz": "health check for the load balancer",
    "set_language": "language switch",
    "accounts:login": "login",
    "accounts:login_totp": "second login step",
    "accounts:logout": "logout",
}

for _plugin in plugins():
    ROUTES += _plugin.ROUTES
    PUBLIC.update(getattr(_plugin, "PUBLIC", {}))

USERS = {
    "community_worker": ("community_worker", COMMUNITY),
    "community_viewer": ("community_viewer", COMMUNITY),
    "data_entry": ("data_entry", COMMUNITY),
    "sibling_worker": ("community_worker", SIBLING),
    "subdistrict_officer": ("subdistrict_officer", SUBDISTRICT),
    "town_officer": ("subdistrict_officer", TOWN),
    "district_viewer": ("district_viewer", DISTRICT),
    "district_admin_nototp": ("district_admin", DISTRICT),
}


@pytest.fixture
def world(
    tree: Any,
    make_user: Callable[..., User],
    system_scope: Scope,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> World:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()  # the matrix is about scope, not login
    settings.VAR_DIR = tmp_path
    mine, other = build_world(system_scope)
    users = {key: make_user(role, code, username=key) for key, (role, code) in USERS.items()}
    no_role = make_user("community_worker", COMMUNITY, username="no_role_user")
    User.objects.filter(pk=no_role.pk).update(role=None)
    users["no_role_user"] = no_role
    from fangkong.accounts.scopes import scope_for_user
    from fangkong.core import exports

    worker = User.objects.select_related("role").get(username="community_worker")
    from fangkong.accounts import services as account_services

    account_services.token_issue(user=worker, totp=None)
    worker_scope = scope_for_user(worker)
    assert worker_scope is not None
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_enqueue(
            scope=worker_scope, name="persons", params={"status": "active"}
        )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    with django_capture_on_commit_callbacks(execute=True):
        import_job = _import_job(worker_scope, tmp_path)
    import_job.refresh_from_db()
    assert import_job.status == Job.Status.DONE, import_job.error
    assert import_job.result["rejected"], "the fixture needs a rejected row"
    from fangkong.registry import services

    spare = services.household_create(
        scope=system_scope,
        compound=mine.compound,
        building=mine.building,
        unit=mine.unit,
        room="502",
    )
    world = World(mine, other, users, job, import_job, spare)
    for plugin in plugins():  # each module's objects, before any fingerprint is taken
        if hasattr(plugin, "extend"):
            plugin.extend(world, system_scope)
    return world


def _import_job(scope: Scope, tmp_path: Any) -> Job:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.registry import ledger_jobs

    content = "姓名,身份证号,现住址\n王小二,410106199001011234,金华小区3号楼2单元502室\n"
    upload = SimpleUploadedFile("ledger.csv", content.encode("utf-8"), "text/csv")
    return ledger_jobs.import_enqueue(scope=scope, community_code=COMMUNITY, upload=upload)


def _client(world: World, who: str | None) -> Client:
    client = Client()
    if who is not None:
        client.force_login(world.users[who])
    return client


def _call(client: Client, route: Route, world: World) -> Any:
    url = reverse(route.name, kwargs=route.kwargs(world))
    if route.method == "POST":
        return client.post(url, route.data(world))
    return client.get(url)


def _content(response: Any) -> str:
    """The text a user would see, including every cell of a downloaded workbook."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
        if body[:2] == b"PK":
            import io

            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
            return "\n".join(
                str(v)
                for ws in book
                for row in ws.iter_rows(values_only=True)
                for v in row
                if v is not None
            )
        return body.decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _applies(route: Route, who: str) -> bool:
    return not (
        (who == "without_perm" and route.without_perm is None)
        or (who == "parent" and route.parent is None)
    )


CASES = [
    (r, who)
    for r in ROUTES
    for who in ("anonymous", "sibling", "without_perm", "allowed", "parent")
    if _applies(r, who)
]


@pytest.mark.parametrize(("route", "who"), CASES, ids=[f"{r.name}-{w}" for r, w in CASES])
def test_scope_matrix(world: World, route: Route, who: str) -> None:
    before = fingerprint()
    if who == "anonymous":
        response = _call(_client(world, None), route, world)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert fingerprint() == before
        return
    if who == "sibling":
        response = _call(_client(world, route.sibling), route, world)
        if route.is_object:
            assert response.status_code == 404
            assert fingerprint() == before
        else:
            assert response.status_code in route.ok | {403}
        for marker in MINE_MARKERS:
            assert marker not in _content(response)
        return
    if who == "without_perm":
        assert route.without_perm is not None
        response = _call(_client(world, route.without_perm), route, world)
        assert response.status_code == 403
        assert fingerprint() == before
        return
    if who == "allowed":
        response = _call(_client(world, route.allowed), route, world)
        assert response.status_code in route.ok, _content(response)[:500]
    else:
        assert route.parent is not None
        response = _call(_client(world, route.parent), route, world)
        assert response.status_code in (route.parent_ok or route.ok), _content(response)[:500]
    if who == "allowed":
        for marker in OTHER_MARKERS:
            assert marker not in _content(response)
    if route.writes and response.status_code in route.ok:
        assert fingerprint() != before
