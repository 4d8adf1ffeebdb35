"""The observation layer: what a monitor such as CRSS would report, per day and region.

Simulated events are counted the way the reported figures are produced: attacks (violent
incidents by militants), security operations, and fatalities split into civilians, security
personnel and militants, for the seven Pakistani regions. Daily counts are summed into tidy
monthly and annual tables.
"""

from __future__ import annotations

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
_COLUMN = {name: i for i, name in enumerate(METRICS)}


class Monitor:
    """Accumulates daily counts in an array [day, region, metric]."""

    def __init__(self, calendar: SimCalendar):
        self.calendar = calendar
        self.daily = np.zeros((calendar.n_days, N_PAKISTAN, len(METRICS)), dtype=np.int64)

    def add(self, day: int, metric: str, regions: np.ndarray, counts: np.ndarray) -> None:
        """Add ``counts`` of ``metric`` on ``day``; ``regions`` gives each count's region."""
        if len(counts):
            self.daily[day, :, _COLUMN[metric]] += np.bincount(
                regions, weights=counts, minlength=N_PAKISTAN
            )[:N_PAKISTAN].astype(np.int64)

    def add_events(self, day: int, metrics: tuple[str, ...], regions: np.ndarray,
                   counts: tuple[np.ndarray, ...]) -> None:
        """Like :meth:`add` for several metrics at once: ``counts[i]`` are ``metrics[i]``."""
        k = len(regions)
        if not k:
            return
        columns = [_COLUMN[m] for m in metrics]
        if k > 8:
            np.add.at(self.daily[day], (regions, np.array(columns)[:, None]), counts)
            return
        # A few events: scalar additions are cheaper than one ufunc.at call.
        today = self.daily[day].ravel()  # a view: rows are regions, columns metrics
        width = len(METRICS)
        for column, values in zip(columns, counts, strict=True):
            for region, value in zip(regions.tolist(), values.tolist(), strict=True):
                if value:
                    today[region * width + column] += value

    def add_by_region(self, day: int, metric: str, counts: np.ndarray) -> None:
        """Add a per-region vector of counts."""
        self.daily[day, :, _COLUMN[metric]] += counts

    def attacks_on(self, day: int) -> np.ndarray:
        return self.daily[day, :, _COLUMN["attacks"]]

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


def _tidy(sums: np.ndarray, periods: list, period_name: str) -> pd.DataFrame:
    n_periods = len(periods)
    frame = pd.DataFrame(sums.reshape(n_periods * N_PAKISTAN, len(METRICS)), columns=METRICS)
    frame.insert(0, "region", np.tile(REGION_NAMES, n_periods))
    frame.insert(0, period_name, np.repeat(periods, N_PAKISTAN))
    frame["fatalities_total"] = frame[list(FATALITY_COLUMNS)].sum(axis=1)
    return frame
