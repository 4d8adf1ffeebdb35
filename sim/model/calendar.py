"""The simulation calendar: one step is one day on the real calendar.

Time rules used everywhere in sim: step 0 is the first day of the window; a date maps to the
step of that day; a window ``[start, end)`` includes its start day and excludes its end day;
an open end (``None``) runs to the end of the simulation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np


def parse_date(value: str | dt.date) -> dt.date:
    """Return ``value`` as a date; accepts ISO strings (YYYY-MM-DD) and dates."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class SimCalendar:
    """Maps simulation steps (days) to calendar dates, months and years."""

    start: dt.date
    end: dt.date  # last simulated day, inclusive

    @classmethod
    def from_strings(cls, start: str | dt.date, end: str | dt.date) -> SimCalendar:
        return cls(parse_date(start), parse_date(end))

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    def step_of(self, date: str | dt.date) -> int:
        """Step index of ``date`` (may lie outside ``[0, n_days)`` for dates outside the window)."""
        return (parse_date(date) - self.start).days

    def date_of(self, step: int) -> dt.date:
        return self.start + dt.timedelta(days=int(step))

    def contains(self, date: str | dt.date) -> bool:
        return self.start <= parse_date(date) <= self.end

    @cached_property
    def dates(self) -> np.ndarray:
        """All simulated days as numpy datetime64[D]."""
        return np.arange(
            np.datetime64(self.start, "D"),
            np.datetime64(self.end, "D") + np.timedelta64(1, "D"),
            dtype="datetime64[D]",
        )

    @cached_property
    def month_index(self) -> np.ndarray:
        """For each day, the index of its month counted from the first simulated month."""
        months = self.dates.astype("datetime64[M]")
        return (months - months[0]).astype(np.int64)

    @cached_property
    def months(self) -> list[str]:
        """Labels (YYYY-MM) of the simulated months in order."""
        first = self.dates[0].astype("datetime64[M]")
        last = self.dates[-1].astype("datetime64[M]")
        return [str(m) for m in np.arange(first, last + np.timedelta64(1, "M"))]

    @cached_property
    def month_starts(self) -> np.ndarray:
        """Step index of the first simulated day of every month (for ``np.add.reduceat``)."""
        return np.flatnonzero(np.r_[True, np.diff(self.month_index) > 0])
