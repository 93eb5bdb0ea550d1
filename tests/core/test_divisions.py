"""The packaged division tables, their names, and loading a district's tree."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fangkong.core.divisions import (
    clean_town_name,
    clean_village_name,
    district_divisions,
    division_name,
    division_path,
    load_district,
)
from fangkong.core.models import AuditEntry, Jurisdiction
from fangkong.core.scope import Scope

COMMUNITY, VILLAGE = Jurisdiction.Kind.COMMUNITY, Jurisdiction.Kind.VILLAGE


@pytest.mark.parametrize(
    ("official", "name", "kind"),
    [
        ("中安街社区居民委员会", "中安街社区", COMMUNITY),
        ("碧沙岗社区居委会", "碧沙岗社区", COMMUNITY),
        ("体育社区居民居委会", "体育社区", COMMUNITY),
        ("亚星社区居民管理委员会", "亚星社区", COMMUNITY),
        ("嵩溪园居委会", "嵩溪园社区", COMMUNITY),
        ("管道三公司居民委员会", "管道三公司社区", COMMUNITY),
        ("光合花园社区", "光合花园社区", COMMUNITY),
        ("北峡窝村村民委员会", "北峡窝村", VILLAGE),
        ("林山寨村民委员会", "林山寨村", VILLAGE),
        ("小岗刘村委会", "小岗刘村", VILLAGE),
        ("小刘村村委会", "小刘村", VILLAGE),
        ("岗李村", "岗李村", VILLAGE),
        # typos the tables really contain
        ("东崔庄村民委员会委会", "东崔庄村", VILLAGE),
        ("第伍疃村村民委员民", "第伍疃村", VILLAGE),
        ("邰庄村民员委会", "邰庄村", VILLAGE),
        ("闫庄村民委员会会", "闫庄村", VILLAGE),
        ("王耆店村村委员会", "王耆店村", VILLAGE),
        ("岳寨社区居民委委会", "岳寨社区", COMMUNITY),
        ("益民街社区居委员会", "益民街社区", COMMUNITY),
        ("杨岗村村民委员会（新乡市古龙实业公司））", "杨岗村", VILLAGE),
        # not committees at all
        ("陶村林场虚拟生活区", "陶村林场虚拟生活区", COMMUNITY),
        ("农场六分场生活区", "农场六分场生活区", COMMUNITY),
    ],
)
def test_village_level_names_are_cleaned(official: str, name: str, kind: str) -> None:
    assert clean_village_name(official) == (name, kind)


@pytest.mark.parametrize(
    ("official", "name", "kind"),
    [
        ("济源路街道", "济源路街道", Jurisdiction.Kind.SUBDISTRICT),
        ("峡窝镇", "峡窝镇", Jurisdiction.Kind.TOWN),
        ("金寨回族乡", "金寨回族乡", Jurisdiction.Kind.TOWN),
        ("杏花营农场", "杏花营农场", Jurisdiction.Kind.SUBDISTRICT),
    ],
)
def test_town_level_kinds(official: str, name: str, kind: str) -> None:
    assert clean_town_name(official) == (name, kind)


def test_no_cleaned_name_ends_in_a_committee() -> None:
    from fangkong.core.divisions import _table

    names = [clean_village_name(official)[0] for official, _ in _table(12).values()]
    assert len(names) == 52378
    assert [n for n in names if n.endswith(("委员会", "委会", "委员", "委员民"))] == []
    # Sub-committees inside a community (张青社区张青居民委员会) keep the community prefix.
    odd = [n for n in names if not n.endswith(("村", "社区", "生活区", "管理区"))]
    assert odd and all("社区" in n for n in odd)


def test_names_of_any_henan_code() -> None:
    assert division_name("41") == "河南省"
    assert division_name("4101") == "郑州市"
    assert division_name("410106") == "上街区"
    assert division_name("410106001") == "济源路街道"
    assert division_name("410106001001") == "中安街社区"
    assert division_name("410106100201") == "北峡窝村"
    # A bare 虚拟生活区 takes its town's name.
    assert division_name("410225401598") == "仪封园艺场虚拟生活区"
    # Retired, foreign and malformed codes are unknown, not errors.
    for code in ("410111", "412701", "110105", "", "41x106", "410106001001001"):
        assert division_name(code) is None
    assert division_path("410106100201") == "河南省郑州市上街区峡窝镇北峡窝村"
    assert division_path("410225401598") == "河南省开封市兰考县仪封园艺场虚拟生活区"
    assert division_path("410111") is None


def test_the_shangjie_tree_from_the_tables() -> None:
    rows = district_divisions("410106")
    by_code = {row.code: row for row in rows}
    assert [r.code for r in rows if r.level == "district"] == ["410106"]
    towns = [r for r in rows if r.level == "subdistrict"]
    assert len(towns) == 6
    assert {r.kind for r in towns} == {"subdistrict", "town"}
    assert by_code["410106100"].kind == "town"
    communities = [r for r in rows if r.level == "community"]
    assert len(communities) == 64
    assert sum(r.kind == "village" for r in communities) == 22
    assert all(by_code[r.parent_code or ""].level == "subdistrict" for r in communities)
    with pytest.raises(ValueError):
        district_divisions("410199")


def test_load_district_builds_the_tree_once(db: Any) -> None:
    counts = load_district("410106")
    assert counts == {
        "district": 1,
        "subdistrict": 5,
        "town": 1,
        "community": 42,
        "village": 22,
        "created": 71,
        "updated": 0,
        "unchanged": 0,
    }
    district = Jurisdiction.objects.get(code="410106")
    assert (district.parent_id, district.level, district.name) == (None, "district", "上街区")
    zhongan = Jurisdiction.objects.get(code="410106001001")
    assert (zhongan.parent_id, zhongan.level, zhongan.kind) == (
        "410106001",
        "community",
        "community",
    )
    assert (zhongan.name, zhongan.official_name) == ("中安街社区", "中安街社区居民委员会")
    assert zhongan.jurisdiction_code == zhongan.code
    village = Jurisdiction.objects.get(code="410106100201")
    assert (village.name, village.kind) == ("北峡窝村", "village")

    stamps = dict(Jurisdiction.objects.values_list("code", "updated_at"))
    again = load_district("410106")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 71)
    assert dict(Jurisdiction.objects.values_list("code", "updated_at")) == stamps


def test_reloading_keeps_what_an_office_changed(db: Any) -> None:
    load_district("410106")
    Jurisdiction.objects.filter(code="410106001001").update(name="中安街", is_active=False)
    # A name the office never touched follows the tables when they change.
    Jurisdiction.objects.filter(code="410106001002").update(
        official_name="商业街居委会", name="商业街社区"
    )
    counts = load_district("410106")
    assert (counts["created"], counts["updated"]) == (0, 1)
    zhongan = Jurisdiction.objects.get(code="410106001001")
    assert (zhongan.name, zhongan.is_active) == ("中安街", False)
    shangye = Jurisdiction.objects.get(code="410106001002")
    assert (shangye.name, shangye.official_name) == ("商业街社区", "商业街社区居民委员会")


def test_load_divisions_command(db: Any) -> None:
    out = StringIO()
    call_command("load_divisions", "410106", stdout=out)
    assert out.getvalue().strip() == (
        "410106: 1 district, 5 subdistricts, 1 towns, 42 communities, 22 villages; "
        "created 71, updated 0, unchanged 0"
    )
    entries = list(AuditEntry.objects.values_list("action", "object_id", "reason"))
    assert entries == [("core.divisions.loaded", "410106", "load divisions")]
    call_command("load_divisions", "410106", stdout=StringIO())
    assert AuditEntry.objects.count() == 1  # nothing changed, nothing recorded
    assert Jurisdiction.objects.within(Scope.system(reason="tests", code="410106")).count() == 71
    with pytest.raises(CommandError, match="not a district"):
        call_command("load_divisions", "999999", stdout=StringIO())
