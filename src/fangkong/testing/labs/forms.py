from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Result


class LabForm(forms.Form):
    jurisdiction_code = forms.ChoiceField(label=_("Run by"))
    name = forms.CharField(label=_("Name of the lab"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Duty phone"), max_length=20, required=False)

    def __init__(self, *args: object, offices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["jurisdiction_code"]).choices = offices


class DeviceForm(forms.Form):
    name = forms.CharField(label=_("Name of the device"), max_length=60)


class _LabChoice(forms.Form):
    lab = forms.ChoiceField(label=_("Lab"))

    def __init__(self, *args: object, labs: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["lab"]).choices = labs


class ReceiveForm(_LabChoice):
    box = forms.CharField(
        label=_("Box barcode"),
        max_length=60,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class UploadForm(_LabChoice):
    file = forms.FileField(
        label=_("Results (.xlsx, .xls, .csv)"),
        help_text=_(
            "Columns 样本编号 (or 管码, 条码), 检测结果 (阴性/阳性/可疑/无效), 检测时间, Ct值."
        ),
    )


class ResultFilterForm(forms.Form):
    barcode = forms.CharField(label=_("Tube barcode"), max_length=40, required=False)
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("All results")), *[c for c in Result.choices if c[0]]],
    )


class MatchForm(forms.Form):
    tube = forms.CharField(label=_("Tube barcode"), max_length=40)
    reason = forms.CharField(label=_("Reason"), max_length=200)
