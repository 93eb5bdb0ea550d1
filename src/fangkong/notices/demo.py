"""The notices' part of `fangkong demo`: two notices of an office at work.

The district administrator's urgent notice of the testing round to every account of the
district, with the subdistricts' sampling timetable attached (a real .xlsx), and the
demo subdistrict's notice on arrivals to the workers, grid workers and heads of its
communities. The community head has read both; the community worker has read the
subdistrict's only, so that signing in as `community_worker` shows the unread banner and
the district's receipts page shows who has read what. A second run adds nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.accounts.management.commands.demo_accounts import demo_scope
from fangkong.accounts.models import User
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope

from . import selectors, services
from .models import Notice

ROUND_TITLE = "关于开展第二轮全员核酸检测的紧急通知"
ROUND_BODY = (
    "各街道（镇）、社区：\n"
    "经区疫情防控指挥部研究，定于明日6:00至12:00在全区开展第二轮全员核酸检测。请各单位：\n"
    "一、今日18:00前完成采样点布设和人员培训，采样点位及时间见附件；\n"
    "二、以小区为单位组织居民分时段错峰采样，做到“不漏一户、不落一人”；\n"
    "三、对行动不便、卧床人员安排上门采样，对未采样人员逐户敲门核实；\n"
    "四、每日17:00前通过系统报送日报，未采样人员名单当日清零。\n"
    "联系电话：0371-68900000（区指挥部办公室，24小时值守）"
)
ARRIVALS_TITLE = "关于做好来返人员落地排查工作的通知"
ARRIVALS_BODY = (
    "各社区：\n"
    "近期外地来返人员增多。请各社区对接收到的协查推送和来返报备，做到2小时内电话联系、"
    "12小时内上门核查，按风险等级落实居家健康监测或集中隔离措施，并在系统中如实登记。"
    "逾期未核查的，街道将逐一通报。"
)


def _timetable(district: str) -> SimpleUploadedFile:
    """各街道采样安排表: one row per subdistrict or town of the district."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "采样安排"
    sheet.append(["街道（镇）", "采样时间", "采样点数", "联系人"])
    places = (
        Jurisdiction.objects.filter(parent_id=district, is_active=True)
        .order_by("code")
        .values_list("name", flat=True)
    )
    for index, name in enumerate(places):
        start = 6 + index % 3
        sheet.append([name, f"{start:02d}:00—{start + 6:02d}:00", 4 + index % 5, "值班室"])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "各街道采样安排表.xlsx",
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _read(scope: Scope, username: str, notice: Notice) -> None:
    user = User.objects.filter(username=username).first()
    services.notice_open(scope=scope, reader=selectors.reader_of(user), notice=notice)


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    if Notice.objects.filter(jurisdiction_code__startswith=district).exists():
        return
    admin, officer = demo_scope("district_admin"), demo_scope("subdistrict_officer")
    head = demo_scope("community_head")
    if admin is None or officer is None or head is None or not officer.code:
        say("Notices: the demo accounts are missing; no notices sent.")
        return
    testing = services.notice_send(
        scope=admin,
        title=ROUND_TITLE,
        body=ROUND_BODY,
        audience=[district],
        priority=Notice.Priority.URGENT,
        files=[_timetable(district)],
    )
    arrivals = services.notice_send(
        scope=officer,
        title=ARRIVALS_TITLE,
        body=ARRIVALS_BODY,
        audience=[officer.code],
        roles=["community_worker", "community_head", "grid_worker"],
    )
    _read(head, "community_head", testing)
    _read(head, "community_head", arrivals)
    worker = demo_scope("community_worker")
    if worker is not None:
        _read(worker, "community_worker", arrivals)
    say(f"Notices: 2 sent ({ROUND_TITLE}; {ARRIVALS_TITLE}), read by the community's staff.")
