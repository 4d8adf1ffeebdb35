"""The simulated events as the model produced them, per day and Pakistani region.

The rules add every event to one array ``daily[day, region, event]`` (columns
:data:`EVENTS`): attacks by militants (and how many targeted security forces), security
operations, and the people killed in each, apart: civilians, security personnel and
attackers killed in attacks; civilians, security personnel and militants killed in
operations. These are the model's ground truth. What a monitor such as CRSS, PICSS or PIPS
would report of them is the observation model's business (:mod:`sim.model.observation`).

:class:`EventCounts` sums the daily counts into tidy monthly and annual tables (columns
:data:`TABLE_COLUMNS`), with the fatalities both by who was killed and by where they died.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from sim.model.calendar import SimCalendar
from sim.model.space import N_PAKISTAN, PAKISTAN_REGIONS

EVENTS: tuple[str, ...] = (
    "attacks",
    "attacks_on_security",
    "operations",
    "civilians_killed_in_attacks",
    "security_killed_in_attacks",
    "attackers_killed",
    "civilians_killed_in_operations",
    "security_killed_in_operations",
    "militants_killed_in_operations",
)
"""Columns of the daily event counts, in order [events or people per day and region]."""
(ATTACKS, ATTACKS_ON_SECURITY, OPERATIONS, CIVILIANS_IN_ATTACKS, SECURITY_IN_ATTACKS,
 ATTACKERS_KILLED, CIVILIANS_IN_OPERATIONS, SECURITY_IN_OPERATIONS,
 MILITANTS_IN_OPERATIONS) = range(len(EVENTS))
"""Column of each event in the daily counts (the order of :data:`EVENTS`)."""

METRICS: tuple[str, ...] = (
    "attacks",
    "operations",
    "fatalities_civilian",
    "fatalities_security",
    "fatalities_militant",
)
"""The first counted columns of every event table, in order (all violence-linked deaths: in
attacks and in operations)."""
FATALITY_COLUMNS = ("fatalities_civilian", "fatalities_security", "fatalities_militant")
TABLE_COLUMNS: tuple[str, ...] = (
    *METRICS, "fatalities_total", "attacks_on_security", "fatalities_in_attacks",
    "militants_killed_in_operations",
)
"""Counted columns of the event tables: :data:`METRICS`, their total, attacks on security
forces, everyone killed in attacks (attackers included) and militants killed in operations."""
REGION_NAMES: tuple[str, ...] = tuple(PAKISTAN_REGIONS.values())

_SUMS: dict[str, tuple[int, ...]] = {
    "attacks": (ATTACKS,),
    "operations": (OPERATIONS,),
    "fatalities_civilian": (CIVILIANS_IN_ATTACKS, CIVILIANS_IN_OPERATIONS),
    "fatalities_security": (SECURITY_IN_ATTACKS, SECURITY_IN_OPERATIONS),
    "fatalities_militant": (ATTACKERS_KILLED, MILITANTS_IN_OPERATIONS),
    "fatalities_total": (CIVILIANS_IN_ATTACKS, CIVILIANS_IN_OPERATIONS, SECURITY_IN_ATTACKS,
                         SECURITY_IN_OPERATIONS, ATTACKERS_KILLED, MILITANTS_IN_OPERATIONS),
    "attacks_on_security": (ATTACKS_ON_SECURITY,),
    "fatalities_in_attacks": (CIVILIANS_IN_ATTACKS, SECURITY_IN_ATTACKS, ATTACKERS_KILLED),
    "militants_killed_in_operations": (MILITANTS_IN_OPERATIONS,),
}
"""How each table column sums the daily event columns."""


class EventCounts:
    """Daily event counts per Pakistani region, ``daily[day, region, event]`` (columns
    :data:`EVENTS`), which the rules add to."""

    def __init__(self, calendar: SimCalendar):
        self.calendar = calendar
        self.daily = np.zeros((calendar.n_days, N_PAKISTAN, len(EVENTS)), dtype=np.int64)

    def monthly_sums(self) -> np.ndarray:
        """[month, region, event] counts per month."""
        return np.add.reduceat(self.daily, self.calendar.month_starts, axis=0)

    def annual_sums(self) -> tuple[list[int], np.ndarray]:
        """The simulated years and [year, region, event] counts per year."""
        years = self.calendar.dates.astype("datetime64[Y]").astype(int) + 1970
        starts = np.flatnonzero(np.r_[True, np.diff(years) > 0])
        return [int(y) for y in years[starts]], np.add.reduceat(self.daily, starts, axis=0)

    def monthly(self, sums: np.ndarray | None = None) -> pd.DataFrame:
        """One row per month and Pakistani region (columns :data:`TABLE_COLUMNS`), from
        ``sums`` when the caller has already taken :meth:`monthly_sums`."""
        sums = self.monthly_sums() if sums is None else sums
        return tidy(sums, self.calendar.months, "month")

    def annual(self) -> pd.DataFrame:
        """One row per year and Pakistani region."""
        years, sums = self.annual_sums()
        return tidy(sums, years, "year")


@functools.lru_cache(maxsize=16)
def _labels(periods: tuple, period_name: str) -> pd.DataFrame:
    """The period and region columns of a tidy table (the same for every run of a calendar)."""
    return pd.DataFrame({period_name: np.repeat(periods, N_PAKISTAN),
                         "region": np.tile(REGION_NAMES, len(periods))})


def tidy(sums: np.ndarray, periods: list, period_name: str) -> pd.DataFrame:
    """``sums[period, region, event]`` as a tidy table: period, region, :data:`TABLE_COLUMNS`."""
    counts = sums.reshape(len(periods) * N_PAKISTAN, len(EVENTS))
    labels = _labels(tuple(periods), period_name)
    columns = {period_name: labels[period_name], "region": labels["region"]}
    for name in TABLE_COLUMNS:
        columns[name] = counts[:, list(_SUMS[name])].sum(axis=1)
    return pd.DataFrame(columns)
