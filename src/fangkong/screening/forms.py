from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core import regions

from .models import Finding, Record

CATEGORY_ROWS = 3


class RoundForm(forms.Form):
    """Open a round: the categories come as up to three rows of (name, origin, since)."""

    name = forms.CharField(label=_("Name of the round"), max_length=100)
    subdistricts = forms.MultipleChoiceField(
        label=_("Subdistricts (none ticked: the whole district)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, subdistricts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subdistricts"].choices = subdistricts  # type: ignore[attr-defined]
        today = timezone.localdate()
        for i in range(1, CATEGORY_ROWS + 1):
            self.fields[f"cat{i}_label"] = forms.CharField(
                label=_("Category %(n)d") % {"n": i}, max_length=100, required=i == 1
            )
            self.fields[f"cat{i}_origin"] = forms.CharField(
                label=_("Arrived from (empty: anywhere outside the city)"),
                max_length=60,
                required=False,
                widget=forms.TextInput(attrs={"list": "regions", "autocomplete": "off"}),
            )
            self.fields[f"cat{i}_since"] = forms.DateField(
                label=_("Arrived since"),
                required=i == 1,
                initial=today - dt.timedelta(days=14),
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, CATEGORY_ROWS + 1):
            origin = (data.get(f"cat{i}_origin") or "").strip()
            if not origin:
                continue
            code = resolve_region(origin)
            if code is None:
                self.add_error(
                    f"cat{i}_origin",
                    _("No province, city or county is called %(name)s.") % {"name": origin},
                )
            else:
                data[f"cat{i}_origin"] = code
            if data.get(f"cat{i}_label") and not data.get(f"cat{i}_since"):
                self.add_error(f"cat{i}_since", _("Give the date."))
        return data

    def category_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"cat{i}_label"], self[f"cat{i}_origin"], self[f"cat{i}_since"]]
            for i in range(1, CATEGORY_ROWS + 1)
        ]


def resolve_region(text: str) -> str | None:
    """A region typed as its code or its name (武汉市, 湖北省武汉市, 江岸区) -> its code."""
    text = text.strip()
    if text.isdigit():
        code = regions.normalize(text)
        return code if regions.get(code) else None
    code_part = text.split(" ")[0]
    if code_part.isdigit() and regions.get(regions.normalize(code_part)):
        return regions.normalize(code_part)
    for region in regions.search(text, limit=50):
        if text in (region.name, region.path):
            return region.code
    return None


class HouseholdForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Record.Outcome.choices, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Record.Channel.choices)
    explanation = forms.CharField(
        label=_("Explanation (required when nobody was reached)"), max_length=200, required=False
    )
    correction_reason = forms.CharField(
        label=_("Reason for the correction"), max_length=200, required=False
    )


TRAVEL_CHOICES = [("", "—"), *Finding.Travel.choices]


class SignForm(forms.Form):
    level = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Remark"), max_length=200, required=False)
