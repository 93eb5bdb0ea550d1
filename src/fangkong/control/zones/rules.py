"""The rules of each kind of zone, as the notices give them, strictest kind first."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.control.models import ControlZone

Kind = ControlZone.Kind

# Strictest first: a person in two zones at once counts in the stricter.
ORDER: tuple[str, ...] = (Kind.SEALED, Kind.CONTROLLED, Kind.PRECAUTION)

RULES: dict[str, tuple[Promise, ...]] = {
    Kind.SEALED: (
        _("Stay at home (足不出户)."),
        _("Services brought to the door (上门服务)."),
        _("Sampling at the door (上门采样)."),
    ),
    Kind.CONTROLLED: (
        _("Nobody leaves the compound (人不出区)."),
        _("No gatherings (严禁聚集)."),
    ),
    Kind.PRECAUTION: (
        _("Stronger control of public places (强化社会面管控)."),
        _("Gatherings strictly limited (严格限制聚集)."),
    ),
}


def rules_of(kind: str) -> list[str]:
    return [str(r) for r in RULES.get(kind, ())]
