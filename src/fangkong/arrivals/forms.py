"""Forms: the resident's public report, and the worker's filters and verification.

The public form checks everything a stranger may send: lengths, markup, the identity
number's check digit, the phone, the origin down to county, plausible dates. Its
messages name the field and never repeat the value back (Django's "is not one of the
available choices" would).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.identifiers import IdentifierError, normalize_phone, parse_resident_id
from fangkong.core.regions import Region
from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)
from fangkong.riskareas.origins import RegionError, resolve

from .models import ArrivalReport

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PAST_DAYS = 60
AHEAD_DAYS = 14
OTHER_COMPOUND = "other"

_MARKUP = re.compile(r"[<>{}\[\]\\]|://|javascript:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·•.\- ]{2,30}$")
_TRAVEL_NUMBER = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff\-· ]{1,20}$")
_PLACE_PART = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff\-#· ]{1,12}$")
CHOICE_ERROR = _("Choose one of the options.")


def plain(value: str, label: Any) -> str:
    """Text without markup, links or control characters, inner spaces collapsed."""
    if _MARKUP.search(value) or _CONTROL.search(value):
        raise forms.ValidationError(
            _("%(field)s must not contain < >, brackets or web links.") % {"field": label}
        )
    return " ".join(value.split())


class ArrivalForm(forms.Form):
    """The resident's report (报备). `compounds` are the community's (id, name)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=30)
    id_number = forms.CharField(
        label=_("Identity number"),
        max_length=24,
        help_text=_("The 18 characters of your resident identity card."),
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    origin = forms.CharField(
        label=_("Coming from"),
        required=False,  # a picked region may send its code alone
        max_length=60,
        help_text=_("The county or district you stayed in, e.g. 湖北省武汉市江岸区."),
    )
    origin_code = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    arrival_date = forms.DateField(label=_("Arrival date"), widget=DATE)
    travel_mode = forms.ChoiceField(
        label=_("Means of travel"),
        choices=ArrivalReport.Travel.choices,
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    travel_number = forms.CharField(
        label=_("Train, flight or plate number"), required=False, max_length=20
    )
    companions_count = forms.IntegerField(
        label=_("People travelling with you"), required=False, min_value=0, max_value=50
    )
    companions = forms.CharField(
        label=_("Who they are"),
        required=False,
        max_length=200,
        help_text=_("Names and relation, e.g. 妻子李梅、儿子张小明."),
    )
    compound = forms.ChoiceField(
        label=_("Compound"), error_messages={"invalid_choice": CHOICE_ERROR}
    )
    compound_other = forms.CharField(
        label=_("Compound (if not in the list)"), required=False, max_length=40
    )
    building = forms.CharField(label=_("Building"), required=False, max_length=12)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=12)
    room = forms.CharField(label=_("Room"), max_length=12)
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms in the last 14 days"),
        choices=ArrivalReport.SYMPTOMS,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    temperature = forms.DecimalField(
        label=_("Temperature today (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("34.0"),
        max_value=Decimal("43.0"),
    )
    truthful = forms.BooleanField(
        label=_("I confirm that this report is true and complete."),
        error_messages={"required": _("Confirm that the report is true.")},
    )
    # A field people do not see (a script fills it in).
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)
    started = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args: Any, compounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Choose…")), *[(str(pk), name) for pk, name in compounds]]
        choices.append((OTHER_COMPOUND, _("Not in the list")))
        self.fields["compound"].choices = choices  # type: ignore[attr-defined]
        self.region: Region | None = None

    def _text(self, name: str) -> str:
        value: str = self.cleaned_data.get(name) or ""
        return plain(value, self.fields[name].label)

    def clean_name(self) -> str:
        name = self._text("name")
        if not _NAME.match(name):
            raise forms.ValidationError(
                _("Write the name as on the identity card (2 to 30 characters).")
            )
        return name

    def clean_id_number(self) -> str:
        raw = self._text("id_number")
        try:
            return parse_resident_id(raw).number
        except IdentifierError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_phone(self) -> str:
        raw = self._text("phone")
        try:
            return normalize_phone(raw)
        except IdentifierError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_arrival_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["arrival_date"]
        today = timezone.localdate()
        if day < today - dt.timedelta(days=PAST_DAYS):
            raise forms.ValidationError(
                _("Report arrivals of the last %(days)d days; for earlier ones call the community.")
                % {"days": PAST_DAYS}
            )
        if day > today + dt.timedelta(days=AHEAD_DAYS):
            raise forms.ValidationError(
                _("Report at most %(days)d days before you arrive.") % {"days": AHEAD_DAYS}
            )
        return day

    def clean_travel_number(self) -> str:
        value = self._text("travel_number")
        if value and not _TRAVEL_NUMBER.match(value):
            raise forms.ValidationError(_("Letters and digits only, e.g. G1234 or 豫A12345."))
        return value.upper()

    def clean_companions(self) -> str:
        return self._text("companions")

    def clean_compound_other(self) -> str:
        return self._text("compound_other")

    def _place(self, name: str) -> str:
        value = self._text(name)
        if value and not _PLACE_PART.match(value):
            raise forms.ValidationError(_("Letters and digits only, e.g. 3, 3号楼 or 501."))
        return value

    def clean_building(self) -> str:
        return self._place("building")

    def clean_unit(self) -> str:
        return self._place("unit")

    def clean_room(self) -> str:
        return self._place("room")

    def clean_symptoms(self) -> list[str]:
        chosen: list[str] = list(self.cleaned_data.get("symptoms") or [])
        if "none" in chosen and len(chosen) > 1:
            raise forms.ValidationError(_("“None” cannot be chosen with a symptom."))
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        origin = data.get("origin")
        if not origin and not data.get("origin_code") and "origin" not in self.errors:
            self.add_error("origin", _("Give the county or district you came from."))
        elif origin is not None or data.get("origin_code"):
            try:
                region = resolve(origin or "", data.get("origin_code") or "")
            except RegionError as exc:
                self.add_error("origin", str(exc))
            else:
                if len(region.code) < 6:
                    self.add_error(
                        "origin",
                        _("Choose down to the county or district, e.g. 湖北省武汉市江岸区."),
                    )
                else:
                    self.region = region
        mode = data.get("travel_mode")
        if (
            mode in ("train", "flight")
            and not data.get("travel_number")
            and "travel_number" not in self.errors
        ):
            self.add_error("travel_number", _("Give the train or flight number."))
        if (
            data.get("compound") == OTHER_COMPOUND
            and not data.get("compound_other")
            and "compound_other" not in self.errors
        ):
            self.add_error("compound_other", _("Write the name of your compound."))
        return data

    @property
    def compound_id(self) -> int | None:
        value = self.cleaned_data.get("compound")
        return int(value) if value and value != OTHER_COMPOUND else None


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("todo", _("To do")),
            ("waiting", _("Waiting for verification")),
            ("recheck", _("To check again")),
            ("verified", _("Verified")),
            ("all", _("All")),
        ],
    )
    classification = forms.ChoiceField(
        label=_("Classification"),
        required=False,
        choices=[("", _("All origins")), *ArrivalReport.Classification.choices],
    )
    jurisdiction = forms.CharField(required=False, max_length=15)
    arrived_from = forms.DateField(label=_("Arrived from"), required=False, widget=DATE)
    arrived_until = forms.DateField(label=_("Arrived until"), required=False, widget=DATE)
    province = forms.CharField(required=False, max_length=2)
    q = forms.CharField(label=_("Search"), required=False, max_length=40)
    # A figure of the daily report (arrivals/selectors.py DAY_FILTERS) and its day.
    on = forms.ChoiceField(
        required=False,
        choices=[
            ("", ""),
            ("sent", "sent"),
            ("arrived", "arrived"),
            ("verified", "verified"),
            ("waiting", "waiting"),
        ],
        widget=forms.HiddenInput,
    )
    day = forms.DateField(required=False, widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What the check found"), choices=ArrivalReport.Outcome.choices
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("E.g. home visit, temperature normal, health monitoring advised."),
    )
    register = forms.BooleanField(
        label=_("Register this person in the community (flagged to be verified)"),
        required=False,
    )
    household = forms.ChoiceField(label=_("Household"), required=False)

    def __init__(self, *args: Any, households: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [  # type: ignore[attr-defined]
            ("", _("No household yet (address as reported)")),
            *households,
        ]


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("Identity number")), ("phone", _("Phone"))])
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2)
