"""Forms of the campaigns area. The campaign form turns its pooling and exemption fields
into `rules` in the schema of testing/rules.py; an error of `rules_clean` ("pooling.
controlled", "exemptions.infant_under_years" …) lands on the field that holds it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.errors import ApplicationError
from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)

from ..models import Exemption, Zone
from ..rules import MAX_POOL, default_rules

_DT = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
}

# Form field -> the key of rules_clean's errors and its place in the rules.
POOL_FIELDS = {
    "pool_default": Zone.NONE.value,
    "pool_precaution": Zone.PRECAUTION.value,
    "pool_controlled": Zone.CONTROLLED.value,
    "pool_sealed": Zone.SEALED.value,
}
RULE_ERROR_FIELDS = {
    "pooling.default": "pool_default",
    "pooling.precaution": "pool_precaution",
    "pooling.controlled": "pool_controlled",
    "pooling.sealed": "pool_sealed",
    "exemptions.infant_under_years": "infant_under_years",
    "exemptions.vaccinated_hours": "vaccinated_hours",
    "scope_codes": "scope_codes",
}


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For example: 上街区第3轮全员核酸检测."),
    )
    scope_codes = forms.MultipleChoiceField(
        label=_("Jurisdictions in scope"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the whole jurisdiction."),
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), **_DT)  # type: ignore[arg-type]
    ends_at = forms.DateTimeField(label=_("Ends at"), **_DT)  # type: ignore[arg-type]
    pool_default = forms.IntegerField(
        label=_("Elsewhere: samples per tube"), min_value=1, max_value=MAX_POOL
    )
    pool_precaution = forms.IntegerField(
        label=_("Precaution zone: samples per tube"), min_value=1, max_value=MAX_POOL
    )
    pool_controlled = forms.IntegerField(
        label=_("Controlled zone: samples per tube"), min_value=1, max_value=MAX_POOL
    )
    pool_sealed = forms.IntegerField(
        label=_("Sealed zone: samples per tube"),
        min_value=1,
        max_value=MAX_POOL,
        help_text=_("1: a single tube per person."),
    )
    sealed_per_household = forms.BooleanField(
        label=_("Sealed zone: one household per tube"), required=False
    )
    infant_under_years = forms.IntegerField(
        label=_("Exempt infants under (years)"),
        min_value=0,
        max_value=6,
        help_text=_("0: infants are sampled too."),
    )
    bedridden = forms.BooleanField(
        label=_("Bedridden or frail people are sampled at their door"), required=False
    )
    central_quarantine = forms.BooleanField(
        label=_("People under centralised quarantine are tested there"), required=False
    )
    vaccinated_hours = forms.IntegerField(
        label=_("Exempt people vaccinated within (hours)"),
        min_value=0,
        max_value=168,
        help_text=_("0: no such exemption. Set by hand on the list, with the record."),
    )
    late_box_hours = forms.IntegerField(
        label=_("Box late after (hours)"), min_value=1, max_value=48, initial=4
    )
    result_due_hours = forms.IntegerField(
        label=_("Result due after (hours)"), min_value=1, max_value=72, initial=12
    )
    note = forms.CharField(
        label=pgettext_lazy("campaign", "Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, scope_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scope_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = scope_choices or []
        if not self.is_bound and not self.initial:
            self.initial.update(initial_from_rules(default_rules()))
            now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
            self.initial["starts_at"] = now.strftime("%Y-%m-%dT%H:%M")
            self.initial["ends_at"] = (now + dt.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M")

    def rules(self) -> dict[str, Any]:
        """The rules in the schema of testing/rules.py (checked by rules_clean)."""
        data = self.cleaned_data
        return {
            "pooling": {
                **{zone: data[f] for f, zone in POOL_FIELDS.items()},
                "sealed_per_household": data["sealed_per_household"],
            },
            "exemptions": {
                "infant_under_years": data["infant_under_years"],
                "bedridden": data["bedridden"],
                "central_quarantine": data["central_quarantine"],
                "vaccinated_hours": data["vaccinated_hours"],
            },
        }

    def add_service_error(self, exc: ApplicationError) -> None:
        """The service's refusal on the fields it names (the rest on the form)."""
        if not exc.errors:
            self.add_error(None, exc.message)
            return
        for error in exc.errors:
            name = RULE_ERROR_FIELDS.get(error.field, error.field)
            self.add_error(name if name in self.fields else None, error.message)


def initial_from_rules(rules: dict[str, Any]) -> dict[str, Any]:
    pooling = rules.get("pooling", {})
    exemptions = rules.get("exemptions", {})
    initial: dict[str, Any] = {f: pooling.get(zone) for f, zone in POOL_FIELDS.items()}
    initial["sealed_per_household"] = bool(pooling.get("sealed_per_household"))
    for key in ("infant_under_years", "vaccinated_hours"):
        initial[key] = exemptions.get(key, 0)
    for key in ("bedridden", "central_quarantine"):
        initial[key] = bool(exemptions.get(key))
    return initial


class CloseForm(forms.Form):
    note = forms.CharField(label=pgettext_lazy("campaign", "Note"), max_length=200, required=False)


class ExemptionForm(forms.Form):
    """Set by hand on the unsampled list: away (with proof) or vaccinated, or lifted."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    exemption = forms.ChoiceField(
        label=_("Exemption"),
        choices=[
            (Exemption.AWAY.value, Exemption.AWAY.label),
            (Exemption.VACCINATED.value, Exemption.VACCINATED.label),
            ("", _("Lift the exemption")),
        ],
        required=False,
    )
    note = forms.CharField(label=_("Proof"), max_length=200, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
