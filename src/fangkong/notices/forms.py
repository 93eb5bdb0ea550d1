from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.web import ExportForm  # noqa: F401  (the views render it)

from . import storage
from .models import BODY_MAX, REASON_MAX, TITLE_MAX, Notice


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their number, size and kind."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class CodesField(forms.MultipleChoiceField):
    """The audience: any code is passed on, so that the service can answer "not found"
    for one outside the sender's jurisdiction instead of a form error."""

    def valid_value(self, value: str) -> bool:
        return True


class ComposeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": BODY_MAX}),
        help_text=_("Plain text; line breaks are kept."),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=Notice.Priority.choices,
        initial=Notice.Priority.NORMAL,
        widget=forms.RadioSelect,
    )
    audience = CodesField(
        label=_("To the staff of"), required=False, widget=forms.CheckboxSelectMultiple
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every role."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self,
        *args: Any,
        audience: list[tuple[str, str]],
        roles: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = audience  # type: ignore[attr-defined]
        self.fields["roles"].choices = roles  # type: ignore[attr-defined]
        self.fields["attachments"].help_text = gettext(
            "Up to %(n)d files (%(kinds)s), each at most %(mb)d MB."
        ) % {
            "n": storage.MAX_FILES,
            "kinds": storage.ALLOWED_LABEL,
            "mb": storage.max_bytes() // (1024 * 1024),
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=REASON_MAX,
        min_length=2,
        help_text=_("The recipients read this."),
    )
