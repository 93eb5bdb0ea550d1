from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import SamplingSite, SiteMember, Zone

# How many stops a mobile site's form offers (empty ones are dropped).
STOP_ROWS = 6


class SiteForm(forms.Form):
    jurisdiction_code = forms.ChoiceField(label=_("Run by"))
    name = forms.CharField(label=pgettext_lazy("sampling", "Name of the site"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=SamplingSite.Kind.choices)
    address = forms.CharField(
        label=pgettext_lazy("sampling", "Address"), max_length=200, required=False
    )
    area = forms.ChoiceField(
        label=_("Zone served"),
        choices=Zone.choices,
        required=False,
        help_text=_("The campaign's pooling rule for this zone sets the tubes' pool size."),
    )
    lanes = forms.IntegerField(label=_("Sampling lanes"), min_value=1, max_value=50, initial=1)
    stops = forms.CharField(
        label=_("Stops (mobile site)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "东门广场 08:00-10:00"}),
        help_text=_("One stop a line: the place, then the times as HH:MM-HH:MM."),
    )

    def __init__(
        self, *args: Any, offices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if offices is None:
            del self.fields["jurisdiction_code"]
            del self.fields["kind"]
        else:
            cast(forms.ChoiceField, self.fields["jurisdiction_code"]).choices = offices

    def clean_stops(self) -> list[dict[str, str]]:
        """Lines "place HH:MM-HH:MM" into the services' stops; the services check the
        times."""
        stops = []
        for line in (self.cleaned_data.get("stops") or "").splitlines():
            text = line.strip()
            if not text:
                continue
            place, _sep, times = text.rpartition(" ")
            start, _dash, end = times.replace("—", "-").replace("~", "-").partition("-")
            if not place or not _dash:
                place, start, end = text, "", ""
            stops.append({"place": place.strip(), "from": start.strip(), "to": end.strip()})
        return stops


def stops_text(stops: list[dict[str, str]]) -> str:
    return "\n".join(f"{s['place']} {s['from']}-{s['to']}" for s in stops)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=SiteMember.Role.choices)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)


class DeviceForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the device"),
        max_length=60,
        help_text=_("E.g. 1号通道扫码枪 or 王芳的手机."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
