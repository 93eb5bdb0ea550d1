"""The demo round: opened over the district through the service, two exemptions by hand,
and a second run adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.testing.campaigns import demo
from fangkong.testing.models import Campaign, Target
from tests.conftest import DISTRICT
from tests.world import build_world

# As `fangkong demo` runs it: no transaction around it, so the service's job runs when
# its transaction commits.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_sqlite_audit_flushable"),
]


def test_the_demo_round_is_open_and_loaded_once(tree: Any, system_scope: Any) -> None:
    build_world(system_scope)
    said: list[str] = []
    demo.load(district=DISTRICT, seed=1, say=said.append)
    campaign = Campaign.objects.get()
    assert campaign.name == "上街区第1轮全员核酸检测"
    assert campaign.status == Campaign.Status.OPEN
    assert campaign.jurisdiction_code == DISTRICT and campaign.scope_codes == [DISTRICT]
    exempt = dict(
        Target.objects.filter(campaign=campaign)
        .exclude(exemption="")
        .values_list("exemption", "exemption_note")
    )
    assert set(exempt) == {"away", "vaccinated"}
    assert (campaign.target_count, campaign.exempt_count) == (2, 2)
    demo.load(district=DISTRICT, seed=1, say=said.append)
    assert Campaign.objects.count() == 1
    assert Target.objects.filter(campaign=campaign).count() == 4
    assert said[-1] == "Testing campaigns: the demo round is there already."
