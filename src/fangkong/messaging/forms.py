"""Forms of texts to residents: a batch (audience, its choices, the text, a reason to
send again today), a status filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope

from . import audiences


class BatchForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Fill-ins in braces are replaced for each person, e.g. {name}."),
    )
    forced_reason = forms.CharField(
        label=_("Reason to send again today"),
        required=False,
        max_length=200,
        help_text=_(
            "Leave empty: whoever had this kind of message today is skipped. With a reason, "
            "everyone is texted again."
        ),
    )

    def __init__(self, *args: Any, audience: audiences.Audience, scope: Scope, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.audience = audience
        for param in audience.params:
            self.fields[param.name] = forms.ChoiceField(
                label=str(param.label), choices=[("", "—"), *param.choices(scope)]
            )
        self.order_fields([p.name for p in audience.params] + ["text", "forced_reason"])
        if not self.is_bound:
            self.initial.setdefault("text", str(audience.template))

    def params(self) -> dict[str, str]:
        return {p.name: self.cleaned_data.get(p.name, "") for p in self.audience.params}
