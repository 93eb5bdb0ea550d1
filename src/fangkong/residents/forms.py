from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.identifiers import IdentifierError, normalize_phone

_MOBILE = re.compile(r"^1\d{10}$")
_CODE = re.compile(r"^\d{6}$")


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "138 0000 0000"}
        ),
    )

    def clean_phone(self) -> str:
        try:
            phone = normalize_phone(self.cleaned_data["phone"])
        except IdentifierError:
            phone = ""
        if not _MOBILE.match(phone):
            raise forms.ValidationError(_("Type the 11 digits of your mobile phone number."))
        return phone


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not _CODE.match(code):
            raise forms.ValidationError(_("The code has 6 digits."))
        return code
