"""The registry's section of the daily report: population and households."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.scope import Scope
from fangkong.reports.sections import Counts, Figure, Section, register

from . import selectors


def compute(scope: Scope, code: str, day: dt.date) -> Counts:
    # The registry keeps no history of residence counts: a past day reads today's.
    return selectors.population_by_code(scope=scope, code=code)


register(
    Section(
        key="population",
        title=_("Population"),
        order=10,
        figures=(
            Figure(
                "population.persons",
                pgettext_lazy("report figure", "Residents"),
                _("People registered in the jurisdiction whose status is active (常住)."),
                list_url=lambda code, day: f"{reverse('registry:persons')}?jurisdiction={code}",
            ),
            Figure(
                "population.households",
                pgettext_lazy("report figure", "Households"),
                _("Active households registered in the jurisdiction."),
                list_url=lambda code, day: reverse("registry:jurisdiction", args=[code]),
            ),
        ),
        compute=compute,
    )
)
