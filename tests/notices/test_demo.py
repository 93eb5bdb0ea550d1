"""The demo's notices: the district's urgent notice with its timetable to everyone, the
subdistrict's to the staff of its communities; read by the community's head (both) and
worker (the subdistrict's); loaded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fangkong.accounts.models import User
from fangkong.core.models import Jurisdiction
from fangkong.notices import demo, selectors
from fangkong.notices.models import Notice, NoticeAttachment, NoticeRead
from fangkong.registry.demo import demo_load

DISTRICT = "410106"


@pytest.fixture(autouse=True)
def _own_files(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _unread(username: str) -> int:
    reader = selectors.reader_of(User.objects.get(username=username))
    assert reader is not None
    return selectors.unread_count(reader=reader)


def test_two_notices_read_by_the_community(db: Any) -> None:
    demo_load(persons=600, seed=1, district=DISTRICT)
    said: list[str] = []
    demo.load(district=DISTRICT, seed=1, say=said.append)
    assert said == [
        f"Notices: 2 sent ({demo.ROUND_TITLE}; {demo.ARRIVALS_TITLE}), read by the "
        "community's staff."
    ]
    testing = Notice.objects.get(title=demo.ROUND_TITLE)
    arrivals = Notice.objects.get(title=demo.ARRIVALS_TITLE)
    assert (testing.jurisdiction_code, testing.audience_codes, testing.priority) == (
        DISTRICT,
        [DISTRICT],
        "urgent",
    )
    assert (testing.sent_by_name, arrivals.sent_by_name) == ("郑志远", "王建华")
    assert arrivals.audience_codes == ["410106001"]
    assert sorted(arrivals.audience_roles) == ["community_head", "community_worker", "grid_worker"]
    # The timetable is a real workbook: a row per subdistrict or town of the district.
    attachment = NoticeAttachment.objects.get(notice=testing)
    assert attachment.original_name == "各街道采样安排表.xlsx"
    book = openpyxl.load_workbook(selectors.attachment_path(attachment))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("街道（镇）", "采样时间", "采样点数", "联系人")
    places = Jurisdiction.objects.filter(parent_id=DISTRICT, is_active=True).order_by("code")
    assert [r[0] for r in rows[1:]] == list(places.values_list("name", flat=True))
    reads = set(NoticeRead.objects.values_list("notice__title", "account__username"))
    assert reads == {
        (demo.ROUND_TITLE, "community_head"),
        (demo.ARRIVALS_TITLE, "community_head"),
        (demo.ARRIVALS_TITLE, "community_worker"),
    }
    assert (_unread("community_worker"), _unread("grid_worker"), _unread("district_viewer")) == (
        1,
        2,
        1,
    )
    assert _unread("district_admin") == 0  # the sender
    demo.load(district=DISTRICT, seed=1, say=said.append)
    assert (Notice.objects.count(), NoticeRead.objects.count(), len(said)) == (2, 3, 1)
