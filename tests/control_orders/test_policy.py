"""Policy evaluation, table-driven: each preset, each trigger, the dates of each phase
and its test days from a start; the policy in force on the boundary days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fangkong.control.models import Trigger
from fangkong.control.orders import selectors, services
from fangkong.control.orders.policy import plan, presets, release_met, rule_for, validate_rules
from fangkong.core.errors import ApplicationError
from fangkong.core.scope import Scope

# The rules' messages are checked in English, the source strings.
pytestmark = pytest.mark.usefixtures("english")

START = dt.date(2022, 7, 1)
D = dt.date

# preset -> trigger -> ([(measure, first day, last day, [test dates])], release) or None
EXPECTED: dict[str, dict[str, Any]] = {
    "fourteen_day": {
        "arrival_high": (
            [("central", D(2022, 7, 1), D(2022, 7, 14), [1, 4, 7, 14])],
            "all_negative",
        ),
        "arrival_medium": ([("home", D(2022, 7, 1), D(2022, 7, 14), [1, 7, 14])], "all_negative"),
        "close_contact": (
            [
                ("central", D(2022, 7, 1), D(2022, 7, 14), [1, 4, 7, 14]),
                ("home_monitoring", D(2022, 7, 15), D(2022, 7, 21), [2, 7]),
            ],
            "all_negative",
        ),
        "secondary_contact": (
            [("central", D(2022, 7, 1), D(2022, 7, 7), [1, 4, 7])],
            "all_negative",
        ),
        "companion": ([("home_monitoring", D(2022, 7, 1), D(2022, 7, 14), [1, 3])], "all_negative"),
        "positive": ([("central", D(2022, 7, 1), D(2022, 7, 14), [])], "none"),
        "sealed_zone": ([("home", D(2022, 7, 1), D(2022, 7, 14), [1, 4, 7, 14])], "all_negative"),
        "abroad": (
            [
                ("central", D(2022, 7, 1), D(2022, 7, 14), [1, 4, 7, 14]),
                ("home_monitoring", D(2022, 7, 15), D(2022, 7, 21), [2, 7]),
            ],
            "all_negative",
        ),
        "manual": ([("home_monitoring", D(2022, 7, 1), D(2022, 7, 7), [7])], "all_negative"),
    },
    "ninth_edition": {
        "arrival_high": (
            [("central", D(2022, 7, 1), D(2022, 7, 7), [1, 2, 3, 5, 7])],
            "all_negative",
        ),
        "arrival_medium": ([("home", D(2022, 7, 1), D(2022, 7, 7), [1, 4, 7])], "all_negative"),
        "close_contact": (
            [
                ("central", D(2022, 7, 1), D(2022, 7, 7), [1, 2, 3, 5, 7]),
                ("home_monitoring", D(2022, 7, 8), D(2022, 7, 10), [3]),
            ],
            "all_negative",
        ),
        "secondary_contact": ([("home", D(2022, 7, 1), D(2022, 7, 7), [1, 4, 7])], "all_negative"),
        "companion": ([("home_monitoring", D(2022, 7, 1), D(2022, 7, 7), [1, 2])], "all_negative"),
        "positive": ([("central", D(2022, 7, 1), D(2022, 7, 7), [])], "none"),
        "sealed_zone": ([("home", D(2022, 7, 1), D(2022, 7, 7), [1, 2, 3, 5, 7])], "all_negative"),
        "abroad": (
            [
                ("central", D(2022, 7, 1), D(2022, 7, 7), [1, 2, 3, 5, 7]),
                ("home_monitoring", D(2022, 7, 8), D(2022, 7, 10), [3]),
            ],
            "all_negative",
        ),
        "manual": ([("home_monitoring", D(2022, 7, 1), D(2022, 7, 7), [7])], "all_negative"),
    },
    "twenty_measures": {
        "arrival_high": ([("home", D(2022, 7, 1), D(2022, 7, 7), [1, 3, 5, 7])], "all_negative"),
        "arrival_medium": None,  # no medium-risk areas any more
        "close_contact": (
            [
                ("central", D(2022, 7, 1), D(2022, 7, 5), [1, 2, 3, 5]),
                ("home", D(2022, 7, 6), D(2022, 7, 8), [1, 3]),
            ],
            "all_negative",
        ),
        "secondary_contact": None,  # no secondary contacts any more
        "companion": None,
        "positive": ([("central", D(2022, 7, 1), D(2022, 7, 7), [6, 7])], "all_negative"),
        "sealed_zone": ([("home", D(2022, 7, 1), D(2022, 7, 5), [1, 2, 3, 4, 5])], "all_negative"),
        "abroad": (
            [
                ("central", D(2022, 7, 1), D(2022, 7, 5), [1, 2, 3, 5]),
                ("home", D(2022, 7, 6), D(2022, 7, 8), [1, 3]),
            ],
            "all_negative",
        ),
        "manual": ([("home_monitoring", D(2022, 7, 1), D(2022, 7, 7), [7])], "all_negative"),
    },
}

CASES = [(p, t) for p in EXPECTED for t in Trigger.values]


@pytest.mark.parametrize(("preset", "trigger"), CASES, ids=[f"{p}-{t}" for p, t in CASES])
def test_each_preset_and_trigger(preset: str, trigger: str) -> None:
    rule = rule_for(presets()[preset].rules, trigger)
    expected = EXPECTED[preset][trigger]
    if expected is None:
        assert rule is None
        return
    assert rule is not None
    phases, release = expected
    planned = plan(rule, START)
    assert [(p.measure, p.starts_on, p.ends_on, list(p.test_days)) for p in planned] == phases
    assert rule.release == release
    # The test dates fall inside their phase, on the days the policy names.
    for p, (_m, first, _last, days) in zip(planned, phases, strict=True):
        assert p.test_dates() == [first + dt.timedelta(days=d - 1) for d in days]


def test_preset_dates_and_legal_basis() -> None:
    found = presets()
    assert [(k, p.effective_from, p.effective_until) for k, p in found.items()] == [
        ("fourteen_day", D(2021, 5, 11), D(2022, 6, 27)),
        ("ninth_edition", D(2022, 6, 28), D(2022, 11, 10)),
        ("twenty_measures", D(2022, 11, 11), D(2022, 12, 6)),
    ]
    for p in found.values():
        assert "《中华人民共和国传染病防治法》" in p.legal_basis
        assert "《突发公共卫生事件应对条例》" in p.legal_basis
    assert "第八版" in found["fourteen_day"].legal_basis
    assert "第九版" in found["ninth_edition"].legal_basis
    assert "〔2022〕101号" in found["twenty_measures"].legal_basis


@pytest.mark.parametrize(
    ("release", "statuses", "met"),
    [
        ("all_negative", ["negative", "negative"], True),
        ("all_negative", ["negative", "missed"], False),
        ("all_negative", ["negative", "scheduled"], False),
        ("all_negative", ["negative", "cancelled"], True),
        ("all_negative", [], True),
        ("last_negative", ["missed", "negative"], True),
        ("last_negative", ["negative", "missed"], False),
        ("last_negative", ["positive", "negative"], False),
        ("last_negative", [], False),
        ("none", ["positive"], True),
        ("unknown", [], False),
    ],
)
def test_release_rules(release: str, statuses: list[str], met: bool) -> None:
    assert release_met(release, statuses) is met


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({}, "A policy needs rules for at least one trigger."),
        ({"flu": {}}, "Unknown trigger: flu."),
        ({"manual": {"phases": []}}, "needs at least one phase"),
        ({"manual": {"phases": [{"measure": "jail", "days": 3}]}}, "Unknown measure"),
        ({"manual": {"phases": [{"measure": "home", "days": 0}]}}, "lasts 1 to 60 days"),
        (
            {"manual": {"phases": [{"measure": "home", "days": 3, "test_days": [4]}]}},
            "day numbers within the phase",
        ),
        (
            {"manual": {"phases": [{"measure": "home", "days": 3}], "release": {"tests": "x"}}},
            "Unknown release rule",
        ),
    ],
)
def test_rules_are_checked(rules: Any, message: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        validate_rules(rules)
    assert message in caught.value.message
    assert caught.value.errors[0].field == "rules"


@pytest.fixture
def history(tree: Any, system_scope: Scope) -> dict[str, int]:
    """The three presets installed with their historical dates."""
    return {
        key: services.policy_install(scope=system_scope, preset=key, district="410106").pk
        for key in ("fourteen_day", "ninth_edition", "twenty_measures")
    }


@pytest.mark.parametrize(
    ("day", "preset"),
    [
        (D(2021, 5, 10), None),  # before the first
        (D(2021, 5, 11), "fourteen_day"),  # its first day
        (D(2022, 6, 27), "fourteen_day"),  # its last day
        (D(2022, 6, 28), "ninth_edition"),  # the ninth edition's first day
        (D(2022, 11, 10), "ninth_edition"),  # its last day
        (D(2022, 11, 11), "twenty_measures"),  # the twenty measures' first day
        (D(2022, 12, 6), "twenty_measures"),  # its last day
        (D(2022, 12, 7), None),  # after the last
    ],
)
def test_policy_in_force_on_boundary_days(
    history: dict[str, int], day: dt.date, preset: str | None
) -> None:
    found = selectors.policy_in_force("410106", day)
    assert (found.pk if found else None) == (history[preset] if preset else None)
    assert selectors.policy_in_force("410107", day) is None  # another district has none


def test_latest_effective_from_wins_and_old_versions_do_not_count(
    history: dict[str, int], system_scope: Scope
) -> None:
    from fangkong.control.models import Policy

    ninth = Policy.objects.get(pk=history["ninth_edition"])
    # A new version of the ninth edition, in force from 2022-11-01 with no end: it
    # overlaps the twenty measures, which took effect later and win from their start.
    newer = services.policy_edit(
        scope=system_scope,
        policy=ninth,
        name=ninth.name,
        legal_basis=ninth.legal_basis,
        effective_from=D(2022, 11, 1),
        effective_until=None,
        rules_json=ninth.rules,
    )
    assert newer.version == 2
    ninth.refresh_from_db()
    assert ninth.is_current is False
    assert selectors.policy_in_force("410106", D(2022, 7, 1)) is None  # v1 is no longer current
    assert selectors.policy_in_force("410106", D(2022, 11, 1)).pk == newer.pk
    assert selectors.policy_in_force("410106", D(2022, 11, 11)).pk == history["twenty_measures"]
    assert selectors.policy_in_force("410106", D(2023, 1, 1)).pk == newer.pk
