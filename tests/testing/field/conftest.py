"""The field area's world: the testing world (tests/testing/conftest.py) plus a
door-to-door team in each community, staff of both communities, a lab, and helpers that
sample people through the lead's scans ingest and post a lab's results."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.scope import Scope
from fangkong.testing.labs import results as lab_results
from fangkong.testing.labs import services as labs
from fangkong.testing.models import Lab, SamplingSite, Tube
from fangkong.testing.sampling import ingest
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, DISTRICT, SIBLING

from ..conftest import TWorld


@dataclass
class FWorld:
    tw: TWorld
    team: SamplingSite  # 中安街社区's door-to-door team
    other_team: SamplingSite  # the sibling community's
    worker: User
    worker_scope: Scope
    sibling: User
    sibling_scope: Scope
    viewer: User
    lab: Lab

    def client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def fw(
    tw: TWorld, make_user: Callable[..., User], scope_of: Callable[[User], Scope], settings: Any
) -> FWorld:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()
    team = sampling.site_create(
        scope=tw.officer_scope,
        jurisdiction_code=COMMUNITY,
        name="中安街上门采样队",
        kind=SamplingSite.Kind.DOOR_TO_DOOR,
    )
    other_team = sampling.site_create(
        scope=tw.officer_scope,
        jurisdiction_code=SIBLING,
        name="隔壁上门采样队",
        kind=SamplingSite.Kind.DOOR_TO_DOOR,
    )
    worker = make_user("community_worker", COMMUNITY, username="field_worker")
    sibling = make_user("community_worker", SIBLING, username="field_sibling")
    viewer = make_user("community_viewer", COMMUNITY, username="field_viewer")
    lab = labs.lab_create(scope=tw.officer_scope, jurisdiction_code=DISTRICT, name="检测实验室")
    return FWorld(
        tw, team, other_team, worker, scope_of(worker), sibling, scope_of(sibling), viewer, lab
    )


def sample(tw: TWorld, barcode: str, codes: list[str], **extra: Any) -> list[Any]:
    """Open a tube, scan these codes into it and close it, through the ingest; the
    answers, in order."""
    now = timezone.now()
    items = [ingest.ScanIn(id=str(uuid.uuid4()), kind="open", at=now, tube=barcode)]
    for code in codes:
        items.append(
            ingest.ScanIn(
                id=str(uuid.uuid4()),
                kind="sample",
                at=now,
                tube=barcode,
                code=code,
                repeat_reason=extra.get("repeat_reason", ""),
            )
        )
    items.append(ingest.ScanIn(id=str(uuid.uuid4()), kind="close", at=now, tube=barcode))
    campaign = extra.get("campaign") or tw.campaign
    return ingest.scans_ingest(device=tw.device, campaign=campaign, scans=items)


def result(fw: FWorld, barcode: str, value: str) -> Tube:
    """The lab's result for a tube, through the labs area's ingest of results."""
    answers = lab_results.results_ingest(
        scope=Scope.system(reason="test: a lab's result"),
        lab=fw.lab,
        rows=[
            lab_results.ResultIn(key=barcode, tube=barcode, result=value, tested_at=timezone.now())
        ],
        source="api",
    )
    assert [a.status for a in answers] == ["stored"], answers
    return Tube.objects.get(barcode=barcode)
