from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.control.models import ControlZone
from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)


class ZoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of zone"), choices=ControlZone.Kind.choices)
    buildings = forms.TypedMultipleChoiceField(
        label=_("Buildings"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none for the whole compound."),
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_end = forms.DateField(
        label=_("Planned end"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, buildings: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["buildings"]).choices = buildings
        if not self.is_bound:
            self.initial.setdefault("starts_on", timezone.localdate().isoformat())


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason for lifting"), max_length=500)
