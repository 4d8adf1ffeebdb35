"""Which reported figures a run can be compared with, and the run's value of each.

A figure is *observable* when the observation model (:mod:`sim.model.observation`) produces
the same quantity as its monitor counts it: CRSS, PICSS or PIPS; a year or a month; national
or one Pakistani region; and a metric and actor in :data:`COLUMN_OF`. The run's value is the
monitor's view of the run summed over the figure's months and regions, so a forecast is
compared with each monitor on that monitor's own definition (never CRSS's view with PIPS's
number).

Figures with a bound (``at least``), a derived figure, or a quantity no monitor view carries
(injuries, incidents, shares, changes, joint regions such as ``kp+balochistan``) are left
out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.data import reported
from sim.model.observation import MONITORS
from sim.model.space import PAKISTAN_REGIONS

COLUMN_OF: dict[tuple[str, str], tuple[str, ...]] = {
    ("attacks", "militant"): ("attacks",),
    ("fatalities", "all"): ("fatalities_total",),
    ("fatalities", "civilian"): ("fatalities_civilian",),
    ("fatalities", "security"): ("fatalities_security",),
    ("fatalities", "militant"): ("fatalities_militant",),
    ("fatalities", "civilian+security"): ("fatalities_civilian", "fatalities_security"),
    ("fatalities_in_attacks", "all"): ("fatalities_in_attacks",),
    ("fatalities_in_operations", "militant"): ("militants_killed_in_operations",),
    ("operations", "security"): ("operations",),
}
"""(metric, actor) of a reported figure -> the monitor-view columns whose sum is its value."""

PERIOD_KINDS = ("year", "month")
"""Figure periods a forecast is scored on: a calendar year or a month."""


def comparable_series() -> pd.DataFrame:
    """Every latest published year or month of CRSS, PICSS or PIPS (``reported.series``'s
    columns) whose metric and actor a monitor view carries, with no bound."""
    table = reported.series(monitor=list(MONITORS), period=list(PERIOD_KINDS))
    pairs = zip(table["metric"], table["actor"], strict=True)
    keep = table["bound"].isna() & np.array([pair in COLUMN_OF for pair in pairs], dtype=bool)
    return table.loc[keep]


def observable_figures(first: str, last: str) -> pd.DataFrame:
    """The comparable figures (:func:`comparable_series`) of a national or Pakistani region's
    total whose period lies within ``first``..``last`` (dates, inclusive), one row per figure:
    ``id``, ``monitor``, ``metric``, ``region``, ``actor``, ``period_kind``, ``months`` (the
    YYYY-MM labels it spans), ``value``."""
    table = comparable_series()
    keep = ((table["period_start"] >= pd.Timestamp(first))
            & (table["period_end"] <= pd.Timestamp(last))
            & table["region"].isin(["national", *PAKISTAN_REGIONS]))
    out = table.loc[keep, ["id", "monitor", "metric", "region", "actor", "period_kind",
                           "period_start", "period_end", "value"]].copy()
    out["months"] = [tuple(pd.period_range(s, e, freq="M").strftime("%Y-%m"))
                     for s, e in zip(out["period_start"], out["period_end"], strict=True)]
    return out.drop(columns=["period_start", "period_end"]).reset_index(drop=True)


def simulated_values(monitors_monthly: pd.DataFrame, figures: pd.DataFrame) -> np.ndarray:
    """Each figure's value in one run: its monitor's view summed over its months, regions and
    columns [the figure's unit]. NaN where the run does not cover the figure's months."""
    table = monitors_monthly.set_index(["monitor", "month", "region"]).sort_index()
    months_run = set(monitors_monthly["month"])
    values = np.full(len(figures), np.nan)
    for i, row in enumerate(figures.itertuples(index=False)):
        if not set(row.months) <= months_run:
            continue
        view = table.loc[row.monitor].loc[list(row.months)]
        if row.region != "national":
            view = view[view.index.get_level_values("region") == PAKISTAN_REGIONS[row.region]]
        columns = COLUMN_OF[(row.metric, row.actor)]
        values[i] = float(view[list(columns)].to_numpy(dtype=float, na_value=np.nan).sum())
    return values


def monthly_path(year: int, monitor: str = "picss", metric: str = "attacks",
                 actor: str = "militant") -> pd.DataFrame:
    """Twelve unreported pseudo-figures, one per month of ``year`` (national), shaped like
    :func:`observable_figures`: the simulated monthly path a forecast figure draws."""
    months = pd.period_range(f"{year}-01", f"{year}-12", freq="M").strftime("%Y-%m")
    return pd.DataFrame({"id": [f"path_{m}" for m in months], "monitor": monitor,
                         "metric": metric, "region": "national", "actor": actor,
                         "period_kind": "month", "value": np.nan,
                         "months": [(m,) for m in months]})
