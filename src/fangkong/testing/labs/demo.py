"""The labs' part of the demo district (`fangkong demo`, after the sampling demo): a lab
of the district with a device, the boxes the demo sites handed over received (one of them
late, when the sampling demo made one), and results for the demo campaign's tubes: all
negative but one positive pool, whose members are locked with their retests and alerts.
Idempotent: the lab is found by name, a box is received once, a result stored once per
(lab, tube) and the alarm raised once."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count
from django.utils import timezone

from fangkong.core.scope import Scope

from ..models import Campaign, Device, Lab, LabResult, Result, TransportBox, Tube
from . import results as lab_results
from . import services

LAB_NAME = "上街区疾控中心核酸检测实验室"


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    lab = Lab.objects.filter(jurisdiction_code=district, name=LAB_NAME).first()
    if lab is None:
        lab = services.lab_create(
            scope=system,
            jurisdiction_code=district,
            name=LAB_NAME,
            address="上街区中心路 8 号",
            phone="0371-68900000",
        )
    if not Device.objects.filter(lab=lab).exists():
        services.lab_device_create(scope=system, lab=lab, name="前处理工作站")
    campaign = (
        Campaign.objects.filter(jurisdiction_code__startswith=district, status=Campaign.Status.OPEN)
        .order_by("-starts_at")
        .first()
    )
    if campaign is None:
        say("labs: no open demo campaign; only the lab was made")
        return
    boxes = list(
        TransportBox.objects.filter(
            campaign=campaign,
            status__in=[TransportBox.Status.HANDED_OVER, TransportBox.Status.IN_TRANSIT],
        ).order_by("barcode")
    )
    late = 0
    for box in boxes:
        receipt = services.box_receive(scope=system, lab=lab, barcode=box.barcode)
        late += int(receipt.late)
    tubes = list(
        Tube.objects.filter(campaign=campaign, status=Tube.Status.RECEIVED, count__gt=0)
        .annotate(n=Count("samples"))
        .order_by("barcode")
    )
    done = set(LabResult.objects.filter(lab=lab).values_list("barcode", flat=True))
    todo = [t for t in tubes if t.barcode not in done]
    if not todo:
        say(f"labs: {len(boxes)} boxes received, results already in")
        return
    pooled = [t for t in todo if t.pool_size > 1 and t.n >= 2]
    positive = pooled[(seed % len(pooled))] if pooled and not _has_alarm(campaign) else None
    now = timezone.now()
    rows = [
        lab_results.ResultIn(
            key=t.barcode,
            tube=t.barcode,
            result=Result.POSITIVE if t is positive else Result.NEGATIVE,
            tested_at=now,
            ct="ORF1ab 27.4; N 28.9" if t is positive else "",
        )
        for t in todo
    ]
    stored = 0
    for start in range(0, len(rows), lab_results.MAX_RESULTS):
        answers = lab_results.results_ingest(
            scope=system, lab=lab, rows=rows[start : start + lab_results.MAX_RESULTS], source="api"
        )
        stored += sum(1 for a in answers if a.status == "stored")
    say(
        f"labs: {len(boxes)} boxes received ({late} late), {stored} results"
        + (f", positive pool {positive.barcode}" if positive else "")
    )


def _has_alarm(campaign: Campaign) -> bool:
    return Tube.objects.filter(campaign=campaign, result__in=[Result.POSITIVE]).exists()
