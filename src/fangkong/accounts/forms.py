from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .roles import ROLES


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TotpForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput
    )
    new_password = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput)


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[A-Za-z0-9_.-]{3,40}$",
        error_messages={"invalid": _("3 to 40 letters, digits, _ . or -.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"))
    role = forms.ChoiceField(label=_("Role"), choices=[(c, r.name) for c, r in ROLES.items()])
    password = forms.CharField(label=_("Initial password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: object, jurisdictions: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["jurisdiction"].choices = jurisdictions  # type: ignore[attr-defined]


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"))
    role = forms.ChoiceField(label=_("Role"), choices=[(c, r.name) for c, r in ROLES.items()])
    is_active = forms.BooleanField(label=_("Active"), required=False)
    new_password = forms.CharField(
        label=_("Set a new password"), strip=False, required=False, widget=forms.PasswordInput
    )

    def __init__(self, *args: object, jurisdictions: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["jurisdiction"].choices = jurisdictions  # type: ignore[attr-defined]
