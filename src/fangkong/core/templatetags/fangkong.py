"""Template helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def with_class(field: Any, css: str) -> SafeString:
    """Render a bound field's widget with a CSS class (Bootstrap's form-control)."""
    result: SafeString = field.as_widget(attrs={"class": css})
    return result
