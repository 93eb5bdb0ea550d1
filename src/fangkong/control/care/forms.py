from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.control.models import CareTeamMember

from . import rules


class TeamForm(forms.Form):
    jurisdiction_code = forms.ChoiceField(label=_("Community or grid"))
    name = forms.CharField(label=_("Team name"), max_length=60)
    phone = forms.CharField(label=_("Duty phone"), max_length=20, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: object, targets: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["jurisdiction_code"].choices = targets  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=CareTeamMember.Role.choices)
    name = forms.CharField(label=_("Name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    user = forms.TypedChoiceField(
        label=_("Account (optional)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: object, accounts: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["user"].choices = [("", "—"), *accounts]  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    order = forms.IntegerField(widget=forms.HiddenInput)


class AssignBulkForm(forms.Form):
    code = forms.CharField(required=False, max_length=15)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SensorForm(forms.Form):
    serial = forms.CharField(label=_("Serial number"), max_length=64)


class ResolutionForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        min_value=34,
        max_value=43,
        widget=forms.NumberInput(
            attrs={"step": "0.1", "inputmode": "decimal", "placeholder": "36.5"}
        ),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"),
        choices=rules.SYMPTOMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.MultipleChoiceField(
        label=_("Services done (四个一)"),
        choices=rules.SERVICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    reported_by = forms.TypedChoiceField(
        label=_("Reported by"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: object, household: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reported_by"].choices = [  # type: ignore[attr-defined]
            ("", _("The care team, in person")),
            *household,
        ]
        if not self.is_bound:
            self.initial.setdefault("services", list(rules.SERVICE_CODES))


class SelfReportForm(forms.Form):
    """The resident's report on the status page: temperature and symptoms only. The
    service checks the values (its messages are the resident's)."""

    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=8, required=False)
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"), choices=rules.SYMPTOMS, required=False
    )
