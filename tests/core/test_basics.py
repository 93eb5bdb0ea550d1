from __future__ import annotations

import pytest

from fangkong.core.codes import Level, community_of, level_of, next_prefix, parent_code
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.masking import mask_id_number, mask_name, mask_phone
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.search import name_initials, name_pinyin
from fangkong.registry.derive import (
    canonical_building,
    canonical_room,
    canonical_unit,
    household_address,
)


@pytest.mark.parametrize(
    ("prefix", "upper"),
    [("410106001", "410106002"), ("41019", "4102"), ("4109", "411"), ("999", None), ("", None)],
)
def test_next_prefix(prefix: str, upper: str | None) -> None:
    assert next_prefix(prefix) == upper


def test_levels_follow_code_length() -> None:
    assert level_of("410106") == Level.DISTRICT
    assert level_of("410106001") == Level.SUBDISTRICT
    assert level_of("410106001001") == Level.COMMUNITY
    assert level_of("410106001001002") == Level.GRID
    assert parent_code("410106001001002") == "410106001001"
    assert parent_code("41") is None
    assert community_of("410106001001002") == "410106001001"
    with pytest.raises(ValueError):
        level_of("4101060")


def test_masks() -> None:
    assert mask_id_number("410102196001010016") == "4101**********0016"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0371-68123456") == "0371-****3456"
    # Short values never show more than half of themselves.
    assert [mask_phone(v) for v in ("1234", "12345", "12345678")] == ["****", "***45", "****5678"]
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_id_number(None) == ""


def test_pinyin_and_initials() -> None:
    assert (name_pinyin("张三"), name_initials("张三")) == ("zhangsan", "zs")
    assert name_initials("单雄信") == "sxx"  # surname reading, not dan
    assert name_pinyin("曾国藩") == "zengguofan"
    assert name_initials("吕布") == "lb"


def test_canonical_place_names() -> None:
    assert {canonical_building(x) for x in ["3", "3号", "3栋", "3幢", "3#", "3号楼", "三号楼"]} == {
        "3号楼"
    }
    assert canonical_building("A座") == "A座"
    assert {canonical_unit(x) for x in ["2", "2单元", "二单元"]} == {"2单元"}
    assert canonical_room("501室") == "501"
    assert canonical_room("东户") == "东户"
    assert household_address("金华小区", "3号楼", "2单元", "501") == "金华小区3号楼2单元501室"
    assert household_address("一组", None, None, "12号") == "一组12号"


def test_scope_requires_permission_and_code() -> None:
    scope = Scope.for_user(
        actor_id=1, actor_name="u", code="410106001001", perms={Perm.PERSON_VIEW}
    )
    scope.require(Perm.PERSON_VIEW, at="410106001001003")
    with pytest.raises(NotFound):
        scope.require(Perm.PERSON_VIEW, at="410106001002")
    with pytest.raises(PermissionDenied):
        scope.require(Perm.PERSON_EDIT, at="410106001001")
    with pytest.raises(ValueError):
        Scope.system(reason="")
    assert Scope.system(reason="job").can(Perm.AUDIT_VIEW, at="999")
