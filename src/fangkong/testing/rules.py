"""A campaign's rules: pooling per zone and the exemptions, as the office sets them.

Schema (`Campaign.rules`, copied at opening, never changed under a running round):

    {
      "pooling": {
        "": 20,                    # elsewhere (防范区 and outside any zone): 20-in-1
        "precaution": 20,
        "controlled": 10,          # 管控区: 10-in-1
        "sealed": 1,               # 封控区: single tube …
        "sealed_per_household": true   # … or one tube per household (pool size = the
      },                                 # sealed figure when > 1, one household per tube)
      "exemptions": {
        "infant_under_years": 3,   # 0: infants are sampled too
        "bedridden": true,         # frail or disabled people: door-to-door, not exempt
        "central_quarantine": true,  # under centralised quarantine: tested there
        "vaccinated_hours": 0      # > 0: vaccinated within so many hours (by hand, with proof)
      }
    }
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ApplicationError, FieldError

from .models import Zone

MAX_POOL = 20

DEFAULT_RULES: dict[str, Any] = {
    "pooling": {
        Zone.NONE.value: 20,
        Zone.PRECAUTION.value: 20,
        Zone.CONTROLLED.value: 10,
        Zone.SEALED.value: 1,
        "sealed_per_household": False,
    },
    "exemptions": {
        "infant_under_years": 3,
        "bedridden": True,
        "central_quarantine": True,
        "vaccinated_hours": 0,
    },
}


def default_rules() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_RULES)


def _int(value: Any, field: str, low: int, high: int, errors: list[FieldError]) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        errors.append(
            FieldError(
                field,
                "invalid",
                _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
            )
        )
    return number


def rules_clean(data: dict[str, Any] | None) -> dict[str, Any]:
    """The rules completed with the defaults and checked; ApplicationError names each
    bad field ("pooling.controlled", "exemptions.infant_under_years" …)."""
    rules = default_rules()
    data = data or {}
    errors: list[FieldError] = []
    pooling = data.get("pooling") or {}
    for zone in Zone:
        if zone.value in pooling:
            rules["pooling"][zone.value] = _int(
                pooling[zone.value], f"pooling.{zone.value or 'default'}", 1, MAX_POOL, errors
            )
    if "sealed_per_household" in pooling:
        rules["pooling"]["sealed_per_household"] = bool(pooling["sealed_per_household"])
    exemptions = data.get("exemptions") or {}
    if "infant_under_years" in exemptions:
        rules["exemptions"]["infant_under_years"] = _int(
            exemptions["infant_under_years"], "exemptions.infant_under_years", 0, 6, errors
        )
    for key in ("bedridden", "central_quarantine"):
        if key in exemptions:
            rules["exemptions"][key] = bool(exemptions[key])
    if "vaccinated_hours" in exemptions:
        rules["exemptions"]["vaccinated_hours"] = _int(
            exemptions["vaccinated_hours"], "exemptions.vaccinated_hours", 0, 168, errors
        )
    if errors:
        raise ApplicationError(_("The campaign's rules are not valid."), errors=errors)
    return rules


def pool_size(rules: dict[str, Any], zone: str) -> int:
    """How many samples one tube takes at a site serving `zone`."""
    pooling = {**DEFAULT_RULES["pooling"], **(rules.get("pooling") or {})}
    return int(pooling.get(zone, pooling[Zone.NONE.value]))


def one_household_per_tube(rules: dict[str, Any], zone: str) -> bool:
    """Sealed zones may pool by household: every sample of a tube from one household."""
    pooling = {**DEFAULT_RULES["pooling"], **(rules.get("pooling") or {})}
    return zone == Zone.SEALED and bool(pooling.get("sealed_per_household"))
