from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)


class SiteForm(forms.Form):
    jurisdiction_code = forms.ChoiceField(label=_("Run by"))
    name = forms.CharField(label=_("Name of the site"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Duty phone"), max_length=20, required=False)
    manager_name = forms.CharField(label=_("Site manager"), max_length=60, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: object, offices: list[tuple[str, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if offices is None:
            del self.fields["jurisdiction_code"]
        else:
            cast(forms.ChoiceField, self.fields["jurisdiction_code"]).choices = offices


class RoomForm(forms.Form):
    number = forms.CharField(label=_("Room number"), max_length=20)
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=-5, max_value=200)
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=12, initial=1)
    is_family = forms.BooleanField(label=_("Family room"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RoomRangeForm(forms.Form):
    first_floor = forms.IntegerField(label=_("From floor"), min_value=-5, max_value=200, initial=2)
    last_floor = forms.IntegerField(label=_("To floor"), min_value=-5, max_value=200, initial=5)
    first = forms.IntegerField(label=_("Rooms from number"), min_value=0, max_value=999, initial=1)
    last = forms.IntegerField(label=_("To number"), min_value=0, max_value=999, initial=20)
    beds = forms.IntegerField(label=_("Beds per room"), min_value=1, max_value=12, initial=1)
    is_family = forms.BooleanField(label=_("Family rooms"), required=False)


class RoomsImportForm(forms.Form):
    file = forms.FileField(
        label=_("Room list (.xlsx, .xls, .csv)"),
        help_text=_("Columns 房间号, 楼层, 床位数, 家庭房 (是/否), 停用 (是/否), 备注."),
    )


class RoomEditForm(forms.Form):
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=12)
    is_family = forms.BooleanField(label=_("Family room"), required=False)
    out_of_service = forms.BooleanField(label=_("Out of service"), required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("Why the room is out of service (repairs, disinfection …)."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class TransferForm(forms.Form):
    site = forms.TypedChoiceField(label=_("To site"), coerce=int)
    room = forms.CharField(
        label=_("Room"),
        max_length=20,
        required=False,
        help_text=_("Leave empty for the first free room."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: object, sites: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["site"]).choices = sites


class CheckOutForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
