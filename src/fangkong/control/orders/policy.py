"""Policies (防控方案) as data: the schema of `Policy.rules`, its validation, the shipped
presets, and the two pure functions every order rests on (the phases a rule gives from a
start date, and whether a release rule is met by an order's tests).

The schema of `Policy.rules` (docs/adr/0014-control-policies-and-orders.md)::

    {
      "<trigger value>": {                       # a member of control.models.Trigger
        "phases": [                              # in order; at least one
          {"measure": "central" | "home" | "home_monitoring" | "self_monitoring",
           "days": N,                            # 1..60
           "test_days": [d, ...]}                # day numbers within the phase, 1..N
        ],
        "release": {"tests": "all_negative" | "last_negative" | "none"}
      },
      ...
    }

A trigger missing from a policy cannot be proposed under it (the November 2022 rules
have no secondary contacts and no medium-risk areas). The rules of an order are copied
from the policy when it is proposed, so nothing here ever reads a policy again for an
order already issued.

Release rules, read against the order's tests that are not cancelled:

- ``all_negative``: every test has a negative result (a missed or pending test blocks);
- ``last_negative``: the latest test is negative and none was positive;
- ``none``: the days served are enough.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from fangkong.control.models import Measure, Trigger
from fangkong.core.errors import ApplicationError, FieldError

PRESETS_DIR = Path(__file__).parent / "presets"
PRESET_KEYS = ("fourteen_day", "ninth_edition", "twenty_measures")
RELEASE_RULES = ("all_negative", "last_negative", "none")
MAX_PHASE_DAYS = 60


@dataclass(frozen=True)
class PhaseRule:
    measure: str
    days: int
    test_days: tuple[int, ...]


@dataclass(frozen=True)
class TriggerRule:
    phases: tuple[PhaseRule, ...]
    release: str

    @property
    def days(self) -> int:
        return sum(p.days for p in self.phases)

    def as_json(self) -> dict[str, Any]:
        return {
            "phases": [
                {"measure": p.measure, "days": p.days, "test_days": list(p.test_days)}
                for p in self.phases
            ],
            "release": {"tests": self.release},
        }


@dataclass(frozen=True)
class PlannedPhase:
    position: int
    measure: str
    starts_on: dt.date
    ends_on: dt.date
    test_days: tuple[int, ...]

    def test_dates(self) -> list[dt.date]:
        return [self.starts_on + dt.timedelta(days=d - 1) for d in self.test_days]


def _bad(message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError("rules", "invalid", message)])


def parse_trigger_rule(trigger: str, raw: Any) -> TriggerRule:
    """One trigger's rule, checked; raises ApplicationError naming what is wrong."""
    label = dict(Trigger.choices).get(trigger, trigger)
    if not isinstance(raw, Mapping):
        raise _bad(_("The rule for %(trigger)s must be an object.") % {"trigger": label})
    phases_raw = raw.get("phases")
    if not isinstance(phases_raw, list) or not phases_raw:
        raise _bad(_("The rule for %(trigger)s needs at least one phase.") % {"trigger": label})
    phases: list[PhaseRule] = []
    for raw_phase in phases_raw:
        if not isinstance(raw_phase, Mapping):
            raise _bad(_("Each phase of %(trigger)s must be an object.") % {"trigger": label})
        measure = raw_phase.get("measure")
        if measure not in Measure.values:
            raise _bad(
                _("Unknown measure in %(trigger)s: %(m)s.") % {"trigger": label, "m": measure}
            )
        days = raw_phase.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_PHASE_DAYS:
            raise _bad(
                _("A phase of %(trigger)s lasts 1 to %(max)d days.")
                % {"trigger": label, "max": MAX_PHASE_DAYS}
            )
        test_days = raw_phase.get("test_days", [])
        if not isinstance(test_days, list) or any(
            not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= days for d in test_days
        ):
            raise _bad(
                _("The test days of a phase of %(trigger)s are day numbers within the phase.")
                % {"trigger": label}
            )
        phases.append(PhaseRule(str(measure), days, tuple(sorted(set(test_days)))))
    release_raw = raw.get("release", {})
    release = release_raw.get("tests") if isinstance(release_raw, Mapping) else None
    if release not in RELEASE_RULES:
        raise _bad(_("Unknown release rule for %(trigger)s.") % {"trigger": label})
    return TriggerRule(tuple(phases), str(release))


def validate_rules(rules: Any) -> dict[str, Any]:
    """The rules of a policy, checked and normalised (sorted test days, known keys only)."""
    if not isinstance(rules, Mapping) or not rules:
        raise _bad(_("A policy needs rules for at least one trigger."))
    unknown = sorted(set(rules) - set(Trigger.values))
    if unknown:
        raise _bad(_("Unknown trigger: %(names)s.") % {"names": ", ".join(unknown)})
    return {
        trigger: parse_trigger_rule(trigger, rules[trigger]).as_json()
        for trigger in Trigger.values
        if trigger in rules
    }


def rule_for(rules: Mapping[str, Any], trigger: str) -> TriggerRule | None:
    """What a policy's rules say for a trigger, or None when it says nothing."""
    raw = rules.get(trigger)
    return None if raw is None else parse_trigger_rule(trigger, raw)


def plan(rule: TriggerRule, starts_on: dt.date) -> list[PlannedPhase]:
    """The phases with their dates: day 1 of the first phase is `starts_on`, each phase
    begins the day after the one before ends."""
    planned: list[PlannedPhase] = []
    day = starts_on
    for position, phase in enumerate(rule.phases, start=1):
        ends_on = day + dt.timedelta(days=phase.days - 1)
        planned.append(PlannedPhase(position, phase.measure, day, ends_on, phase.test_days))
        day = ends_on + dt.timedelta(days=1)
    return planned


def release_met(release: str, statuses: Iterable[str]) -> bool:
    """Whether the tests of an order (statuses by due date, cancelled ones left out)
    satisfy its release rule."""
    found = [s for s in statuses if s != "cancelled"]
    if release == "none":
        return True
    if release == "all_negative":
        return all(s == "negative" for s in found)
    if release == "last_negative":
        return bool(found) and found[-1] == "negative" and "positive" not in found
    return False


@dataclass(frozen=True)
class Preset:
    key: str
    family: str
    name: str
    legal_basis: str
    effective_from: dt.date
    effective_until: dt.date | None
    note: str
    rules: dict[str, Any]


@cache
def presets() -> dict[str, Preset]:
    """The shipped presets (presets/*.json), checked against the schema."""
    found: dict[str, Preset] = {}
    for key in PRESET_KEYS:
        data = json.loads((PRESETS_DIR / f"{key}.json").read_text(encoding="utf-8"))
        until = data.get("effective_until")
        found[key] = Preset(
            key=data["key"],
            family=data["family"],
            name=data["name"],
            legal_basis=data["legal_basis"],
            effective_from=dt.date.fromisoformat(data["effective_from"]),
            effective_until=dt.date.fromisoformat(until) if until else None,
            note=data.get("note", ""),
            rules=validate_rules(data["rules"]),
        )
    return found


def preset(key: str) -> Preset:
    try:
        return presets()[key]
    except KeyError:
        raise ApplicationError(
            _("Unknown preset."), errors=[FieldError("preset", "invalid", _("Unknown preset."))]
        ) from None
