"""The care area's settings and fixed vocabularies, read in one place.

Settings (docs/operations.md): FANGKONG_FOLLOWUP_SLOTS (follow-ups a day, default 2),
FANGKONG_FOLLOWUP_DUE_HOURS (the hour by which each slot is due, "12,18"),
FANGKONG_FEVER_THRESHOLD (°C, default 37.3), FANGKONG_ALERT_ESCALATE_MINUTES (60).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# 症状: the boxes of the quick form.
SYMPTOMS = (
    ("fever", _("Fever")),
    ("cough", _("Cough")),
    ("sore_throat", _("Sore throat")),
    ("fatigue", _("Fatigue")),
    ("taste_smell", _("Loss of taste or smell")),
    ("diarrhoea", _("Diarrhoea")),
    ("other", pgettext_lazy("symptom", "Other")),
)
# 四个一: the four services of the day.
SERVICES = (
    ("temperature", _("Temperature taken")),
    ("shopping", _("Shopping done")),
    ("garbage", _("Garbage collected")),
    ("disinfection", _("Disinfection")),
)
SYMPTOM_CODES = frozenset(code for code, _label in SYMPTOMS)
SERVICE_CODES = tuple(code for code, _label in SERVICES)


def slots() -> int:
    return max(1, int(getattr(settings, "FANGKONG_FOLLOWUP_SLOTS", 2)))


def due_hours() -> list[int]:
    """The hour (local time) by which slot 1, 2, … must be recorded; a slot beyond the
    list is due by the last hour given."""
    raw = getattr(settings, "FANGKONG_FOLLOWUP_DUE_HOURS", "12,18")
    hours = [int(h) for h in str(raw).split(",") if h.strip()] or [12, 18]
    return [min(max(h, 0), 24) for h in hours]


def due_at(day: dt.date, slot: int) -> dt.datetime:
    hours = due_hours()
    hour = hours[min(slot, len(hours)) - 1]
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    return start + dt.timedelta(hours=hour)


def fever_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "FANGKONG_FEVER_THRESHOLD", "37.3")))


def escalate_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "FANGKONG_ALERT_ESCALATE_MINUTES", 60)))
