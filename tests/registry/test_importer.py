from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fangkong.registry.importer import import_persons
from fangkong.registry.models import Household, Person, Residence

from .ledgers import rid, xlsx


def test_smoke(tree: Any, system_scope: Any, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [
        [1, "张三", "男", rid("19900101", 1), "1990-01-01", "138 0000 0001", "金华小区", "3号楼", "2单元", "501", "户籍", "户主", ""],
        [2, "李四", "女", rid("19920202", 2, sex="F"), "1992/2/2", "+86 13800000002", "金华小区", "3", "2", "501室", "常住", "妻子", ""],
        [3, "王五", "", "", "", "13800000003", "", "", "", "", "", "", ""],
        [4, "张三", "男", rid("19900101", 1), "", "", "", "", "", "", "", "", "重复"],
    ], footer=[["填表人：赵六", "", "", "审核人：钱七"]])
    s = import_persons(scope=system_scope, community_code="410106001001", path=path)
    print(json.dumps(s.as_dict(), ensure_ascii=False, indent=1))
    for p in Person.objects.order_by("id").values():
        print(p)
    print(list(Household.objects.values()))
    print(list(Residence.objects.values()))
    s2 = import_persons(scope=system_scope, community_code="410106001001", path=path)
    print(json.dumps(s2.as_dict(), ensure_ascii=False))
    assert 0
