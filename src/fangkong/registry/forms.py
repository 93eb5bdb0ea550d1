from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)

from .models import Compound, Person
from .selectors import VULNERABILITY_FILTERS


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    jurisdiction = forms.CharField(required=False, max_length=15)
    group = forms.ChoiceField(
        label=_("Group"),
        required=False,
        choices=[
            ("", _("Everyone")),
            ("elderly", _("Elderly")),
            ("frail", _("Frail")),
            ("ill", _("Chronically ill")),
            ("disabled", _("Disabled")),
            ("pregnant", _("Pregnant")),
            ("infant", _("Young children")),
            ("alone", _("Living alone")),
        ],
    )
    verify = forms.BooleanField(label=_("To be verified"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("active", _("Living here")),
            ("moved_out", _("Moved out")),
            ("deceased", _("Deceased")),
            ("all", _("All")),
        ],
    )

    def clean_group(self) -> str:
        value: str = self.cleaned_data.get("group") or ""
        return value if value in VULNERABILITY_FILTERS else ""


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class CompoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Compound.Kind.choices)
    address = forms.CharField(label=_("Street address"), max_length=200, required=False)


class HouseholdForm(forms.Form):
    room = forms.CharField(label=_("Room"), max_length=40)


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"))


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("Identity number")), ("phone", _("Phone"))])
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2)


class PersonForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    id_number = forms.CharField(label=_("Identity number"), max_length=32, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Person.Sex.choices, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    ethnicity = forms.CharField(label=_("Ethnic group"), max_length=20, required=False)
    relation_to_head = forms.CharField(
        label=_("Relation to head of household"), max_length=20, required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=Person.Category.choices, required=False
    )
    is_frail = forms.BooleanField(label=_("Frail"), required=False)
    is_chronically_ill = forms.BooleanField(label=_("Chronically ill"), required=False)
    is_disabled = forms.BooleanField(label=_("Disabled"), required=False)
    is_pregnant = forms.BooleanField(label=_("Pregnant"), required=False)
    lives_alone = forms.BooleanField(label=_("Living alone"), required=False)
    remarks = forms.CharField(
        label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PersonMoveForm(forms.Form):
    household = forms.IntegerField(
        label=_("Household number"), help_text=_("The number shown on the household's page.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PersonStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: moved to Luoyang in March; death certificate seen."),
    )


class ImportForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    file = forms.FileField(label=_("Ledger file (.xlsx, .xls, .csv)"))
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False)

    def __init__(self, *args: object, communities: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["community"].choices = communities  # type: ignore[attr-defined]
