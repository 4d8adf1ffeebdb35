"""The observation layer: what a monitor such as CRSS would report, per day and region.

Simulated events are counted the way the reported figures are produced: attacks (violent
incidents by militants), security operations, and fatalities split into civilians, security
personnel and militants, for the seven Pakistani regions. Daily counts are summed into tidy
monthly and annual tables.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from sim.model.calendar import SimCalendar
from sim.model.space import N_PAKISTAN, PAKISTAN_REGIONS

METRICS: tuple[str, ...] = (
    "attacks",
    "operations",
    "fatalities_civilian",
    "fatalities_security",
    "fatalities_militant",
)
"""Counted columns of every output table, in order."""
FATALITY_COLUMNS = ("fatalities_civilian", "fatalities_security", "fatalities_militant")
REGION_NAMES: tuple[str, ...] = tuple(PAKISTAN_REGIONS.values())
ATTACKS, OPERATIONS, CIVILIANS, SECURITY, MILITANTS = range(len(METRICS))
"""Column of each metric in the daily counts (the order of ``METRICS``)."""


class Monitor:
    """Daily counts per Pakistani region, in an array [day, region, metric] that the rules
    add to (columns in the order of ``METRICS``)."""

    def __init__(self, calendar: SimCalendar):
        self.calendar = calendar
        self.daily = np.zeros((calendar.n_days, N_PAKISTAN, len(METRICS)), dtype=np.int64)

    def monthly(self) -> pd.DataFrame:
        """One row per month and Pakistani region."""
        sums = np.add.reduceat(self.daily, self.calendar.month_starts, axis=0)
        return _tidy(sums, self.calendar.months, "month")

    def annual(self) -> pd.DataFrame:
        """One row per year and Pakistani region."""
        years = self.calendar.dates.astype("datetime64[Y]").astype(int) + 1970
        starts = np.flatnonzero(np.r_[True, np.diff(years) > 0])
        sums = np.add.reduceat(self.daily, starts, axis=0)
        return _tidy(sums, [int(y) for y in years[starts]], "year")


@functools.lru_cache(maxsize=16)
def _labels(periods: tuple, period_name: str) -> pd.DataFrame:
    """The period and region columns of a tidy table (the same for every run of a calendar)."""
    return pd.DataFrame({period_name: np.repeat(periods, N_PAKISTAN),
                         "region": np.tile(REGION_NAMES, len(periods))})


def _tidy(sums: np.ndarray, periods: list, period_name: str) -> pd.DataFrame:
    counts = sums.reshape(len(periods) * N_PAKISTAN, len(METRICS))
    labels = _labels(tuple(periods), period_name)
    columns = {period_name: labels[period_name], "region": labels["region"]}
    for column, metric in enumerate(METRICS):
        columns[metric] = counts[:, column]
    columns["fatalities_total"] = counts[:, [CIVILIANS, SECURITY, MILITANTS]].sum(axis=1)
    return pd.DataFrame(columns)
