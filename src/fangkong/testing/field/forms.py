"""The field area's forms: whom to issue cards for, a sheet to print, door-to-door
generation and the closing of a visit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import HomeTask

WHO_CHOICES = [
    ("vulnerable", _("The elderly, children and people without a phone")),
    ("elderly", _("The elderly (60 and over)")),
    ("children", _("Children (under 14)")),
    ("no_phone", _("People without a phone")),
    ("all", _("Everybody")),
]


class CardIssueForm(forms.Form):
    compound = forms.TypedChoiceField(label=_("Compound"), coerce=int, choices=())
    who = forms.ChoiceField(label=_("For whom"), choices=WHO_CHOICES, initial="vulnerable")
    reissue = forms.BooleanField(
        label=_("Also replace the cards already issued (the old ones stop working)"),
        required=False,
    )

    def __init__(self, *args: Any, compounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].choices = compounds  # type: ignore[attr-defined]


class PrintForm(forms.Form):
    compound = forms.IntegerField()
    who = forms.ChoiceField(choices=WHO_CHOICES, required=False)
    per_page = forms.TypedChoiceField(
        coerce=int, choices=[(10, "10"), (8, "8")], required=False, empty_value=None
    )


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class GenerateForm(forms.Form):
    campaign = forms.TypedChoiceField(label=_("Campaign"), coerce=int, choices=())
    place = forms.ChoiceField(label=_("Where"), choices=())
    team = forms.TypedChoiceField(
        label=_("Door-to-door team"), coerce=int, choices=(), required=False, empty_value=None
    )
    exempt = forms.BooleanField(
        label=_("The bedridden and others who cannot come"), required=False, initial=True
    )
    unsampled = forms.BooleanField(
        label=_("Everybody not yet sampled"), required=False, initial=False
    )

    def __init__(
        self,
        *args: Any,
        campaigns: list[tuple[int, str]],
        places: list[tuple[str, Any]],
        teams: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = campaigns  # type: ignore[attr-defined]
        self.fields["place"].choices = places  # type: ignore[attr-defined]
        self.fields["team"].choices = [  # type: ignore[attr-defined]
            ("", _("The team of each person's community")),
            *teams,
        ]


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Result of the visit"),
        choices=[
            (HomeTask.Status.SAMPLED.value, _("Sampled")),
            (HomeTask.Status.NOT_HOME.value, _("Not at home")),
            (HomeTask.Status.REFUSED.value, _("Refused")),
            (HomeTask.Status.MOVED.value, _("Moved away")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=pgettext_lazy("home task", "Note"), max_length=200, required=False)


class AssignForm(forms.Form):
    team = forms.IntegerField()
