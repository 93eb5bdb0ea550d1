"""The labs area's part of the scope matrix (tests/web/matrix.py).

A lab of the subdistrict (so the subdistrict officer works it, the town's officer is the
sibling, the district above), a campaign with a site of our community, a positive tube
of 张三 and 李梅, results waiting unmatched, and a finished upload with a rejected row,
all through the ORM. Lab results, boxes and the queue need TESTING_RESULT (a community
worker has not); pools, tubes and a person's samples need TESTING_VIEW. The device
routes (`POST /boxes/receive`, `POST /results`) answer staff tokens 401: their own
matrix is tests/testing/labs/test_results.py and test_upload_and_boxes.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.utils import timezone

from fangkong.core.models import Job
from fangkong.core.scope import Scope
from fangkong.testing.labs.selectors import JOB_NAME
from fangkong.testing.models import (
    Campaign,
    Device,
    Lab,
    LabResult,
    Sample,
    SamplingSite,
    Target,
    TransportBox,
    Tube,
)
from tests.conftest import COMMUNITY, DISTRICT, SUBDISTRICT
from tests.web.matrix import Route, World, post

DEVICE_API_ROUTES = {("POST", "/boxes/receive"), ("POST", "/results")}


def extend(world: World, system_scope: Scope) -> None:
    now = timezone.now()
    campaign = Campaign.objects.create(
        jurisdiction_code=DISTRICT,
        name="矩阵全员核酸",
        scope_codes=[DISTRICT],
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=10),
        status=Campaign.Status.OPEN,
        created_at=now,
    )
    site = SamplingSite.objects.create(jurisdiction_code=COMMUNITY, name="中安街社区广场采样点")
    lab = Lab.objects.create(jurisdiction_code=SUBDISTRICT, name="矩阵检测实验室")
    device = Device.objects.create(
        lab=lab,
        jurisdiction_code=SUBDISTRICT,
        name="前处理电脑",
        key_hash="0" * 64,
        prefix="fkt_matrix",
        created_at=now,
    )
    site_device = Device.objects.create(
        site=site,
        jurisdiction_code=COMMUNITY,
        name="扫码枪",
        key_hash="1" * 64,
        prefix="fkt_site",
        created_at=now,
    )
    box = TransportBox.objects.create(
        campaign=campaign,
        barcode="MX-BOX-1",
        site=site,
        jurisdiction_code=COMMUNITY,
        status=TransportBox.Status.HANDED_OVER,
        tube_count=1,
        packed_at=now - dt.timedelta(hours=1),
        handed_at=now - dt.timedelta(hours=1),
        transporter="王师傅",
    )
    tubes = []
    for n, (barcode, people, result) in enumerate(
        [
            ("MX-0001", (world.mine.person, world.mine.housemate), "positive"),
            ("MX-0002", (), ""),
        ]
    ):
        tube = Tube.objects.create(
            campaign=campaign,
            barcode=barcode,
            site=site,
            jurisdiction_code=COMMUNITY,
            pool_size=20,
            count=len(people),
            status=Tube.Status.PACKED if n == 0 else Tube.Status.CLOSED,
            opened_at=now - dt.timedelta(hours=1),
            box=box if n == 0 else None,
            result=result,
            resulted_at=now if result else None,
        )
        tubes.append(tube)
        for person in people:
            Target.objects.create(
                campaign=campaign,
                person=person,
                jurisdiction_code=person.jurisdiction_code,
                sampled_at=now,
                result=result,
                locked=True,
                locked_reason="MX-0001",
            )
            Sample.objects.create(
                campaign=campaign,
                client_id=f"mx-{person.pk}",
                tube=tube,
                person=person,
                jurisdiction_code=person.jurisdiction_code,
                site=site,
                device=site_device,
                code_kind="id",
                scanned_at=now,
                stored_at=now,
            )
    waiting = []
    for key, barcode in (("MX-TYPO", "MX-000I"), ("MX-LATE", "MX-0002")):
        waiting.append(
            LabResult.objects.create(
                lab=lab,
                jurisdiction_code=SUBDISTRICT,
                key=key,
                barcode=barcode,
                result="negative",
                tested_at=now,
                received_at=now,
                source="api",
            )
        )
    folder = Path(settings.VAR_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    upload = folder / "matrix-results.csv"
    upload.write_text("样本编号,检测结果\nMX-0001,弱阳\n", encoding="utf-8")
    job = Job.objects.create(
        kind=Job.Kind.IMPORT,
        name=JOB_NAME,
        jurisdiction_code=SUBDISTRICT,
        status=Job.Status.DONE,
        input_file=str(upload),
        output_name="matrix-results.csv",
        params={"lab": lab.pk},
        result={
            "rows": 1,
            "stored": 0,
            "duplicate": 0,
            "unmatched": 0,
            "rejected": [{"row": 2, "column": "检测结果", "value": "弱阳", "reason": "x"}],
        },
    )
    world.extra["testing_labs"] = SimpleNamespace(
        lab=lab, device=device, tube=tubes[0], typo=waiting[0], job=job
    )


def _l(w: World) -> Any:
    return w.extra["testing_labs"]


# Lab work: TESTING_RESULT, which the subdistrict officer holds and a community worker not.
_RESULT = {
    "without_perm": "community_worker",
    "allowed": "subdistrict_officer",
    "sibling": "town_officer",
    "parent": "district_admin_nototp",
}
_MANAGE = _RESULT
_VIEW = {"without_perm": "no_role_user"}

ROUTES: list[Route] = [
    Route("testing:labs_list", is_object=False, **_MANAGE),
    Route("testing:labs_new", is_object=False, **_MANAGE),
    Route(
        "testing:labs_new",
        data=lambda w: {"jurisdiction_code": SUBDISTRICT, "name": "第二实验室"},
        **post(**_MANAGE),
    ),
    Route("testing:labs_lab", kwargs=lambda w: {"pk": _l(w).lab.pk}, **_MANAGE),
    Route(
        "testing:labs_lab",
        kwargs=lambda w: {"pk": _l(w).lab.pk},
        data=lambda w: {"name": "扫码枪2"},
        **post(ok=frozenset({200}), **_MANAGE),
    ),
    Route(
        "testing:labs_device_revoke",
        kwargs=lambda w: {"pk": _l(w).device.pk},
        **post(**_MANAGE),
    ),
    Route("testing:labs_receive", is_object=False, **_RESULT),
    Route(
        "testing:labs_receive",
        data=lambda w: {"lab": _l(w).lab.pk, "box": "MX-BOX-1"},
        **post(is_object=False, ok=frozenset({200}), **_RESULT),
    ),
    Route("testing:labs_results", is_object=False, **_RESULT),
    Route("testing:labs_upload", is_object=False, **_RESULT),
    Route("testing:labs_import_status", kwargs=lambda w: {"job_id": _l(w).job.pk}, **_RESULT),
    Route("testing:labs_import_rejected", kwargs=lambda w: {"job_id": _l(w).job.pk}, **_RESULT),
    Route("testing:labs_unmatched", is_object=False, **_RESULT),
    Route("testing:labs_match_known", **post(is_object=False, **_RESULT)),
    Route("testing:labs_match", kwargs=lambda w: {"pk": _l(w).typo.pk}, **_RESULT),
    Route(
        "testing:labs_match",
        kwargs=lambda w: {"pk": _l(w).typo.pk},
        data=lambda w: {"tube": "MX-0001", "reason": "实验室把1录成了I"},
        **post(**_RESULT),
    ),
    Route("testing:labs_alarms", is_object=False, **_VIEW),
    Route("testing:labs_tube", kwargs=lambda w: {"pk": _l(w).tube.pk}, **_VIEW),
    Route("testing:labs_person", kwargs=lambda w: {"pk": w.mine.person.pk}, **_VIEW),
]
