#!/usr/bin/env python3
"""Print the role/permission table of docs/user-guide/README.md from accounts/roles.py.

    .venv/bin/python scripts/roles_table.py

(tests/accounts/test_roles_doc.py fails when the page and the code disagree.)
"""

from __future__ import annotations

import os
import sys

LABELS = {
    "place.view": "查看辖区和场所",
    "place.manage": "管理场所（网格、小区、楼栋、单元、户）",
    "person.view": "查看人员",
    "person.edit": "登记、修改、迁移人员（社区内）",
    "person.reveal": "查看完整身份证号和电话",
    "person.transfer": "跨社区转移人员",
    "person.import": "导入台账",
    "screening.view": "查看排查",
    "screening.manage": "开启、关闭排查轮次",
    "screening.record": "入户排查登记",
    "screening.sign": "排查签字",
    "riskarea.view": "查看中高风险地区",
    "riskarea.manage": "维护中高风险地区",
    "pushlist.manage": "导入和处理推送名单",
    "verification.view": "查看落地查人任务",
    "verification.record": "登记落地核查结果",
    "verification.route": "改派、办结核查任务",
    "arrival.view": "查看来返报备",
    "arrival.verify": "核实来返报备",
    "control.view": "查看管控措施、隔离点、随访、预警、管控区域",
    "control.propose": "提出管控措施",
    "control.approve": "审批、解除、延长、终止、移交管控措施",
    "control.policy": "维护防控方案",
    "control.site": "管理隔离点和房间、入住、转点、离开",
    "control.careteam": "管理包保专班、门磁",
    "control.followup": "登记每日随访、封条、上门检测结果",
    "control.alert": "处理预警",
    "control.zone": "划定、解除封控区/管控区/防范区",
    "testing.view": "查看核酸检测（覆盖率、未采名单、监测）",
    "testing.manage": "管理检测轮次、采样点、设备、检测机构",
    "testing.sample": "采样工作（码卡、上门采样、豁免登记）",
    "testing.result": "检测结果（接收转运箱、上传结果、匹配、阳性处置）",
    "support.view": "查看居民求助",
    "support.handle": "处理居民求助",
    "report.view": "查看日报和指挥大屏",
    "report.fill": "填报、提交日报",
    "report.sign": "签发日报",
    "notice.send": "发布通知",
    "message.send": "向居民发送短信",
    "data.export": "导出",
    "user.view": "查看账号列表",
    "user.manage": "新建、修改账号",
    "audit.view": "查看审计日志",
}
NAMES = {
    "district_admin": "区管理员",
    "district_viewer": "区查看员",
    "subdistrict_officer": "街道工作人员",
    "subdistrict_viewer": "街道查看员",
    "community_worker": "社区工作人员",
    "community_head": "社区负责人",
    "community_viewer": "社区查看员",
    "grid_worker": "网格员",
    "care_member": "专班成员",
    "lab_worker": "检测机构人员",
    "data_entry": "数据录入员",
}


def table() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from fangkong.accounts.roles import ROLES
    from fangkong.core.permissions import Perm

    codes = list(ROLES)
    lines = [
        "| 权限 | " + " | ".join(NAMES.get(c, c) for c in codes) + " |",
        "| --- | " + " | ".join(":-:" for _ in codes) + " |",
    ]
    for perm in Perm:
        marks = ["✓" if perm in ROLES[c].perms else " " for c in codes]
        lines.append(f"| {LABELS.get(perm.value, perm.value)} | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
