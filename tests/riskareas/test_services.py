"""Writes on the risk-area list: add, change, lift; history is never lost; every write is
permission-checked, audited, announced to the district's staff and heard by listeners."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from fangkong.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry, StaffNotice
from fangkong.core.scope import Scope
from fangkong.riskareas import selectors, services
from fangkong.riskareas.models import RiskArea
from tests.conftest import DISTRICT

from .conftest import OTHER_DISTRICT, add, area_input

D = dt.date
POSTGRES = connection.vendor == "postgresql"


def _rows() -> list[tuple[Any, ...]]:
    return list(
        RiskArea.objects.order_by("id").values_list(
            "region_code", "level", "effective_from", "effective_until", "superseded_at"
        )
    )


def _current() -> list[tuple[Any, ...]]:
    return list(
        RiskArea.objects.filter(superseded_at__isnull=True)
        .order_by("effective_from", "id")
        .values_list("region_code", "level", "effective_from", "effective_until")
    )


def test_add_writes_the_row_audits_and_tells_the_district(admin: Scope, heard: Any) -> None:
    area = add(admin, "420102", "high", D(2022, 5, 1), note="  全域  封控 ")
    assert (
        area.jurisdiction_code,
        area.region_code,
        area.region_name,
        area.level,
        area.effective_from,
        area.effective_until,
        area.note,
        area.source,
        area.created_by_id,
        area.superseded_at,
    ) == (
        DISTRICT,
        "420102",
        "湖北省武汉市江岸区",
        "high",
        D(2022, 5, 1),
        None,
        "全域 封控",
        "form",
        admin.actor_id,
        None,
    )
    entry = AuditEntry.objects.get(action="riskareas.area.added")
    assert (entry.object_id, entry.jurisdiction_code, entry.actor_id) == (
        str(area.pk),
        DISTRICT,
        admin.actor_id,
    )
    assert entry.data == {
        "region": "420102",
        "level": "high",
        "from": "2022-05-01",
        "until": None,
        "superseded": [],
    }
    notice = StaffNotice.objects.get()
    assert (notice.jurisdiction_code, notice.source, notice.link, notice.created_by_id) == (
        DISTRICT,
        "riskareas",
        "/riskareas/",
        admin.actor_id,
    )
    with translation.override(settings.LANGUAGE_CODE):  # notices are in the site's language
        assert notice.title == gettext("The risk areas have changed")
    assert "湖北省武汉市江岸区" in notice.body and "2022-05-01" in notice.body
    assert heard == [(DISTRICT, D(2022, 5, 1), None)]


def test_add_refuses_an_entry_of_the_same_region_sharing_a_day(admin: Scope) -> None:
    add(admin, "420102", "medium", D(2022, 5, 1), D(2022, 5, 10))
    with pytest.raises(ApplicationError) as caught:
        add(admin, "420102", "high", D(2022, 5, 9))
    assert [e.field for e in caught.value.errors] == ["effective_from"]
    assert "湖北省武汉市江岸区" in caught.value.message
    assert "2022-05-01" in caught.value.message
    # The lifting day is free: [May 1, May 10) and [May 10, ...) share no day.
    add(admin, "420102", "high", D(2022, 5, 10))
    # A city around the county is another region: both are listed.
    add(admin, "4201", "medium", D(2022, 5, 1))
    assert _current() == [
        ("420102", "medium", D(2022, 5, 1), D(2022, 5, 10)),
        ("4201", "medium", D(2022, 5, 1), None),
        ("420102", "high", D(2022, 5, 10), None),
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (area_input("420102", "low"), "level"),
        (area_input("420102", start=D(2019, 11, 30)), "effective_from"),
        (area_input("420102", start=D(2022, 5, 2), until=D(2022, 5, 2)), "effective_until"),
        (area_input("420102", start=D(2022, 5, 2), until=D(2022, 5, 1)), "effective_until"),
        (area_input("420102", note="注" * 201), "note"),
    ],
)
def test_add_checks_its_values(admin: Scope, data: services.AreaInput, field: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.area_add(scope=admin, district=DISTRICT, data=data)
    assert [e.field for e in caught.value.errors] == [field]
    assert RiskArea.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_a_start_more_than_a_year_ahead_is_refused(admin: Scope) -> None:
    from django.utils import timezone

    far = timezone.localdate() + dt.timedelta(days=367)
    with pytest.raises(ApplicationError):
        add(admin, "420102", start=far)


def test_only_the_districts_administrator_writes(
    admin: Scope, viewer: Scope, worker: Scope, other_admin: Scope
) -> None:
    with pytest.raises(PermissionDenied):
        add(viewer, "420102")
    with pytest.raises(PermissionDenied):  # below the district, without the permission
        add(worker, "420102")
    with pytest.raises(NotFound):  # another district's administrator
        add(other_admin, "420102")
    area = add(admin, "420102")
    for scope, error in ((viewer, PermissionDenied), (other_admin, NotFound)):
        with pytest.raises(error):
            services.area_end(scope=scope, area=area, on=D(2022, 6, 1))
        with pytest.raises(error):
            services.area_change(scope=scope, area=area, data=area_input("420102", "medium"))
    assert _rows() == [("420102", "high", D(2022, 5, 1), None, None)]
    assert AuditEntry.objects.filter(action__startswith="riskareas.").count() == 1


def test_a_district_code_must_be_a_district(admin: Scope) -> None:
    scope = Scope.system(reason="tests")
    with pytest.raises(ApplicationError) as caught:
        services.area_add(scope=scope, district="410106001", data=area_input("420102"))
    assert [e.field for e in caught.value.errors] == ["district"]


def test_a_change_from_a_later_day_keeps_the_days_before(admin: Scope, heard: Any) -> None:
    medium = add(admin, "420102", "medium", D(2022, 5, 1), note="首次划定")
    high = services.area_change(
        scope=admin, area=medium, data=area_input("420102", "high", D(2022, 5, 10), note="升级")
    )
    medium.refresh_from_db()
    assert medium.superseded_at is not None and medium.superseded_by_id == admin.actor_id
    assert _current() == [
        ("420102", "medium", D(2022, 5, 1), D(2022, 5, 10)),
        ("420102", "high", D(2022, 5, 10), None),
    ]
    kept = RiskArea.objects.get(superseded_at__isnull=True, level="medium")
    assert (kept.note, kept.replaces_id, high.replaces_id) == ("首次划定", medium.pk, medium.pk)
    # Nothing is lost: the row as first written is still there.
    assert RiskArea.objects.count() == 3
    assert RiskArea.objects.filter(pk=medium.pk, level="medium", effective_until=None).exists()
    for day, level in [
        (D(2022, 4, 30), None),
        (D(2022, 5, 1), "medium"),
        (D(2022, 5, 9), "medium"),
        (D(2022, 5, 10), "high"),
        (D(2023, 1, 1), "high"),
    ]:
        assert selectors.level_on(origin_code="420102", day=day, district=DISTRICT) == level
    entry = AuditEntry.objects.get(action="riskareas.area.changed")
    assert entry.data["superseded"] == [medium.pk]
    assert heard[-1] == (DISTRICT, D(2022, 5, 1), None)


def test_a_change_from_the_same_start_replaces_the_entry(admin: Scope) -> None:
    first = add(admin, "420102", "high", D(2022, 5, 1))
    fixed = services.area_change(
        scope=admin, area=first, data=area_input("420102", "medium", D(2022, 5, 1), D(2022, 6, 1))
    )
    assert _current() == [("420102", "medium", D(2022, 5, 1), D(2022, 6, 1))]
    assert fixed.replaces_id == first.pk
    assert RiskArea.objects.count() == 2


def test_a_change_that_changes_nothing_writes_nothing(admin: Scope, heard: Any) -> None:
    area = add(admin, "420102", "high", D(2022, 5, 1), note="备注")
    heard.clear()
    before = (RiskArea.objects.count(), AuditEntry.objects.count(), StaffNotice.objects.count())
    same = services.area_change(
        scope=admin, area=area, data=area_input("420102", "high", D(2022, 5, 1), note=" 备注 ")
    )
    assert same.pk == area.pk
    assert (
        RiskArea.objects.count(),
        AuditEntry.objects.count(),
        StaffNotice.objects.count(),
    ) == before
    assert heard == []


def test_a_note_alone_is_a_change_too(admin: Scope) -> None:
    area = add(admin, "420102", "high", D(2022, 5, 1), note="旧")
    new = services.area_change(
        scope=admin, area=area, data=area_input("420102", "high", D(2022, 5, 1), note="新")
    )
    assert new.pk != area.pk
    rows = RiskArea.objects.order_by("id").values_list("note", "superseded_at")
    assert [(note, at is None) for note, at in rows] == [("旧", False), ("新", True)]


def test_a_change_may_not_run_into_another_entry(admin: Scope) -> None:
    early = add(admin, "420102", "medium", D(2022, 5, 1), D(2022, 5, 10))
    add(admin, "420102", "high", D(2022, 5, 10))
    with pytest.raises(ApplicationError) as caught:
        services.area_change(
            scope=admin, area=early, data=area_input("420102", "medium", D(2022, 5, 1))
        )
    assert [e.field for e in caught.value.errors] == ["effective_from"]
    assert RiskArea.objects.filter(superseded_at__isnull=False).count() == 0


def test_a_change_keeps_the_region(admin: Scope) -> None:
    area = add(admin, "420102")
    with pytest.raises(ApplicationError) as caught:
        services.area_change(scope=admin, area=area, data=area_input("420103"))
    assert [e.field for e in caught.value.errors] == ["region"]


def test_a_replaced_entry_cannot_be_changed_or_lifted(admin: Scope) -> None:
    area = add(admin, "420102", "high", D(2022, 5, 1))
    services.area_end(scope=admin, area=area, on=D(2022, 6, 1))
    stale = RiskArea.objects.get(pk=area.pk)
    with pytest.raises(Conflict):
        services.area_end(scope=admin, area=stale, on=D(2022, 5, 20))
    with pytest.raises(Conflict):
        services.area_change(scope=admin, area=stale, data=area_input("420102", "medium"))


def test_lifting_ends_the_entry_on_that_day(admin: Scope, heard: Any) -> None:
    area = add(admin, "420102", "high", D(2022, 5, 1), note="划定")
    heard.clear()
    lifted = services.area_end(scope=admin, area=area, on=D(2022, 5, 20), note="解除")
    assert (lifted.effective_from, lifted.effective_until, lifted.level, lifted.note) == (
        D(2022, 5, 1),
        D(2022, 5, 20),
        "high",
        "解除",
    )
    assert _rows() == [
        ("420102", "high", D(2022, 5, 1), None, RiskArea.objects.get(pk=area.pk).superseded_at),
        ("420102", "high", D(2022, 5, 1), D(2022, 5, 20), None),
    ]
    assert selectors.level_on(origin_code="420102", day=D(2022, 5, 19), district=DISTRICT) == "high"
    assert selectors.level_on(origin_code="420102", day=D(2022, 5, 20), district=DISTRICT) is None
    assert heard == [(DISTRICT, D(2022, 5, 1), None)]
    entry = AuditEntry.objects.get(action="riskareas.area.ended")
    assert entry.data["until"] == "2022-05-20"
    assert "2022-05-20" in StaffNotice.objects.order_by("-id").first().body  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("on", "message"),
    [(D(2022, 4, 30), "on or after"), (D(2022, 6, 1), "already lifted")],
)
def test_lifting_dates_are_checked(admin: Scope, on: dt.date, message: str) -> None:
    area = add(admin, "420102", "high", D(2022, 5, 1), D(2022, 6, 1))
    with pytest.raises(ApplicationError) as caught:
        services.area_end(scope=admin, area=area, on=on)
    assert message in caught.value.message
    assert RiskArea.objects.count() == 1


def test_other_districts_lists_are_apart(admin: Scope, other_admin: Scope) -> None:
    add(admin, "420102", "high")
    add(other_admin, "420102", "medium", district=OTHER_DISTRICT)
    assert selectors.level_on(origin_code="420102", day=D(2022, 6, 1), district=DISTRICT) == "high"
    assert (
        selectors.level_on(origin_code="420102", day=D(2022, 6, 1), district=OTHER_DISTRICT)
        == "medium"
    )


@pytest.mark.django_db(transaction=POSTGRES)  # committed rows only where threads can share them
def test_two_offices_adding_one_region_at_once_make_one_entry() -> None:
    """Two adds of a region not listed yet, at the same moment on two connections: the
    district's lock lets one through, the other sees it and is refused. On PostgreSQL
    two threads with their own connections (committed, as two server processes would);
    SQLite serialises writers by itself and its in-memory test database cannot hold two
    writing connections (nor be flushed past the append-only audit log), so there the
    two adds run one after the other."""
    import threading

    from django.db import connections

    scope = Scope.system(reason="tests")
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            add(scope, "420102", "high", D(2022, 5, 1))
            result = "added"
        except ApplicationError as exc:
            result = exc.errors[0].field if exc.errors else exc.message
        finally:
            if POSTGRES:
                connections.close_all()
        with lock:
            outcomes.append(result)

    if POSTGRES:
        barrier = threading.Barrier(2)

        def run() -> None:
            barrier.wait()
            attempt()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        attempt()
        attempt()
    assert sorted(outcomes) == ["added", "effective_from"]
    assert RiskArea.objects.filter(region_code="420102").count() == 1
