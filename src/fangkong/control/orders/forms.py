from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.control.models import ControlOrder, Measure, OrderTest, Trigger

from .policy import PRESET_KEYS, presets

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProposeForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=Trigger.choices)
    trigger_ref = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)
    trigger_date = forms.DateField(
        label=_("Trigger date"),
        widget=DATE,
        help_text=_(
            "The arrival, the last exposure, the test: the policy in force that day applies."
        ),
    )
    starts_on = forms.DateField(
        label=_("Day 1 of the order"),
        widget=DATE,
        required=False,
        help_text=_("Empty: the trigger date."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=500,
        help_text=_("Required for a manual order (at least 5 characters); it is on the notice."),
    )


class ZoneProposeForm(forms.Form):
    trigger_date = forms.DateField(label=_("Trigger date"), widget=DATE, required=False)


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class EndForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Why the order ends"),
        choices=[
            (ControlOrder.EndKind.HOSPITAL.value, ControlOrder.EndKind.HOSPITAL.label),
            (ControlOrder.EndKind.HANDOVER.value, ControlOrder.EndKind.HANDOVER.label),
            (ControlOrder.EndKind.OTHER.value, ControlOrder.EndKind.OTHER.label),
        ],
    )
    handed_to = forms.CharField(label=_("Handed over to (where)"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Extend by (days)"), min_value=1, max_value=30, initial=3)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class HandoverForm(forms.Form):
    to_code = forms.ChoiceField(label=_("Hand over to"), choices=())
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_code"].choices = [("", "—"), *targets]  # type: ignore[attr-defined]


class TestResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (OrderTest.Status.NEGATIVE.value, OrderTest.Status.NEGATIVE.label),
            (OrderTest.Status.POSITIVE.value, OrderTest.Status.POSITIVE.label),
            (OrderTest.Status.MISSED.value, OrderTest.Status.MISSED.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TestCorrectForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Corrected result"),
        choices=TestResultForm.base_fields["result"].choices,  # type: ignore[attr-defined]
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Why it is corrected"), max_length=200, required=False)


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class InstallForm(forms.Form):
    preset = forms.ChoiceField(label=_("Preset"), choices=())
    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=DATE,
        required=False,
        help_text=_("Empty: the preset's historical dates."),
    )
    effective_until = forms.DateField(label=_("Effective until"), widget=DATE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = presets()
        self.fields["preset"].choices = [  # type: ignore[attr-defined]
            (key, f"{found[key].name} ({found[key].effective_from:%Y-%m-%d})")
            for key in PRESET_KEYS
        ]


class PolicyEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}))
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    effective_until = forms.DateField(label=_("Effective until"), widget=DATE, required=False)
    rules = forms.CharField(
        label=_("Rules (JSON)"),
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text=_(
            'Per trigger: {"phases": [{"measure": "central", "days": 7, "test_days": [1, 3]}], '
            '"release": {"tests": "all_negative"}}.'
        ),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_rules(self) -> Any:
        try:
            return json.loads(self.cleaned_data["rules"])
        except ValueError:
            raise forms.ValidationError(_("The rules are not valid JSON.")) from None


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *ControlOrder.Status.choices],
        required=False,
    )
    trigger = forms.ChoiceField(
        label=_("Trigger"), choices=[("", _("All")), *Trigger.choices], required=False
    )
    measure = forms.ChoiceField(
        label=_("Measure today"), choices=[("", _("All")), *Measure.choices], required=False
    )
    jurisdiction = forms.CharField(label=_("Area code"), max_length=15, required=False)
    q = forms.CharField(label=_("Name or notice number"), max_length=40, required=False)
    # A figure of the daily report (selectors.DAY_FILTERS) on a day.
    on = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)
    day = forms.DateField(required=False, widget=forms.HiddenInput)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE, required=False)
    end = forms.DateField(label=_("Until"), widget=DATE, required=False)
