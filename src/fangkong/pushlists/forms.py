from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)

from .models import MAX_DEADLINE_HOURS, VerificationTask


class ListImportForm(forms.Form):
    """A new list: what the district received, and the file."""

    name = forms.CharField(
        label=_("Name of the list"),
        max_length=100,
        help_text=_("For example: 省指挥部3月12日第5批协查名单."),
    )
    source = forms.CharField(label=_("Sent by"), max_length=100, required=False)
    received_at = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    deadline_hours = forms.IntegerField(
        label=_("Checks due within (hours)"),
        min_value=1,
        max_value=MAX_DEADLINE_HOURS,
        initial=24,
        help_text=_("Counted from when the list was received."),
    )
    file = forms.FileField(label=_("List file (.xlsx, .xls, .csv)"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))


class MoreRowsForm(forms.Form):
    file = forms.FileField(label=_("More rows for this list (.xlsx, .xls, .csv)"))


class RecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Result of the check"),
        choices=[c for c in VerificationTask.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
    )
    measure = forms.ChoiceField(
        label=_("Measure taken"), choices=VerificationTask.Measure.choices, required=False
    )
    where_text = forms.CharField(
        label=_("Where the person lives now"),
        max_length=200,
        required=False,
        help_text=_("For a person who lives elsewhere: the address, town or city."),
    )
    where_code = forms.ChoiceField(label=_("Community in this district (if known)"), required=False)
    note = forms.CharField(
        label=pgettext_lazy("verification", "Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, communities: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["where_code"].choices = [("", "—"), *communities]  # type: ignore[attr-defined]


class RerouteForm(forms.Form):
    to = forms.ChoiceField(label=_("Re-route to"))
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2)

    def __init__(self, *args: object, targets: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to"].choices = targets  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2)


class AssignForm(forms.Form):
    to = forms.ChoiceField(label=_("Community or grid"))

    def __init__(self, *args: object, targets: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to"].choices = targets  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    person = forms.IntegerField(label=_("Person"), min_value=1)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("Identity number")), ("phone", _("Phone"))])
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2)
