"""Importing real-world resident ledgers (issue 2, item 5), on SQLite and PostgreSQL.

The table of ledger cases gives each small file with its exact summary; the tests after
it check what the registry holds afterwards and the rules around the import.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from fangkong.core import staging
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.identifiers import IdentifierError, parse_resident_id
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import SpreadsheetError
from fangkong.registry import importer
from fangkong.registry.addresses import ParsedAddress, parse_address
from fangkong.registry.derive import person_search_fields
from fangkong.registry.importer import import_persons, rejected_workbook
from fangkong.registry.management.commands import bench
from fangkong.registry.models import Building, Compound, Household, Person, Residence, Unit

from .ledgers import HEADER, Formula, csv_file, rid, xls, xlsx, xlsx_with_formulas

COMMUNITY = "410106001001"
SIBLING = "410106001002"
GRID = "410106001001001"

ZHANG = rid("19900101", 1)  # 410106199001010114, male
LI = rid("19920202", 2, sex="F")  # 410106199202020220
WANG = rid("19550505", 3)  # 410106195505050314: elderly
BABY = rid("20210303", 4, sex="F")  # 410106202103030428: young child
ZHAO = rid("19851111", 6, sex="F")  # 410106198511110620
QIAN = rid("19880808", 8)  # 410106198808080813


def row(
    name: str = "",
    sex: str = "",
    id_number: object = "",
    birth: object = "",
    phone: object = "",
    compound: str = "",
    building: object = "",
    unit: object = "",
    room: object = "",
    category: str = "",
    relation: str = "",
    remarks: str = "",
    serial: object = "",
) -> list[object]:
    """A row in HEADER's order (序号 姓名 性别 身份证号 出生日期 联系电话 小区 楼栋 单元 房号
    人员类别 与户主关系 备注)."""
    return [
        serial,
        name,
        sex,
        id_number,
        birth,
        phone,
        compound,
        building,
        unit,
        room,
        category,
        relation,
        remarks,
    ]


def places(
    compounds: int = 0, buildings: int = 0, units: int = 0, households: int = 0
) -> dict[str, int]:
    return {
        "compounds": compounds,
        "buildings": buildings,
        "units": units,
        "households": households,
    }


def summary(
    rows: int,
    created: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    rejected: list[dict[str, Any]] | None = None,
    warnings: list[dict[str, Any]] | None = None,
    made: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "rows": rows,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected or [],
        "warnings": warnings or [],
        "places": made or places(),
    }


def entry(row: int, column: str, value: str, reason: str) -> dict[str, Any]:
    return {"row": row, "column": column, "value": value, "reason": reason}


def run(
    path: Path, scope: Scope | None = None, code: str = COMMUNITY, **kwargs: Any
) -> dict[str, Any]:
    scope = scope or Scope.system(reason="tests")
    return import_persons(scope=scope, community_code=code, path=path, **kwargs).as_dict()


EXCEL_NUMBER = (
    "Excel stored this identity number as a number and lost its last digits; "
    "format the column as text and enter the numbers again."
)
EXTRA_COLUMN = "This column is not part of the registry and was ignored."
NO_COMPOUND = (
    "The compound (小区) could not be read from this address; the person was kept "
    "without a household."
)
SAME_PERSON = "The same person as row {}; the two rows were merged."
YEAR_MONTH_ONLY = "Only a year (and month) is written here; write the whole date, e.g. 1990-01-02."


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are compared in their English source form, whatever the catalogs say."""
    with translation.override("en"):
        yield


# --- The table of real-world ledgers ---------------------------------------------------

Build = Callable[[Path], Path]


def title_rows_and_any_order(tmp: Path) -> Path:
    header = ["手机号码", "公民身份号码", "姓名", "文化程度", "房号", "单元", "楼号", "小区名称"]
    return xlsx(
        tmp / "a.xlsx",
        [
            ["13800000001", ZHANG, "张三", "高中", "501", "2", "3", "金华小区"],
            ["13800000002", LI, "李四", "本科", "501室", "2单元", "3号楼", "金华小区"],
        ],
        header=header,
        above=2,
    )


def footers_notes_and_blank_rows(tmp: Path) -> Path:
    return xlsx(
        tmp / "b.xlsx",
        [
            row("张三", "男", ZHANG, serial=1),
            row(serial=2),  # a template row numbered in advance
            [],
            row("李四", "女", LI, serial=3),
            row(serial=4, category="户籍"),  # a pre-filled template column is not a person
            ["姓名"] + [""] * 12,  # the header repeated for printing
        ],
        footer=[
            ["填表人：赵六", "", "", "审核人：钱七", "", "联系电话：0371-68888888"],
            ["注：1、本表由社区网格员填写；2、身份证号须填写18位。"],
            ["", "以下空白"],
            ["制表人：张三", "", "", "联系电话：13812345678"],
            ["", "合计", "", "100000000"],
        ],
        above=0,
    )


def identity_numbers_as_people_type_them(tmp: Path) -> Path:
    return xlsx(
        tmp / "c.xlsx",
        [
            row("张三", id_number=" 4101 0619 9001 0101 14 "),
            row("李四", id_number="".join(chr(0xFF10 + int(c)) for c in LI)),
            row("王五", id_number="410106197005064516".lower()),
            row("赵六", id_number="410106700506451"),  # 15 digits: the same person as 王五
        ],
    )


def identity_numbers_that_are_wrong(tmp: Path) -> Path:
    return xlsx(
        tmp / "d.xlsx",
        [
            row("张三", id_number=ZHANG[:17] + "9"),
            row("李四", id_number="410106199013010117"),
            row("王五", id_number=4.10106199001011e17),
            row("赵六", id_number="4.10106E+17"),
            row("钱七", id_number="41010619900101"),
            row("孙八", id_number=QIAN),
        ],
    )


def sex_and_birth_date_contradicting_the_number(tmp: Path) -> Path:
    return xlsx(
        tmp / "e.xlsx",
        [
            row("张三", "女", ZHANG, "1990-01-01"),
            row("李四", "女", LI, "1992年3月2日"),
            row("王五", "不详", WANG, "1955.5.5"),
        ],
    )


def phones_as_people_type_them(tmp: Path) -> Path:
    return xlsx(
        tmp / "f.xlsx",
        [
            row("张三", id_number=ZHANG, phone="+86 138-0000-0001"),
            row("李四", id_number=LI, phone=13800000002),
            row("王五", id_number=WANG, phone="0371-6888 8888"),
            row("赵六", id_number=ZHAO, phone="12345"),
            row("钱七", id_number=QIAN, phone="13800000007/13900000007"),
        ],
    )


def dates_in_every_form(tmp: Path) -> Path:
    return xlsx(
        tmp / "g.xlsx",
        [
            row("甲", birth="1990-01-02", phone="13800000001"),
            row("乙", birth="1990/1/2", phone="13800000002"),
            row("丙", birth="1990.1.2", phone="13800000003"),
            row("丁", birth="1990年1月2日", phone="13800000004"),
            row("戊", birth=32875, phone="13800000005"),
            row("己", birth=dt.date(1990, 1, 2), phone="13800000006"),
            row("庚", birth="明年", phone="13800000007"),
            row("辛", birth="1990.01", phone="13800000008"),
            row("壬", birth=1990.01, phone="13800000009"),  # what Excel makes of 1990.01
        ],
    )


def the_same_person_twice(tmp: Path) -> Path:
    return xlsx(
        tmp / "h.xlsx",
        [
            row("张三", id_number=ZHANG, phone="13800000001"),
            row("李四", id_number=LI),
            row("张三", id_number=ZHANG, compound="金华小区", building=3, unit=2, room=501),
            row("王五", phone="13900000001"),
            row("王五", phone="13900000001", remarks="独居"),
        ],
    )


def addresses_in_one_column(tmp: Path) -> Path:
    header = ["姓名", "身份证号", "现住址"]
    return xlsx(
        tmp / "i.xlsx",
        [
            ["张三", ZHANG, "中安街社区金华小区3号楼2单元501室"],
            ["李四", LI, "金华小区3#2-501"],
            ["王五", WANG, "中安街社区居委会金华小区3一2一301"],
            ["赵六", ZHAO, "3-2-501"],
            ["钱七", QIAN, "一组12号"],
            ["孙八", "", "河南省郑州市上街区金华小区3栋2单元501"],
            ["周九", "", "东边那个院子"],
        ],
        header=header,
    )


def a_compound_column_beside_the_address(tmp: Path) -> Path:
    header = ["姓名", "身份证号", "小区", "现住址"]
    return xlsx(
        tmp / "i2.xlsx",
        [
            ["张三", ZHANG, "金华小区", "3-2-501"],
            ["李四", LI, "金华小区", "中安街社区金华小区3号楼2单元501室"],
            ["王五", WANG, "锦绣小区", "5栋1单元302"],
            ["赵六", ZHAO, "锦绣小区", ""],
        ],
        header=header,
    )


def people_without_identity_numbers(tmp: Path) -> Path:
    return xlsx(
        tmp / "j.xlsx",
        [
            row("张三", phone="13800000001", compound="金华小区", building=1, unit=1, room=101),
            row(
                "张三",
                phone="13800000001",
                compound="金华小区",
                building=1,
                unit=1,
                room=101,
                remarks="腿脚不便",
            ),
            row("张三", phone="13800000009", compound="金华小区", building=1, unit=1, room=101),
            row("", "男", ZHANG, phone="13800000002"),
        ],
    )


def formulas_and_numbers(tmp: Path) -> Path:
    return xlsx_with_formulas(
        tmp / "k.xlsx",
        [
            [
                Formula("=ROW()-2", 1),
                "张三",
                "男",
                ZHANG,
                "",
                Formula('="138"&"00000001"', "13800000001"),
                Formula('="金华"&"小区"', "金华小区"),
                Formula("=1+2", 3),
                2,
                501,
                "",
                "",
                "",
            ],
        ],
    )


LEDGERS: list[tuple[Build, dict[str, Any]]] = [
    (
        title_rows_and_any_order,
        summary(
            2, created=2, warnings=[entry(4, "文化程度", "", EXTRA_COLUMN)], made=places(1, 1, 1, 1)
        ),
    ),
    (footers_notes_and_blank_rows, summary(2, created=2)),
    (
        identity_numbers_as_people_type_them,
        summary(
            4,
            created=3,
            warnings=[entry(6, "身份证号", "410106197005064516", SAME_PERSON.format(5))],
        ),
    ),
    (
        identity_numbers_that_are_wrong,
        summary(
            6,
            created=1,
            rejected=[
                entry(
                    3,
                    "身份证号",
                    ZHANG[:17] + "9",
                    "The check digit of the identity number is wrong.",
                ),
                entry(
                    4,
                    "身份证号",
                    "410106199013010117",
                    "The birth date inside the identity number is not a date.",
                ),
                entry(5, "身份证号", "4.10106199001011e+17", EXCEL_NUMBER),
                entry(6, "身份证号", "4.10106E+17", EXCEL_NUMBER),
                entry(
                    7,
                    "身份证号",
                    "41010619900101",
                    "An identity number has 18 characters: 17 digits and a digit or X.",
                ),
            ],
        ),
    ),
    (
        sex_and_birth_date_contradicting_the_number,
        summary(
            3,
            created=3,
            warnings=[
                entry(
                    3,
                    "性别",
                    "女",
                    "The sex does not match the identity number; the identity number's was kept.",
                ),
                entry(
                    4,
                    "出生日期",
                    "1992年3月2日",
                    "The birth date does not match the identity "
                    "number; the identity number's was kept.",
                ),
                entry(5, "性别", "不详", "Write the sex as 男 or 女; this value was ignored."),
            ],
        ),
    ),
    (
        phones_as_people_type_them,
        summary(
            5,
            created=5,
            warnings=[
                entry(
                    6,
                    "联系电话",
                    "12345",
                    "This is not a phone number; the person was kept without a phone.",
                ),
            ],
        ),
    ),
    (
        dates_in_every_form,
        summary(
            9,
            created=9,
            warnings=[
                entry(9, "出生日期", "明年", "This is not a date (write it as 1990-01-02)."),
                entry(10, "出生日期", "1990.01", YEAR_MONTH_ONLY),
                entry(11, "出生日期", "1990.01", YEAR_MONTH_ONLY),
            ],
        ),
    ),
    (
        the_same_person_twice,
        summary(
            5,
            created=3,
            made=places(1, 1, 1, 1),
            warnings=[
                entry(5, "身份证号", ZHANG, SAME_PERSON.format(3)),
                entry(7, "姓名", "王五", SAME_PERSON.format(6)),
            ],
        ),
    ),
    (
        addresses_in_one_column,
        summary(
            7,
            created=7,
            made=places(2, 1, 1, 3),
            warnings=[
                entry(6, "现住址", "3-2-501", NO_COMPOUND),
                entry(9, "现住址", "东边那个院子", NO_COMPOUND),
            ],
        ),
    ),
    (
        people_without_identity_numbers,
        summary(
            4,
            created=2,
            made=places(1, 1, 1, 1),
            rejected=[entry(6, "姓名", "", "The name is empty.")],
            warnings=[entry(4, "姓名", "张三", SAME_PERSON.format(3))],
        ),
    ),
    (formulas_and_numbers, summary(1, created=1, made=places(1, 1, 1, 1))),
]


@pytest.mark.parametrize(("build", "expected"), LEDGERS, ids=[b.__name__ for b, _e in LEDGERS])
def test_real_world_ledgers(
    tree: Any, tmp_path: Path, build: Build, expected: dict[str, Any]
) -> None:
    assert run(build(tmp_path)) == expected


@pytest.mark.parametrize(("fmt", "bad_row"), [("xls", 5), ("csv-gbk", 4), ("csv-utf8", 4)])
def test_old_excel_files_and_csv_give_the_same_result(
    tree: Any, tmp_path: Path, fmt: str, bad_row: int
) -> None:
    rows = [
        row("张三", "男", ZHANG, "", "13800000001", "金华小区", "3", "2", "501", serial=1),
        row("李四", "女", LI, "1992-02-02", "13800000002", "金华小区", "3", "2", "501", serial=2),
        row("王五", id_number="410106199001010110", serial=3),
        row(serial=4),
    ]
    if fmt == "xls":  # with a title row above the header
        path = xls(tmp_path / "old.xls", rows)
    else:
        path = csv_file(
            tmp_path / "a.csv", rows, encoding="gbk" if fmt == "csv-gbk" else "utf-8-sig"
        )
    assert run(path) == summary(
        3,
        created=2,
        made=places(1, 1, 1, 1),
        rejected=[
            entry(
                bad_row,
                "身份证号",
                "410106199001010110",
                "The check digit of the identity number is wrong.",
            )
        ],
    )
    assert list(Person.objects.order_by("name").values_list("name", "phone", "birth_date")) == [
        ("张三", "13800000001", dt.date(1990, 1, 1)),
        ("李四", "13800000002", dt.date(1992, 2, 2)),
    ]


# --- What the registry holds afterwards -------------------------------------------------


def test_people_and_places_are_stored_as_the_registry_keeps_them(tree: Any, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "a.xlsx",
        [
            row(
                "张三",
                "男",
                ZHANG,
                "",
                " 138 0000 0001",
                "金华小区",
                "3栋",
                "二单元",
                "0501室",
                "户籍人口",
                "户主",
                "党员",
            ),
            row("王五", "", WANG, "", "", "金华小区", "3号楼", "2", "501", "流动人口", "父亲"),
            row("小宝", "", BABY, "", "", "", "", "", "", "常住", "孙女"),
            row("曾七", "女", "", "1960-02-03", "13900000001", "", "", "", "", "其他人员"),
        ],
    )
    assert run(path)["created"] == 4
    compound = Compound.objects.get()
    building = Building.objects.get()
    unit = Unit.objects.get()
    household = Household.objects.get()
    assert (compound.name, compound.kind, compound.jurisdiction_code, compound.community_code) == (
        "金华小区",
        "compound",
        COMMUNITY,
        COMMUNITY,
    )
    assert (building.name, building.compound_id, building.sort_key, building.jurisdiction_code) == (
        "3号楼",
        compound.pk,
        3,
        COMMUNITY,
    )
    assert (unit.name, unit.building_id, unit.sort_key) == ("2单元", building.pk, 2)
    assert (
        household.name,
        household.unit_id,
        household.building_id,
        household.address,
        household.jurisdiction_code,
        household.community_code,
    ) == ("501", unit.pk, building.pk, "金华小区3号楼2单元501室", COMMUNITY, COMMUNITY)
    people = {p.name: p for p in Person.objects.all()}
    zhang = people["张三"]
    assert (
        zhang.sex,
        zhang.birth_date,
        zhang.id_type,
        zhang.id_number,
        zhang.id_last4,
        zhang.phone,
        zhang.name_pinyin,
        zhang.name_initials,
        zhang.category,
        zhang.relation_to_head,
        zhang.remarks,
        zhang.household_id,
        zhang.address,
        zhang.jurisdiction_code,
        zhang.community_code,
        zhang.needs_verification,
        zhang.source,
        zhang.status,
    ) == (
        "M",
        dt.date(1990, 1, 1),
        "resident_id",
        ZHANG,
        ZHANG[-4:],
        "13800000001",
        "zhangsan",
        "zs",
        "registered",
        "户主",
        "党员",
        household.pk,
        "金华小区3号楼2单元501室",
        COMMUNITY,
        COMMUNITY,
        False,
        "ledger",
        "active",
    )
    assert (
        people["王五"].category,
        people["王五"].is_elderly,
        people["王五"].is_infant,
        people["王五"].household_id,
    ) == ("floating", True, False, household.pk)
    assert (
        people["小宝"].category,
        people["小宝"].is_infant,
        people["小宝"].sex,
        people["小宝"].household_id,
        people["小宝"].address,
    ) == ("resident", True, "F", None, "")
    zeng = people["曾七"]
    assert (
        zeng.id_number,
        zeng.id_type,
        zeng.needs_verification,
        zeng.sex,
        zeng.birth_date,
        zeng.category,
        zeng.name_pinyin,
        zeng.name_initials,
        zeng.is_elderly,
    ) == (None, "", True, "F", dt.date(1960, 2, 3), "other", "zengqi", "zq", True)
    residences = Residence.objects.order_by("person__name")
    assert [
        (r.person.name, r.household_id, r.jurisdiction_code, r.address, r.ended_at, r.reason)
        for r in residences
    ] == [
        ("小宝", None, COMMUNITY, "", None, "ledger import"),
        ("张三", household.pk, COMMUNITY, "金华小区3号楼2单元501室", None, "ledger import"),
        ("曾七", None, COMMUNITY, "", None, "ledger import"),
        ("王五", household.pk, COMMUNITY, "金华小区3号楼2单元501室", None, "ledger import"),
    ]


def test_dates_in_every_form_are_read(tree: Any, tmp_path: Path) -> None:
    run(dates_in_every_form(tmp_path))
    births = dict(Person.objects.values_list("name", "birth_date"))
    assert births == {
        "甲": dt.date(1990, 1, 2),
        "乙": dt.date(1990, 1, 2),
        "丙": dt.date(1990, 1, 2),
        "丁": dt.date(1990, 1, 2),
        "戊": dt.date(1990, 1, 2),
        "己": dt.date(1990, 1, 2),
        "庚": None,
        "辛": None,
        "壬": None,
    }


def test_phones_are_normalised(tree: Any, tmp_path: Path) -> None:
    run(phones_as_people_type_them(tmp_path))
    assert dict(Person.objects.values_list("name", "phone")) == {
        "张三": "13800000001",
        "李四": "13800000002",
        "王五": "0371-68888888",
        "赵六": "",
        "钱七": "13800000007",
    }


def test_identity_numbers_are_normalised(tree: Any, tmp_path: Path) -> None:
    run(identity_numbers_as_people_type_them(tmp_path))
    # 王五 and 赵六 are one person (the 15-digit number is 王五's, upgraded): merged, and
    # the later row's name wins as it would on a re-import.
    assert dict(Person.objects.values_list("name", "id_number")) == {
        "张三": ZHANG,
        "李四": LI,
        "赵六": "410106197005064516",
    }


def test_the_same_person_twice_becomes_one_with_the_later_values(tree: Any, tmp_path: Path) -> None:
    run(the_same_person_twice(tmp_path))
    zhang = Person.objects.get(id_number=ZHANG)
    assert (zhang.phone, zhang.address, zhang.household_id is not None) == (
        "13800000001",
        "金华小区3号楼2单元501室",
        True,
    )
    wang = Person.objects.get(name="王五")
    assert (wang.remarks, wang.needs_verification) == ("独居", True)
    assert Residence.objects.count() == 3


def test_addresses_in_one_column_become_households(tree: Any, tmp_path: Path) -> None:
    run(addresses_in_one_column(tmp_path))
    got = dict(Person.objects.values_list("name", "household__address"))
    assert got == {
        "张三": "金华小区3号楼2单元501室",
        "李四": "金华小区3号楼2单元501室",
        "王五": "金华小区3号楼2单元301室",
        "赵六": None,
        "钱七": "一组12室",
        "孙八": "金华小区3号楼2单元501室",
        "周九": None,
    }
    assert dict(Person.objects.values_list("name", "address"))["赵六"] == "3-2-501"
    assert Compound.objects.get(name="一组").kind == "village_group"


def test_a_compound_column_takes_building_unit_and_room_from_the_address(
    tree: Any, tmp_path: Path
) -> None:
    assert run(a_compound_column_beside_the_address(tmp_path)) == summary(
        4, created=4, made=places(2, 2, 2, 2)
    )
    got = dict(Person.objects.values_list("name", "household__address"))
    assert got == {
        "张三": "金华小区3号楼2单元501室",
        "李四": "金华小区3号楼2单元501室",
        "王五": "锦绣小区5号楼1单元302室",
        "赵六": None,
    }


def test_people_without_identity_numbers_are_kept_to_be_verified(tree: Any, tmp_path: Path) -> None:
    path = people_without_identity_numbers(tmp_path)
    run(path)
    people = Person.objects.order_by("phone")
    assert [
        (p.name, p.phone, p.remarks, p.needs_verification, p.household is not None) for p in people
    ] == [("张三", "13800000001", "腿脚不便", True, True), ("张三", "13800000009", "", True, True)]
    # Deduplicated against the registry too: the same file again changes nothing.
    assert run(path) == summary(
        4,
        unchanged=2,
        rejected=[entry(6, "姓名", "", "The name is empty.")],
        warnings=[entry(4, "姓名", "张三", SAME_PERSON.format(3))],
    )


def test_a_person_kept_to_be_verified_gets_the_number_later(tree: Any, tmp_path: Path) -> None:
    first = xlsx(
        tmp_path / "1.xlsx",
        [row("张三", phone="13800000001", compound="金华小区", building=1, unit=1, room=101)],
    )
    run(first)
    later = xlsx(
        tmp_path / "2.xlsx",
        [
            row(
                "张三",
                "男",
                ZHANG,
                phone="13800000001",
                compound="金华小区",
                building=1,
                unit=1,
                room=101,
            )
        ],
    )
    assert run(later) == summary(1, updated=1)
    person = Person.objects.get()
    assert (
        person.id_number,
        person.needs_verification,
        person.sex,
        person.id_last4,
        person.birth_date,
    ) == (ZHANG, False, "M", ZHANG[-4:], dt.date(1990, 1, 1))


def test_re_importing_the_same_file_changes_nothing(tree: Any, tmp_path: Path) -> None:
    path = addresses_in_one_column(tmp_path)
    run(path)
    before = list(Person.objects.order_by("id").values())
    residences = Residence.objects.count()
    again = run(path)
    assert again == summary(
        7,
        unchanged=7,
        warnings=[
            entry(6, "现住址", "3-2-501", NO_COMPOUND),
            entry(9, "现住址", "东边那个院子", NO_COMPOUND),
        ],
    )
    assert list(Person.objects.order_by("id").values()) == before
    assert Residence.objects.count() == residences
    assert Household.objects.count() == 3


def test_updates_overwrite_with_values_and_never_erase(tree: Any, tmp_path: Path) -> None:
    run(
        xlsx(
            tmp_path / "1.xlsx",
            [
                row(
                    "张三",
                    "男",
                    ZHANG,
                    "",
                    "13800000001",
                    "金华小区",
                    3,
                    2,
                    501,
                    "户籍",
                    "户主",
                    "党员",
                ),
                row("李四", "女", LI, "", "13800000002", "金华小区", 3, 2, 501),
            ],
        )
    )
    zhang = Person.objects.get(id_number=ZHANG)
    second = xlsx(
        tmp_path / "2.xlsx",
        [
            row("张三", "", ZHANG, "", "13900000009", "", "", "", "", "", "", ""),
            row("李四", "女", LI, "", "13800000002", "金华小区", 3, 2, 501),
        ],
    )
    assert run(second) == summary(2, updated=1, unchanged=1)
    after = Person.objects.get(id_number=ZHANG)
    assert (
        after.phone,
        after.remarks,
        after.category,
        after.relation_to_head,
        after.household_id,
        after.address,
        after.created_at,
    ) == (
        "13900000009",
        "党员",
        "registered",
        "户主",
        zhang.household_id,
        "金华小区3号楼2单元501室",
        zhang.created_at,
    )
    assert after.updated_at > zhang.updated_at


def test_moving_to_another_household_closes_the_old_residence(tree: Any, tmp_path: Path) -> None:
    run(
        xlsx(
            tmp_path / "1.xlsx",
            [row("张三", id_number=ZHANG, compound="金华小区", building=3, unit=2, room=501)],
        )
    )
    assert run(
        xlsx(
            tmp_path / "2.xlsx",
            [row("张三", id_number=ZHANG, compound="金华小区", building=3, unit=2, room=502)],
        )
    ) == summary(1, updated=1, made=places(households=1))
    person = Person.objects.get()
    assert person.household is not None and person.household.name == "502"
    history = [
        (r.household.name if r.household else None, r.ended_at is None)
        for r in Residence.objects.order_by("id")
    ]
    assert history == [("501", False), ("502", True)]


def test_a_household_under_a_grid_gives_its_people_the_grid_code(tree: Any, tmp_path: Path) -> None:
    compound = Compound.objects.create(
        jurisdiction_code=GRID, community_code=COMMUNITY, name="金华小区"
    )
    Household.objects.create(
        jurisdiction_code=GRID,
        community_code=COMMUNITY,
        name="12",
        compound=compound,
        address="金华小区12室",
    )
    result = run(
        xlsx(tmp_path / "a.xlsx", [row("张三", id_number=ZHANG, compound="金华小区", room=12)])
    )
    assert result == summary(1, created=1)
    person = Person.objects.select_related("household").get()
    assert person.household is not None
    assert (person.jurisdiction_code, person.community_code, person.household.name) == (
        GRID,
        COMMUNITY,
        "12",
    )
    assert Residence.objects.get().jurisdiction_code == GRID


def test_a_person_registered_in_another_community_is_reported_not_moved(
    tree: Any, tmp_path: Path
) -> None:
    Person.objects.create(
        jurisdiction_code=SIBLING,
        community_code=SIBLING,
        name="张三",
        id_number=ZHANG,
        phone="13700000000",
    )
    path = xlsx(
        tmp_path / "a.xlsx",
        [
            row("张三", id_number=ZHANG, phone="13800000001"),
            row("张三", id_number=ZHANG, remarks="again"),
            row("李四", id_number=LI),
        ],
    )
    assert run(path) == summary(
        3,
        created=1,
        rejected=[
            entry(
                3,
                "身份证号",
                ZHANG,
                "Registered in another community (安阳路社区); ask the "
                "subdistrict to transfer the person.",
            ),
            entry(
                4,
                "身份证号",
                ZHANG,
                "Registered in another community (安阳路社区); ask the "
                "subdistrict to transfer the person.",
            ),
        ],
    )
    other = Person.objects.get(id_number=ZHANG)
    assert (other.community_code, other.phone) == (SIBLING, "13700000000")


# --- Rules around the import ----------------------------------------------------------------


def test_who_may_import_where(tree: Any, tmp_path: Path, make_user: Any, scope_of: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [row("张三", id_number=ZHANG)])
    sibling_worker = scope_of(make_user("community_worker", SIBLING))
    with pytest.raises(NotFound):
        run(path, sibling_worker)
    grid_worker = scope_of(make_user("grid_worker", COMMUNITY))
    with pytest.raises(PermissionDenied):
        run(path, grid_worker)
    officer = scope_of(make_user("subdistrict_officer", "410106001"))
    for code in ("410106001", "410106001999", GRID):  # not a community / unknown / a grid
        with pytest.raises(NotFound):
            run(path, officer, code=code)
    assert Person.objects.count() == 0
    data_entry = scope_of(make_user("data_entry", COMMUNITY))
    assert run(path, data_entry)["created"] == 1
    assert Person.objects.get().created_by_id == data_entry.actor_id
    assert run(path, officer)["unchanged"] == 1


def test_one_audit_entry_with_counts_only(tree: Any, tmp_path: Path) -> None:
    before = AuditEntry.objects.count()
    run(the_same_person_twice(tmp_path))
    entries = AuditEntry.objects.filter(action="registry.persons.imported")
    assert AuditEntry.objects.count() == before + 1
    (audit,) = entries
    assert (audit.object_type, audit.object_id, audit.jurisdiction_code, audit.reason) == (
        "jurisdiction",
        COMMUNITY,
        COMMUNITY,
        "tests",
    )
    assert audit.data == {
        "rows": 5,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "warnings": 2,
        "places": places(1, 1, 1, 1),
        "dry_run": False,
    }


def test_a_failure_half_way_leaves_the_registry_as_it_was(
    tree: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    path = xlsx(
        tmp_path / "a.xlsx",
        [row("张三", id_number=ZHANG, compound="金华小区", building=3, unit=2, room=501)],
    )

    def broken(self: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer._Apply, "_update", broken)
    audits = AuditEntry.objects.count()
    with pytest.raises(RuntimeError):
        run(path)
    assert (
        Compound.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    ) == (0, 0, 0, audits)
    monkeypatch.undo()
    # The connection is usable and the staging tables are gone: the next import works.
    assert run(path)["created"] == 1


def test_the_staging_tables_never_touch_real_tables_of_the_same_name(
    tree: Any, tmp_path: Path
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE fk_import_stage (note TEXT)")
        cursor.execute("INSERT INTO fk_import_stage (note) VALUES ('keep me')")
    assert run(xlsx(tmp_path / "a.xlsx", [row("张三", id_number=ZHANG)]))["created"] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM fk_import_stage")
        assert cursor.fetchall() == [("keep me",)]
        cursor.execute("DROP TABLE fk_import_stage")


def test_a_dry_run_counts_everything_and_writes_nothing(tree: Any, tmp_path: Path) -> None:
    path = the_same_person_twice(tmp_path)
    audits = AuditEntry.objects.count()
    dry = run(path, dry_run=True)
    assert (Person.objects.count(), Compound.objects.count(), Residence.objects.count()) == (
        0,
        0,
        0,
    )
    # Only the check itself is on record, with its counts.
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id, entry.data["dry_run"], entry.data["created"]) == (
        "registry.persons.import_checked",
        COMMUNITY,
        True,
        3,
    )
    assert run(path) == dry


def test_progress_is_reported_while_reading(tree: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(staging, "CHUNK", 2)
    path = xlsx(tmp_path / "a.xlsx", [row(f"人{i}", phone=f"1380000000{i}") for i in range(5)])
    calls: list[tuple[int, int]] = []
    run(path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_an_unreadable_file_is_an_error_before_anything_happens(tree: Any, tmp_path: Path) -> None:
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(SpreadsheetError):
        run(path)
    big = xlsx(tmp_path / "big.xlsx", [row("张三", id_number=ZHANG)])
    with pytest.raises(SpreadsheetError) as exc:
        run(big, max_bytes=1000)
    assert exc.value.message.startswith("The file is 0.")
    assert AuditEntry.objects.filter(action="registry.persons.imported").count() == 0


# --- The rejected rows, fixed and imported again --------------------------------------------


def test_rejected_rows_come_back_in_the_users_layout_to_fix(tree: Any, tmp_path: Path) -> None:
    path = identity_numbers_that_are_wrong(tmp_path)
    result = import_persons(scope=Scope.system(reason="tests"), community_code=COMMUNITY, path=path)
    out = io.BytesIO()
    assert rejected_workbook(path, result, out) == 5
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[:3] == [
        ["Rejected rows", *[None] * 13],
        ["File：d.xlsx", *[None] * 13],
        [*HEADER, "Reason for rejection"],  # 错误原因 in Chinese (tests/test_translations.py)
    ]
    assert [(v[1], v[3], v[13]) for v in values[3:]] == [
        ("张三", ZHANG[:17] + "9", "身份证号：The check digit of the identity number is wrong."),
        (
            "李四",
            "410106199013010117",
            "身份证号：The birth date inside the identity number is not a date.",
        ),
        ("王五", 4.10106199001011e17, f"身份证号：{EXCEL_NUMBER}"),
        ("赵六", "4.10106E+17", f"身份证号：{EXCEL_NUMBER}"),
        (
            "钱七",
            "41010619900101",
            "身份证号：An identity number has 18 characters: 17 digits and a digit or X.",
        ),
    ]
    # The user types the right numbers in and imports that very file again.
    fixed = tmp_path / "fixed.xlsx"
    for index, number in enumerate([ZHANG, LI, WANG, ZHAO, BABY], start=4):
        sheet.cell(index, 4).value = number
    sheet.parent.save(fixed)
    assert run(fixed) == summary(5, created=5)  # its own reason column passes unremarked


def test_the_rejected_workbook_accepts_a_stored_summary(tree: Any, tmp_path: Path) -> None:
    path = identity_numbers_that_are_wrong(tmp_path)
    stored = json.loads(json.dumps(run(path)))
    assert rejected_workbook(path, stored, tmp_path / "r.xlsx", filename="d.xlsx") == 5


# --- The command line -------------------------------------------------------------------


def test_the_import_command_prints_the_json_summary(tree: Any, tmp_path: Path) -> None:
    path = people_without_identity_numbers(tmp_path)
    out = io.StringIO()
    call_command("import", "persons", str(path), "--community", COMMUNITY, "--json", stdout=out)
    assert json.loads(out.getvalue()) == summary(
        4,
        created=2,
        made=places(1, 1, 1, 1),
        rejected=[entry(6, "姓名", "", "The name is empty.")],
        warnings=[entry(4, "姓名", "张三", SAME_PERSON.format(3))],
    )
    assert "张三" in out.getvalue()  # ensure_ascii=False


def test_the_import_command_reads_for_people(tree: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "import",
        "persons",
        str(people_without_identity_numbers(tmp_path)),
        "--community",
        COMMUNITY,
        "--dry-run",
        stdout=out,
    )
    assert out.getvalue().splitlines() == [
        "Dry run: nothing was saved.",
        "Rows: 4  created: 2  updated: 0  unchanged: 0  rejected: 1  warnings: 1",
        "New places: compounds 1  buildings 1  units 1  households 1",
        "Rejected rows:",
        "  Row 6 [姓名] : The name is empty.",
        "Warnings:",
        "  Row 4 [姓名] 张三: The same person as row 3; the two rows were merged.",
    ]
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.xlsx", "--community", COMMUNITY], "No such file: missing.xlsx"),
        (
            ["PHOTO", "--community", COMMUNITY],
            "This file is not an Excel workbook although its name ends in .xlsx; open it in "
            "Excel or WPS and save it as .xlsx.",
        ),
        (["LEDGER", "--community", "410106001999"], "Community not found."),
    ],
)
def test_the_import_command_fails_clearly(
    tree: Any, tmp_path: Path, arguments: list[str], message: str
) -> None:
    (tmp_path / "photo.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    ledger = xlsx(tmp_path / "ledger.xlsx", [row("张三", id_number=ZHANG)])
    names = {"PHOTO": str(tmp_path / "photo.xlsx"), "LEDGER": str(ledger)}
    with pytest.raises(CommandError) as exc:
        call_command("import", "persons", *[names.get(a, a) for a in arguments])
    assert str(exc.value) == message


def test_the_benchmark_refuses_anything_but_postgresql(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError) as exc:
        call_command("bench", "import", "--persons", "10")
    assert str(exc.value).startswith("The import benchmark measures PostgreSQL")


def test_the_benchmark_ledger_is_valid_people(db: Any) -> None:
    people = list(bench._people(3000, seed=1))
    numbers = [p[2] for p in people]
    assert len(set(numbers)) == 3000
    for _name, sex, number, birth, *_rest in people[:500]:
        resident = parse_resident_id(number)
        assert (resident.birth_date, "男" if resident.sex == "M" else "女") == (birth, sex)
    assert {p[5] for p in people} == {"金华小区1期", "锦绣小区1期"}
    assert people[0][6:9] == ("1号楼", "1单元", "101")


# --- The fast paths agree with the reference functions -----------------------------------


def test_the_quick_identity_check_agrees_with_parse_resident_id() -> None:
    rng = random.Random(7)
    today = dt.date.today()
    numbers = [
        rid(
            f"{rng.randrange(1900, 2024)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}",
            rng.randrange(100),
        )
        for _ in range(2000)
    ]
    numbers += [n[:17] + rng.choice("0123456789X") for n in numbers[:2000]]
    numbers += ["410106199002301233", "410106299001011234", "41010619900101123X"]
    for number in numbers:
        quick = importer._quick_resident_id(number, today)
        try:
            full = parse_resident_id(number)
        except IdentifierError:
            assert quick is None, number
            continue
        assert quick == (full.number, full.sex, full.birth_date), number


def test_the_quick_pinyin_agrees_with_derive() -> None:
    rng = random.Random(3)
    surnames = "王李张刘陈杨黄赵吴周单曾解仇朴查区乐翟盖尉缪长柏秘员召种沈任华纪"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红长重乐行朝建国志海银行"
    names = [
        rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.randrange(1, 4)))
        for _ in range(3000)
    ] + ["单于", "长孙无忌", "阿卜杜·热合曼", "Lily"]
    for name in names:
        quick = importer._quick_search_fields(name)
        reference = person_search_fields(name, None)
        if quick is not None:
            assert quick == (reference["name_pinyin"], reference["name_initials"]), name


# --- Addresses ------------------------------------------------------------------------------

NAMES = ["中安街社区", "济源路街道", "上街区"]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("金华小区3号楼2单元501室", ParsedAddress("金华小区", "3号楼", "2单元", "501")),
        ("3栋2单元501", ParsedAddress(None, "3号楼", "2单元", "501")),
        ("3-2-501", ParsedAddress(None, "3号楼", "2单元", "501")),
        ("3一2一301", ParsedAddress(None, "3号楼", "2单元", "301")),
        ("金华小区3#2-501", ParsedAddress("金华小区", "3号楼", "2单元", "501")),
        ("中安街社区金华小区3号楼2单元501", ParsedAddress("金华小区", "3号楼", "2单元", "501")),
        (
            "中安街社区居委会金华小区三号楼二单元0501",
            ParsedAddress("金华小区", "3号楼", "2单元", "501"),
        ),
        (
            "中安街社区居民委员会 金华小区 3 号楼 2 单元 501",
            ParsedAddress("金华小区", "3号楼", "2单元", "501"),
        ),
        (
            "河南省郑州市上街区济源路街道中安街社区金华小区3号楼2单元501室",
            ParsedAddress("金华小区", "3号楼", "2单元", "501"),
        ),
        ("新城市花园3－2－501", ParsedAddress("新城市花园", "3号楼", "2单元", "501")),
        ("建设路12号院3号楼2单元501", ParsedAddress("建设路12号院", "3号楼", "2单元", "501")),
        ("金华小区3号楼501室", ParsedAddress("金华小区", "3号楼", None, "501")),
        ("金华小区A座2单元501", ParsedAddress("金华小区", "A座", "2单元", "501")),
        ("一组12号", ParsedAddress("一组", None, None, "12")),
        ("第三村民组5号", ParsedAddress("三组", None, None, "5")),
        ("12组8号", ParsedAddress("十二组", None, None, "8")),
        ("金华小区", None),
        ("东边那个院子", None),
        ("", None),
    ],
)
def test_addresses_are_read_into_their_parts(text: str, parsed: ParsedAddress | None) -> None:
    assert parse_address(text, community_names=NAMES) == parsed


def test_the_kept_summary_masks_identity_numbers_and_phones(tree: Any, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "m.xlsx",
        [
            row("张三", id_number=ZHANG, phone="13800000001"),
            row("张三", id_number=ZHANG, phone="12345"),
        ],
    )
    summary = import_persons(
        scope=Scope.system(reason="tests"), community_code=COMMUNITY, path=path
    )
    full = [(e["column"], e["value"]) for e in summary.as_dict()["warnings"]]
    kept = [(e["column"], e["value"]) for e in summary.as_dict(masked=True)["warnings"]]
    assert full == [("联系电话", "12345"), ("身份证号", ZHANG)]
    assert kept == [("联系电话", "***45"), ("身份证号", ZHANG[:4] + "**********" + ZHANG[-4:])]
