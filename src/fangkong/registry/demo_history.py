"""Dates for the demo's fourteen days of history (`fangkong demo`), shared by the
modules' demos and imported by nothing else.

The demos build their history through the modules' services, which stamp every row
with the present moment; they then move those timestamps back to the day the story
puts them on, with queryset updates in the demo code only. These helpers say which
day and which moment: every moment is in the local time zone, never in the future,
and a day's moments fall inside that day.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

DAYS = 14  # today and the thirteen days before it


def today() -> dt.date:
    return timezone.localdate()


def day(ago: int) -> dt.date:
    """The day `ago` days before today (0: today)."""
    return today() - dt.timedelta(days=ago)


def history() -> list[dt.date]:
    """The fourteen days, oldest first, ending today."""
    return [day(ago) for ago in range(DAYS - 1, -1, -1)]


def at(when: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of a day, never later than now (today's moments are capped at now, and
    never before the day began)."""
    tz = timezone.get_current_timezone()
    moment = dt.datetime.combine(when, dt.time(hour, minute), tzinfo=tz)
    now = timezone.now()
    if moment <= now:
        return moment
    start = dt.datetime.combine(when, dt.time.min, tzinfo=tz)
    return max(start, now - dt.timedelta(seconds=1))


def during(rng: random.Random, when: dt.date, first: int = 8, last: int = 21) -> dt.datetime:
    """A moment of working hours (`first` to `last` o'clock) of a day, by the seeded
    random generator; for today, a moment before now."""
    hour = rng.randrange(first, last)
    return at(when, hour, rng.randrange(60))


def is_past(moment: dt.datetime) -> bool:
    return moment <= timezone.now()
