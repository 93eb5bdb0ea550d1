"""Forms of the daily report: what the community writes by hand, and a correction."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import sections

ADJUSTMENT_ROWS = 3


def adjustable_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(f.key, str(f.label)) for f in sections.figures() if f.additive]


class DraftForm(forms.Form):
    duty_staff = forms.CharField(
        label=_("Staff on duty"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names and phones of today's duty (值班) staff."),
    )
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    problems = forms.CharField(
        label=_("Problems needing help"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, adjust: bool, existing: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.adjust = adjust
        self.rows = max(existing, 0) + ADJUSTMENT_ROWS if adjust else 0
        choices = adjustable_choices()
        for i in range(1, self.rows + 1):
            self.fields[f"adj{i}_figure"] = forms.ChoiceField(
                label=_("Figure"),
                choices=choices,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"adj{i}_delta"] = forms.IntegerField(
                label=_("Change"),
                required=False,
                widget=forms.NumberInput(
                    attrs={"step": 1, "class": "form-control form-control-sm"}
                ),
            )
            self.fields[f"adj{i}_reason"] = forms.CharField(
                label=_("Reason"),
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def adjustment_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"adj{i}_figure"], self[f"adj{i}_delta"], self[f"adj{i}_reason"])
            for i in range(1, self.rows + 1)
        ]

    def adjustments(self) -> list[dict[str, Any]]:
        """The filled rows (a row with nothing in it is skipped; a half-filled one is
        passed on, for the service to name what is missing)."""
        found = []
        for i in range(1, self.rows + 1):
            figure = self.cleaned_data.get(f"adj{i}_figure") or ""
            delta = self.cleaned_data.get(f"adj{i}_delta")
            reason = self.cleaned_data.get(f"adj{i}_reason") or ""
            if not figure and delta in (None, 0) and not reason:
                continue
            found.append({"figure": figure, "delta": delta or 0, "reason": reason, "row": i})
        return found

    @staticmethod
    def initial_for(report: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "duty_staff": report.duty_staff,
            "remarks": report.remarks,
            "problems": report.problems,
        }
        for i, adjustment in enumerate(report.adjustments, start=1):
            initial[f"adj{i}_figure"] = adjustment["figure"]
            initial[f"adj{i}_delta"] = adjustment["delta"]
            initial[f"adj{i}_reason"] = adjustment["reason"]
        return initial


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        min_length=2,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
