"""Importing pushed lists: reading what senders send, matching to the registry, opening
and joining cases; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry, Jurisdiction
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import SpreadsheetError
from fangkong.pushlists import importer, services
from fangkong.pushlists.importer import NewList, import_push_list
from fangkong.pushlists.models import (
    PushList,
    PushListEntry,
    PushListImport,
    TaskEvent,
    VerificationTask,
)
from fangkong.registry import services as registry
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, TOWN_COMMUNITY
from tests.world import ID_LI, ID_WANG, ID_ZHANG

from .conftest import ID_GRID, ID_NOBODY, ID_TOWN, People, Push
from .lists import row, write

pytestmark = pytest.mark.usefixtures("english")


def entries(summary: Any) -> list[PushListEntry]:
    return list(
        PushListEntry.objects.filter(push_list_id=summary.push_list_id)
        .select_related("task")
        .order_by("row_no")
    )


def outcome(e: PushListEntry) -> tuple[Any, ...]:
    """What matching made of an entry: status, method, confidence, note, person, where."""
    return (
        e.match_status,
        e.match_method,
        e.confidence,
        e.match_note,
        e.person_id,
        e.task.jurisdiction_code if e.task else None,
    )


# --- Matching ---------------------------------------------------------------------------


def test_identity_numbers_match_and_route_to_the_community_or_grid(
    people: People, push: Push
) -> None:
    summary = push(
        [
            row("张三", ID_ZHANG, reason="近14天武汉漫游"),
            row("刘洋", ID_GRID),
            row("孙丽", ID_TOWN),
            row("隔壁王五", ID_WANG),
        ]
    )
    assert [outcome(e) for e in entries(summary)] == [
        ("matched", "id_number", 100, "", people.zhang.pk, COMMUNITY),
        ("matched", "id_number", 100, "", people.liu.pk, GRID),
        ("matched", "id_number", 100, "", people.sun.pk, TOWN_COMMUNITY),
        ("matched", "id_number", 100, "", people.wang.pk, SIBLING),
    ]
    assert summary.as_dict()["matched"] == {"id_number": 4, "phone": 0, "name_address": 0}
    assert (summary.tasks_created, summary.tasks_joined) == (4, 0)
    # Each entry takes the code of its task, so the community reads its own entries.
    assert [e.jurisdiction_code for e in entries(summary)] == [
        COMMUNITY,
        GRID,
        TOWN_COMMUNITY,
        SIBLING,
    ]


def test_the_identity_number_is_matched_whatever_the_name_on_the_list(
    people: People, push: Push
) -> None:
    summary = push([row("张叁", ID_ZHANG)])
    assert outcome(entries(summary)[0]) == (
        "matched",
        "id_number",
        100,
        "",
        people.zhang.pk,
        COMMUNITY,
    )


def test_phones_match_one_holder_and_leave_shared_phones_to_a_person(
    people: People, push: Push
) -> None:
    summary = push(
        [
            row("李梅", "", "13900001111"),  # 李梅 and 隔壁赵六 share it: the name decides
            row("", "", "139 0000 1111"),  # no name: two holders
            row("王小明", "", "13787654321"),  # 隔壁王五's phone, another name
            row("", "", "+86 138-1234-5678"),  # 张三's, no name
            row("张三", ID_NOBODY, "13812345678"),  # 张三's phone, another identity number
        ]
    )
    listed = entries(summary)
    assert [outcome(e) for e in listed] == [
        ("matched", "phone", 95, "", people.li.pk, COMMUNITY),
        ("ambiguous", "phone", 0, "shared_phone", None, None),
        ("matched", "phone", 70, "name_differs", people.wang.pk, SIBLING),
        ("matched", "phone", 90, "", people.zhang.pk, COMMUNITY),
        ("ambiguous", "phone", 0, "other_id", None, None),
    ]
    assert listed[1].candidates == [
        {"person": people.li.pk, "confidence": 50},
        {"person": people.zhao.pk, "confidence": 50},
    ]
    assert listed[4].candidates == [{"person": people.zhang.pk, "confidence": 30}]
    assert listed[1].phone == "13900001111" and listed[3].phone == "13812345678"


def test_names_match_with_the_address_compared(people: People, push: Push) -> None:
    summary = push(
        [
            row("陈刚", address="上街区中安街社区金华小区3栋2单元504"),
            row("王芳", address="金华小区3号楼2单元503"),
            row("王芳", address="金华小区"),
            row("王芳"),
            row("刘洋", address="锦绣花园1号楼1单元101"),
            row("赵钱孙", address="金华小区3号楼2单元501室"),
        ]
    )
    listed = entries(summary)
    assert [outcome(e) for e in listed] == [
        ("matched", "name_address", 100, "", people.chen.pk, COMMUNITY),
        ("matched", "name_address", 100, "", people.fang_503.pk, COMMUNITY),
        ("ambiguous", "name_address", 0, "similar_addresses", None, None),
        ("ambiguous", "name_address", 0, "no_address", None, None),
        ("unmatched", "", 0, "address_differs", None, None),
        ("unmatched", "", 0, "no_candidate", None, None),
    ]
    assert listed[2].candidates == [
        {"person": people.fang_502.pk, "confidence": 80},
        {"person": people.fang_503.pk, "confidence": 80},
    ]
    assert listed[3].candidates == [
        {"person": people.fang_502.pk, "confidence": 40},
        {"person": people.fang_503.pk, "confidence": 40},
    ]
    assert (summary.ambiguous, summary.unmatched) == (2, 2)


def test_only_people_living_in_the_district_are_matched(
    people: People, push: Push, system_scope: Scope
) -> None:
    """Another district's people are not ours; people who moved out are matched by their
    identity number only (the community knows where they went)."""
    other = Jurisdiction.objects.create(
        code="410102", jurisdiction_code="410102", level="district", kind="district", name="中原区"
    )
    for code, level in (("410102001", "subdistrict"), ("410102001001", "community")):
        other = Jurisdiction.objects.create(
            code=code, jurisdiction_code=code, parent=other, level=level, kind=level, name=code
        )
    far = registry.person_create(
        scope=system_scope,
        household=None,
        community_code="410102001001",
        name="林远",
        id_number=ID_LI,
        phone="13311112222",
    )
    registry.person_set_status(
        scope=system_scope, person=people.chen, status="moved_out", reason="搬到洛阳"
    )
    summary = push(
        [
            row("林远", ID_LI),
            row("林远", "", "13311112222"),
            row("张三", ID_ZHANG),
            row("陈刚", "", "13600000504"),
        ]
    )
    assert far.pk
    assert [outcome(e) for e in entries(summary)] == [
        ("unmatched", "", 0, "no_candidate", None, None),
        ("unmatched", "", 0, "no_candidate", None, None),
        ("matched", "id_number", 100, "", people.zhang.pk, COMMUNITY),
        ("unmatched", "", 0, "no_candidate", None, None),
    ]


# --- One case per person ------------------------------------------------------------------


def test_a_person_on_a_second_list_joins_the_open_case_with_the_earlier_deadline(
    people: People, push: Push
) -> None:
    now = timezone.now().replace(microsecond=0)
    first = push([row("张三", ID_ZHANG)], received_at=now - dt.timedelta(hours=10))
    task = VerificationTask.objects.get()
    assert task.deadline == now + dt.timedelta(hours=14)
    second = push([row("张三", "", "13812345678", reason="同航班")], received_at=now, hours=4)
    third = push([row("", ID_ZHANG)], name="第三批", received_at=now, hours=48)
    assert VerificationTask.objects.count() == 1
    task.refresh_from_db()
    assert task.deadline == now + dt.timedelta(hours=4)  # the earlier of the three
    assert (second.tasks_created, second.tasks_joined) == (0, 1)
    assert (third.tasks_created, third.tasks_joined) == (0, 1)
    assert [e.push_list_id for e in task.entries.order_by("id")] == [
        first.push_list_id,
        second.push_list_id,
        third.push_list_id,
    ]
    assert list(
        TaskEvent.objects.filter(task=task).order_by("id").values_list("kind", flat=True)
    ) == [
        "created",
        "joined",
        "joined",
    ]


def test_one_person_twice_in_one_file_is_one_case(people: People, push: Push) -> None:
    summary = push([row("张三", ID_ZHANG), row("张三", "", "13812345678"), row("刘洋", ID_GRID)])
    assert (summary.created, summary.tasks_created, summary.tasks_joined) == (3, 2, 0)
    zhang = VerificationTask.objects.get(person=people.zhang)
    assert zhang.entries.count() == 2
    assert sorted(TaskEvent.objects.filter(task=zhang).values_list("kind", flat=True)) == [
        "created",
        "joined",
    ]


def test_a_closed_case_is_not_reopened_a_new_one_is(
    people: People, push: Push, scopes: dict[str, Scope]
) -> None:
    push([row("张三", ID_ZHANG)])
    first = VerificationTask.objects.get()
    services.task_record(
        scope=scopes["worker"], task=first, outcome="found_at_home", measure="health_monitoring"
    )
    summary = push([row("张三", ID_ZHANG, reason="同航班")], name="第二批")
    assert (summary.tasks_created, summary.tasks_joined) == (1, 0)
    second = VerificationTask.objects.exclude(pk=first.pk).get()
    assert (second.status, second.subject_key) == ("open", f"p:{people.zhang.pk}")


def test_an_unregistered_person_joins_a_case_the_district_opened_by_hand(
    people: People, push: Push, scopes: dict[str, Scope]
) -> None:
    first = push([row("赵四", ID_NOBODY)])
    entry = entries(first)[0]
    services.entry_assign(scope=scopes["admin"], entry=entry, code=SIBLING)
    entry.refresh_from_db()
    second = push([row("赵四", ID_NOBODY, reason="同车厢")], name="第二批")
    (again,) = entries(second)
    assert (again.match_status, again.task_id) == ("unmatched", entry.task_id)
    assert again.jurisdiction_code == SIBLING
    assert (second.tasks_created, second.tasks_joined) == (0, 1)


def test_the_database_allows_one_open_case_per_person(people: People, push: Push) -> None:
    push([row("张三", ID_ZHANG)])
    task = VerificationTask.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationTask.objects.create(
            jurisdiction_code=COMMUNITY,
            community_code=COMMUNITY,
            subject_key=task.subject_key,
            deadline=task.deadline,
            created_at=timezone.now(),
        )


# --- Files as senders make them -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "xls"])
def test_headers_as_offices_write_them_in_every_format(
    people: People, push: Push, fmt: str
) -> None:
    header = ["序号", "人员姓名", "证件号码", "联系电话", "数据来源", "事由", "居住地址", "漫游地"]
    summary = push(
        [
            [1, "张三", ID_ZHANG, "", "通信大数据", "近14天武汉漫游", "", "湖北武汉"],
            [2, "陈刚", "", "", "铁路", "同车厢", "金华小区3栋2单元504", ""],
        ],
        header=header,
        fmt=fmt,
        title="上街区协查名单",
    )
    zhang, chen = entries(summary)
    assert (zhang.row_no, zhang.name, zhang.source, zhang.reason, zhang.extra) == (
        3,
        "张三",
        "通信大数据",
        "近14天武汉漫游",
        {"漫游地": "湖北武汉"},
    )
    assert (chen.row_no, chen.address, chen.person_id, chen.extra) == (
        4,
        "金华小区3栋2单元504",
        people.chen.pk,
        {},
    )
    assert summary.rejected == [] and summary.warnings == []


def test_gb18030_csv_and_a_registered_address_column(people: People, push: Push) -> None:
    summary = push(
        [["陈刚", "金华小区3号楼2单元504室"]], header=["姓名", "户籍地址"], encoding="gb18030"
    )
    (chen,) = entries(summary)
    assert (chen.address, chen.person_id) == ("金华小区3号楼2单元504室", people.chen.pk)


def test_every_bad_row_is_reported_with_row_column_value_and_reason(
    people: People, push: Push
) -> None:
    summary = push(
        [
            row("", "", "", "民航", "同航班", "某地某小区"),  # 2: nothing says who
            row("", "41010619900101123"),  # 3: a short identity number, nothing else
            row("张三", "410106199001011230", reason="漫游"),  # 4: wrong check digit
            row("李四", "", "12345"),  # 5: not a phone
            row("", 4.10106199001011e17),  # 6: Excel ate the digits
            row("张" * 61, ID_NOBODY),  # 7: not a name
            row("王五", "", "13700000001", reason="漫" * 201),  # 8: too long
            row("赵六", "护照E1234567"),  # 9: neither an ID nor a document number
        ],
        footer=[["填表人：王科长", "", "联系电话：0371-68888888"]],
    )
    assert summary.rows == 8
    assert summary.rejected == [
        {
            "row": 2,
            "column": "姓名",
            "value": "",
            "reason": "Nothing on this row says whom to check: give a name, an identity "
            "number or a phone.",
        },
        {
            "row": 3,
            "column": "身份证号",
            "value": "41010619900101123",
            "reason": "An identity number has 18 characters: 17 digits and a digit or X.",
        },
        {
            "row": 6,
            "column": "身份证号",
            "value": "4.10106199001011e+17",
            "reason": "Excel stored this identity number as a number and lost its last digits.",
        },
        {
            "row": 7,
            "column": "姓名",
            "value": "张" * 61,
            "reason": "A name has at most 60 characters.",
        },
    ]
    assert summary.warnings == [
        {
            "row": 4,
            "column": "身份证号",
            "value": "410106199001011230",
            "reason": "The check digit of the identity number is wrong. The entry was kept "
            "and is matched by phone or name.",
        },
        {
            "row": 5,
            "column": "手机号",
            "value": "12345",
            "reason": "This is not a phone number. The entry was kept without a phone.",
        },
        {
            "row": 8,
            "column": "推送原因",
            "value": "漫" * 201,
            "reason": "Longer than 200 characters; the rest was cut off.",
        },
        {
            "row": 9,
            "column": "身份证号",
            "value": "护照E1234567",
            "reason": "An identity number has 18 characters: 17 digits and a digit or X. The "
            "entry was kept and is matched by phone or name.",
        },
    ]
    kept = entries(summary)
    assert [(e.row_no, e.name, e.id_number, e.id_raw, e.phone, e.phone_raw) for e in kept] == [
        (4, "张三", None, "410106199001011230", "", ""),
        (5, "李四", None, "", "", "12345"),
        (8, "王五", None, "", "13700000001", ""),
        (9, "赵六", None, "护照E1234567", "", ""),
    ]
    assert len(kept[2].reason) == 200
    assert (summary.created, summary.unchanged) == (4, 0)


def test_documents_other_than_resident_ids_are_kept_as_written(people: People, push: Push) -> None:
    summary = push(
        [["Tom Smith", "护照", "e 1234 5678"], ["李华", "", "H12345678"]],
        header=["姓名", "证件类型", "证件号码"],
    )
    assert [(e.name, e.id_number) for e in entries(summary)] == [
        ("Tom Smith", "E12345678"),
        ("李华", "H12345678"),
    ]


def test_a_row_twice_in_the_file_is_listed_once(people: People, push: Push) -> None:
    summary = push([row("张三", ID_ZHANG), row("刘洋", ID_GRID), row("张三", ID_ZHANG)])
    assert summary.warnings == [
        {
            "row": 4,
            "column": "身份证号",
            "value": ID_ZHANG,
            "reason": "The same entry as row 2; it is listed once.",
        }
    ]
    assert [e.row_no for e in entries(summary)] == [2, 3]


def test_a_file_without_a_usable_header_is_refused(tree: Any, push: Push, tmp_path: Path) -> None:
    with pytest.raises(SpreadsheetError) as refused:
        push([["1", "湖北"]], header=["序号", "漫游地"])
    assert refused.value.message == (
        "No header row was found in the first 20 rows. The header must name at least one of "
        "these columns: 姓名, 身份证号 (证件号码), 手机号 (联系电话)."
    )
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SpreadsheetError, match=r"The file is empty\."):
        push([], path=empty)
    assert PushList.objects.count() == 0


# --- Idempotency, more rows, atomicity, permissions -----------------------------------------


def test_importing_the_same_file_again_adds_nothing(
    people: People, push: Push, tmp_path: Path
) -> None:
    path = write(tmp_path / "list.csv", [row("张三", ID_ZHANG), row("钱七", "", "13700000000")])
    first = push([], path=path, name="第一次")
    again = push([], path=path, name="第二次")
    assert (first.created, first.unchanged, first.repeated_file) == (2, 0, False)
    assert (again.created, again.unchanged, again.repeated_file) == (0, 2, True)
    assert again.push_list_id == first.push_list_id
    assert PushList.objects.get().name == "第一次"
    assert PushListEntry.objects.count() == 2
    assert VerificationTask.objects.count() == 1
    assert PushListImport.objects.filter(push_list_id=first.push_list_id).count() == 2


def test_more_rows_for_a_list_add_only_the_new_ones(people: People, push: Push) -> None:
    first = push([row("张三", ID_ZHANG), row("", "41010619900101123")])
    assert len(first.rejected) == 1
    fixed = push([row("张三", ID_ZHANG), row("刘洋", ID_GRID)], push_list_id=first.push_list_id)
    assert (fixed.created, fixed.unchanged, fixed.repeated_file) == (1, 1, False)
    assert [e.name for e in entries(first)] == ["张三", "刘洋"]


def test_a_failure_half_way_leaves_nothing_behind(
    people: People, push: Push, monkeypatch: Any
) -> None:
    audit_before = AuditEntry.objects.count()

    def fail(self: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer._Apply, "_history", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        push([row("张三", ID_ZHANG), row("钱七", "", "13700000000")])
    assert PushList.objects.count() == PushListEntry.objects.count() == 0
    assert VerificationTask.objects.count() == PushListImport.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    with connection.cursor() as cursor:  # the staging tables went with it
        tables = connection.introspection.table_names(cursor)
    assert "fk_push_stage" not in tables


def test_one_audit_entry_with_counts_only(people: People, push: Push) -> None:
    before = AuditEntry.objects.count()
    summary = push([row("张三", ID_ZHANG), row("钱七", "", "13700000000")])
    created, imported = AuditEntry.objects.order_by("id")[before:]
    assert (created.action, imported.action) == (
        "pushlists.list.created",
        "pushlists.list.imported",
    )
    assert imported.object_id == str(summary.push_list_id)
    assert imported.jurisdiction_code == DISTRICT
    assert imported.data["created"] == 2 and imported.data["rejected"] == 0
    assert ID_ZHANG not in str(imported.data) and "张三" not in str(imported.data)


def test_only_the_district_manages_lists(
    people: People, push: Push, scopes: dict[str, Scope]
) -> None:
    with pytest.raises(NotFound):
        push([row("张三", ID_ZHANG)], scope=scopes["officer"])
    with pytest.raises(PermissionDenied):
        push([row("张三", ID_ZHANG)], scope=scopes["viewer"])
    assert PushList.objects.count() == 0


def test_a_new_list_needs_a_name_and_a_sane_deadline(
    people: People, scopes: dict[str, Scope], tmp_path: Path
) -> None:
    path = write(tmp_path / "l.csv", [row("张三", ID_ZHANG)])
    for new, message in (
        (NewList(name=" "), "Give the list a name."),
        (NewList(name="名单", deadline_hours=0), "The deadline is between 1 and 720 hours."),
        (NewList(name="名单", deadline_hours=721), "The deadline is between 1 and 720 hours."),
    ):
        with pytest.raises(ApplicationError, match=re.escape(message)):
            import_push_list(scope=scopes["admin"], district_code=DISTRICT, path=path, new_list=new)
    assert PushList.objects.count() == 0
