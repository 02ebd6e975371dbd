"""When a step is due. Pure functions: the editor's timeline and the worker use the same.

A delay counts from the trigger or from when the previous step was due. "N days later at
HH:MM" is a wall-clock time in the shop's zone, built with the zone's rules for that date,
so a DST change between the trigger and the step keeps 10:00 at 10:00.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from ..formatting import zone

UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}
# The longest delay a step may have, per unit (90 days each).
MAX_AMOUNT = {"minutes": 90 * 24 * 60, "hours": 90 * 24, "days": 90}
FROM = ("trigger", "previous")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def due_at(step, *, entered_at: datetime, previous_due: datetime | None, timezone: str | None) -> datetime:
    """The step's due time for a run that entered at `entered_at` (UTC-aware)."""
    base = entered_at if step.delay_from == "trigger" or previous_due is None else previous_due
    if step.at_time:
        tz = zone(timezone)
        hours, minutes = (int(x) for x in CLOCK.match(step.at_time).groups())
        day = base.astimezone(tz).date() + timedelta(days=step.delay_amount)
        local = datetime.combine(day, time(hours, minutes), tzinfo=tz)
        return local.astimezone(entered_at.tzinfo)
    return base + step.delay_amount * UNITS[step.delay_unit]


def timeline(steps, *, entered_at: datetime, timezone: str | None) -> list[datetime]:
    """Each step's due time for a friend entering at `entered_at` (the editor's example)."""
    times: list[datetime] = []
    previous = None
    for step in steps:
        previous = due_at(step, entered_at=entered_at, previous_due=previous, timezone=timezone)
        times.append(previous)
    return times
