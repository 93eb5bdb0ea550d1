from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RiskArea

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FilterForm(forms.Form):
    view = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("in_force", _("In force")), ("history", _("History"))],
    )
    day = forms.DateField(label=_("On"), required=False, widget=DATE)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *RiskArea.Level.choices]
    )
    q = forms.CharField(label=_("Region"), required=False, max_length=40)


class AreaForm(forms.Form):
    region = forms.CharField(
        label=_("Region"),
        max_length=60,
        help_text=_("Province, city, county (or a Henan town): type a name, pinyin or code."),
    )
    region_code = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskArea.Level.choices)
    effective_from = forms.DateField(label=_("In force from"), widget=DATE)
    effective_until = forms.DateField(
        label=_("Lifted on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty while the area is in force."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ChangeForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskArea.Level.choices)
    effective_from = forms.DateField(
        label=_("From"),
        widget=DATE,
        help_text=_(
            "The new values apply from this day; the entry stays as it was before it. "
            "Keep the entry's own start date to correct it."
        ),
    )
    effective_until = forms.DateField(
        label=_("Lifted on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty while the area is in force."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class EndForm(forms.Form):
    on = forms.DateField(
        label=_("Lifted on"),
        widget=DATE,
        help_text=_("The area is no longer in force from this day on."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Risk-area list (.xlsx, .xls, .csv)"))
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False)
