from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)

from .models import ServiceRequest
from .services import TEXT_MAX

DATE = forms.DateInput(attrs={"type": "date"})


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", _("Open (new or being handled)")),
            *ServiceRequest.Status.choices,
            ("all", _("All")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Kind of help"),
        required=False,
        choices=[("", _("All kinds")), *ServiceRequest.Kind.choices],
    )
    jurisdiction = forms.CharField(required=False, max_length=15)
    created_from = forms.DateField(label=_("Asked from"), required=False, widget=DATE)
    created_until = forms.DateField(label=_("Asked until"), required=False, widget=DATE)
    q = forms.CharField(label=_("Search"), required=False, max_length=40)
    # A figure of the daily report (selectors.DAY_FILTERS) on a day.
    on = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("new", "new"), ("done", "done"), ("open", "open")],
        widget=forms.HiddenInput,
    )
    day = forms.DateField(required=False, widget=forms.HiddenInput)


class RequestForm(forms.Form):
    """The request itself: the resident's page and the staff's form share it."""

    kind = forms.ChoiceField(
        label=_("What do you need?"), choices=ServiceRequest.Kind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Details"),
        max_length=TEXT_MAX,
        min_length=2,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
        help_text=_("E.g. which medicine and how much, or what to buy."),
    )


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=TEXT_MAX,
        min_length=2,
        help_text=_("The resident reads this on their status page."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=TEXT_MAX,
        min_length=2,
        help_text=_("The resident reads this on their status page."),
    )
