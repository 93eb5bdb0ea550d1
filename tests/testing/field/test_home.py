"""Door-to-door sampling: tasks for the bedridden and the still-unsampled, made
idempotently per place and team; closed one person at a time with the rules of each
outcome; retests from the lab in the same lists; another community's tasks are 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.testing.field import selectors, services
from fangkong.testing.models import Campaign, HomeTask
from tests.conftest import COMMUNITY

from .conftest import FWorld, result, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def c2(fw: FWorld) -> Campaign:
    """A second round, opened after 李梅 was found bedridden (is_frail)."""
    Person.objects.filter(pk=fw.tw.mine.housemate.pk).update(is_frail=True)
    Person.objects.filter(pk=fw.tw.other.housemate.pk).update(is_frail=True)
    return fw.tw.new_campaign(name="第二轮全员核酸检测")


def _tasks(campaign: Campaign) -> list[tuple[str, int, str, int | None]]:
    return list(
        HomeTask.objects.filter(campaign=campaign)
        .order_by("id")
        .values_list("reason", "person_id", "status", "team_id")
    )


def test_generation_is_idempotent_and_stays_in_its_place(fw: FWorld, c2: Campaign) -> None:
    tw, scope = fw.tw, fw.worker_scope
    exempt = ["exempt"]
    made = services.home_tasks_generate(scope=scope, campaign=c2, code=COMMUNITY, reasons=exempt)
    assert made == {"exempt": 1}
    assert _tasks(c2) == [("exempt", tw.mine.housemate.pk, "open", fw.team.pk)]
    again = services.home_tasks_generate(scope=scope, campaign=c2, code=COMMUNITY, reasons=exempt)
    assert again == {"exempt": 0}
    both = services.home_tasks_generate(
        scope=scope, campaign=c2, code=COMMUNITY, compound_id=tw.mine.compound.pk
    )
    assert both == {"exempt": 0, "unsampled": 1}
    assert _tasks(c2)[1] == ("unsampled", tw.mine.person.pk, "open", fw.team.pk)
    assert services.home_tasks_generate(scope=scope, campaign=c2, code=COMMUNITY) == {
        "exempt": 0,
        "unsampled": 0,
    }
    # Not found at home: another visit; refused: done for good.
    first = HomeTask.objects.get(campaign=c2, reason="unsampled")
    services.home_task_close(scope=scope, task=first, status="not_home", note="敲门无人")
    assert services.home_tasks_generate(
        scope=scope, campaign=c2, code=COMMUNITY, reasons=["unsampled"]
    ) == {"unsampled": 1}
    second = HomeTask.objects.get(campaign=c2, reason="unsampled", status="open")
    services.home_task_close(scope=scope, task=second, status="refused", note="拒绝采样")
    assert services.home_tasks_generate(
        scope=scope, campaign=c2, code=COMMUNITY, reasons=["unsampled"]
    ) == {"unsampled": 0}
    # Nobody of the sibling community, whatever the worker asks for.
    with pytest.raises(NotFound):
        services.home_tasks_generate(scope=scope, campaign=c2, code="410106001002")
    person_ids = {p for _r, p, _s, _t in _tasks(c2)}
    assert person_ids == {tw.mine.person.pk, tw.mine.housemate.pk}


def test_a_sampled_person_gets_no_task_and_a_building_is_a_place(fw: FWorld, c2: Campaign) -> None:
    tw = fw.tw
    sample(tw, "HT0001", [tw.mine.person.id_number], campaign=c2)
    made = services.home_tasks_generate(
        scope=fw.worker_scope,
        campaign=c2,
        code=COMMUNITY,
        building_id=tw.mine.building.pk,
        team=fw.team,
    )
    assert made == {"exempt": 1, "unsampled": 0}
    # The district office makes the sibling's tasks with the sibling's team.
    other = services.home_tasks_generate(
        scope=tw.officer_scope, campaign=c2, code="410106001002", team=fw.other_team
    )
    assert other == {"exempt": 1, "unsampled": 1}
    with pytest.raises(ApplicationError) as refused:
        services.home_tasks_generate(
            scope=tw.officer_scope, campaign=c2, code=COMMUNITY, team=fw.other_team
        )
    assert refused.value.errors[0].field == "team"
    counts = selectors.team_counts(scope=tw.officer_scope, campaign=c2)
    assert [(c.name, c.todo, c.done) for c in counts] == [
        ("中安街上门采样队", 1, 0),
        ("隔壁上门采样队", 2, 0),
    ]
    mine = selectors.team_counts(scope=fw.worker_scope, campaign=c2)
    assert [(c.name, c.todo, c.done) for c in mine] == [("中安街上门采样队", 1, 0)]


def test_closing_rules(fw: FWorld, c2: Campaign) -> None:
    tw, scope = fw.tw, fw.worker_scope
    services.home_tasks_generate(scope=scope, campaign=c2, code=COMMUNITY)
    bedridden = HomeTask.objects.get(campaign=c2, person_id=tw.mine.housemate.pk)
    unsampled = HomeTask.objects.get(campaign=c2, person_id=tw.mine.person.pk)
    with translation.override("en"), pytest.raises(ApplicationError) as no_sample:
        services.home_task_close(scope=scope, task=unsampled, status="sampled")
    assert no_sample.value.errors[0].field == "note"
    assert "sampling page" in no_sample.value.message
    for status in ("not_home", "refused", "moved"):
        with pytest.raises(ApplicationError) as no_note:
            services.home_task_close(scope=scope, task=unsampled, status=status, note=" ")
        assert no_note.value.errors[0].field == "note"
    with pytest.raises(ApplicationError):
        services.home_task_close(scope=scope, task=unsampled, status="open", note="x")
    assert HomeTask.objects.get(pk=unsampled.pk).status == "open"
    # Scanned on the sampling page: "sampled" needs no note.
    sample(tw, "HT0002", [tw.mine.person.id_number], campaign=c2)
    closed = services.home_task_close(scope=scope, task=unsampled, status="sampled")
    assert (closed.status, closed.closed_by_id, closed.closed_by_name) == (
        "sampled",
        fw.worker.pk,
        fw.worker_scope.actor_name,
    )
    assert closed.closed_at is not None
    with pytest.raises(Conflict):
        services.home_task_close(scope=scope, task=unsampled, status="moved", note="搬走")
    # No sample, but a note why: accepted.
    done = services.home_task_close(
        scope=scope, task=bedridden, status="sampled", note="扫码枪故障，纸质登记"
    )
    assert (done.status, done.note) == ("sampled", "扫码枪故障，纸质登记")
    # Without TESTING_SAMPLE (a viewer) a task is not closed; another community: 404.
    viewer = Scope.for_user(
        actor_id=fw.viewer.pk, actor_name="viewer", code=COMMUNITY, perms={"testing.view"}
    )
    open_task = HomeTask.objects.create(
        campaign=c2,
        person_id=tw.mine.person.pk,
        jurisdiction_code=tw.mine.person.jurisdiction_code,
        reason="unsampled",
        created_at=closed.closed_at,
    )
    with pytest.raises(PermissionDenied):
        services.home_task_close(scope=viewer, task=open_task, status="moved", note="x")
    with pytest.raises(NotFound):
        services.home_task_close(scope=fw.sibling_scope, task=open_task, status="moved", note="x")
    assert HomeTask.objects.get(pk=open_task.pk).status == "open"


def test_retest_tasks_need_a_new_sample_and_show_in_the_lists(fw: FWorld) -> None:
    tw = fw.tw
    sample(tw, "HT0003", [tw.mine.person.id_number])
    result(fw, "HT0003", "positive")
    task = HomeTask.objects.get(campaign=tw.campaign, person_id=tw.mine.person.pk)
    assert (task.reason, task.team_id, task.status) == ("retest", fw.team.pk, "open")
    with pytest.raises(ApplicationError):  # the pooled sample is older than the task
        services.home_task_close(scope=fw.worker_scope, task=task, status="sampled")
    client = fw.client(fw.worker)
    page = client.get(reverse("testing:field_home") + f"?campaign={tw.campaign.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-task="{task.pk}"' in html and 'data-flag="retest"' in html
    assert f'data-team="{fw.team.pk}"' in html
    answers = sample(tw, "HT0004", [tw.mine.person.id_number], repeat_reason="单管复核")
    assert answers[1].status == "stored"
    closed = services.home_task_close(scope=fw.worker_scope, task=task, status="sampled")
    assert closed.status == "sampled"


def test_pages_and_scope(fw: FWorld, c2: Campaign) -> None:
    tw = fw.tw
    client = fw.client(fw.worker)
    form = client.get(reverse("testing:field_home_generate"))
    assert form.status_code == 200
    response = client.post(
        reverse("testing:field_home_generate"),
        {"campaign": c2.pk, "place": f"c:{tw.mine.compound.pk}", "exempt": "on", "unsampled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _tasks(c2) == [
        ("exempt", tw.mine.housemate.pk, "open", fw.team.pk),
        ("unsampled", tw.mine.person.pk, "open", fw.team.pk),
    ]
    task = HomeTask.objects.get(campaign=c2, reason="exempt")
    listing = client.get(response["Location"]).content.decode()
    assert "李梅" in listing and "3号楼2单元501" in listing and "隔壁" not in listing
    page = client.get(reverse("testing:field_home_task", args=[task.pk]))
    assert page.status_code == 200 and 'id="close-form"' in page.content.decode()
    # Another community's worker: 404 everywhere, nothing changes.
    sibling = fw.client(fw.sibling)
    for name, method in (
        ("testing:field_home_task", "get"),
        ("testing:field_home_close", "post"),
        ("testing:field_home_assign", "post"),
    ):
        url = reverse(name, args=[task.pk])
        data = {"status": "moved", "note": "搬走", "team": fw.other_team.pk}
        answer = sibling.post(url, data) if method == "post" else sibling.get(url)
        assert answer.status_code == 404, name
    assert HomeTask.objects.get(pk=task.pk).status == "open"
    assert "李梅" not in sibling.get(reverse("testing:field_home")).content.decode()
    # The viewer reads, but may not close.
    viewer = fw.client(fw.viewer)
    assert viewer.get(reverse("testing:field_home")).status_code == 200
    denied = viewer.post(
        reverse("testing:field_home_close", args=[task.pk]), {"status": "moved", "note": "x"}
    )
    assert denied.status_code == 403
    closed = client.post(
        reverse("testing:field_home_close", args=[task.pk]),
        {"status": "not_home", "note": "敲门无人"},
    )
    assert closed.status_code == 302
    assert HomeTask.objects.get(pk=task.pk).status == "not_home"
    # The district office sees both communities' lists.
    district = fw.client(tw.officer).get(reverse("testing:field_home") + "?show=all")
    assert "李梅" in district.content.decode()
