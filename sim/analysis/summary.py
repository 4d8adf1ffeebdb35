"""Summary statistics of runs, in the terms of the reported figures.

These are what calibration fits, what calibration tests assert and what the regression
baseline stores. Each takes a run's ``monthly`` table (or a stack of them with a ``seed``
column) and returns plain numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.observation import MONITORS

KP = "Khyber Pakhtunkhwa"
BALOCHISTAN = "Balochistan"
CLOSURE_MONTHS = ("2025-10", "2025-11", "2025-12")
OTHER_MONITOR_PREFIXES = tuple(f"{m}_" for m in MONITORS if m != "crss")
"""Prefixes of the columns that carry the other monitors' counts (PICSS's, PIPS's) beside
CRSS's unprefixed ones."""


def national_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    return monthly.groupby("month", sort=True).sum(numeric_only=True)


def run_summary(monthly: pd.DataFrame) -> dict[str, float]:
    """Statistics of one run comparable with ``sim/data/reported_figures.yaml``.

    Keys:
        fatalities_national_YYYY: all fatalities in Pakistan in year YYYY;
        attacks_national_YYYY: militant attacks in Pakistan in year YYYY;
        fatalities_kp_YYYY, fatalities_balochistan_YYYY: the same per province;
        kp_balochistan_share_2025: their joint share of national fatalities in 2025;
        fatalities_militant_YYYY, fatalities_security_YYYY, fatalities_civilian_YYYY: by who
            was killed;
        militant_share_YYYY: militants' share of all fatalities in year YYYY [0-1];
        militants_killed_in_operations_YYYY: militants killed by security forces in
            operations (the state's claims, as the monitor relays them);
        operations_YYYY: security operations in year YYYY;
        attacks_change_2025_11, attacks_change_2025_12: month-on-month change of national
            attacks (November against October, December against November), the comparison
            sim reads the CRSS figures as;
        security_peak_month_2020_2022: the month of 2020-2022 with most security fatalities,
            as a number YYYYMM;
        <monitor>_<column>_YYYY: where the table carries another monitor's counts beside
            CRSS's (``picss_attacks``, ``pips_fatalities_in_attacks``, ...:
            :func:`sim.calibration.evaluate.calibration_view`), their national sum in year YYYY.
    """
    year = monthly["month"].str.slice(0, 4).astype(int)
    by_year_region = monthly.groupby([year, "region"])["fatalities_total"].sum()
    national_year = monthly.groupby(year).sum(numeric_only=True)
    out: dict[str, float] = {}
    for y, total in national_year["fatalities_total"].items():
        out[f"fatalities_national_{y}"] = float(total)
        out[f"attacks_national_{y}"] = float(national_year.loc[y, "attacks"])
        out[f"operations_{y}"] = float(national_year.loc[y, "operations"])
    for y in national_year.index:
        out[f"fatalities_kp_{y}"] = float(by_year_region.get((y, KP), 0))
        out[f"fatalities_balochistan_{y}"] = float(by_year_region.get((y, BALOCHISTAN), 0))
        for actor in ("militant", "security", "civilian"):
            out[f"fatalities_{actor}_{y}"] = float(national_year.loc[y, f"fatalities_{actor}"])
        total = out[f"fatalities_national_{y}"]
        out[f"militant_share_{y}"] = (out[f"fatalities_militant_{y}"] / total if total
                                      else float("nan"))
        if "militants_killed_in_operations" in national_year.columns:
            out[f"militants_killed_in_operations_{y}"] = float(
                national_year.loc[y, "militants_killed_in_operations"])
        for column in national_year.columns:
            if column.startswith(OTHER_MONITOR_PREFIXES):
                out[f"{column}_{y}"] = float(national_year.loc[y, column])
    if 2025 in national_year.index:
        row = national_year.loc[2025]
        total = row["fatalities_total"]
        out["kp_balochistan_share_2025"] = (
            (out["fatalities_kp_2025"] + out["fatalities_balochistan_2025"]) / total
            if total else float("nan")
        )
    nat = national_monthly(monthly)
    if all(m in nat.index for m in CLOSURE_MONTHS):
        oct_, nov, dec = (float(nat.loc[m, "attacks"]) for m in CLOSURE_MONTHS)
        out["attacks_change_2025_11"] = nov / oct_ - 1.0 if oct_ else float("nan")
        out["attacks_change_2025_12"] = dec / nov - 1.0 if nov else float("nan")
    early = nat.loc[(nat.index >= "2020-01") & (nat.index <= "2022-12"), "fatalities_security"]
    if len(early):
        peak = early.idxmax()
        out["security_peak_month_2020_2022"] = float(peak.replace("-", ""))
    return out


def ensemble_attack_changes(monthly_by_seed: list[pd.DataFrame]) -> dict[str, float]:
    """Month-on-month change of the ensemble's mean national attacks after the closure.

    ``attacks_change_2025_11`` = mean November attacks / mean October attacks - 1, and the
    same for December against November, with means over the runs. This is the change in the
    expected monthly count, which is what the single reported change estimates; the median of
    per-run ratios would carry each run's Poisson noise twice.
    """
    nat = [national_monthly(m)["attacks"] for m in monthly_by_seed]
    mean = pd.concat(nat, axis=1).mean(axis=1)
    if not all(m in mean.index for m in CLOSURE_MONTHS):
        return {}
    oct_, nov, dec = (float(mean.loc[m]) for m in CLOSURE_MONTHS)
    return {"attacks_change_2025_11": nov / oct_ - 1.0 if oct_ else float("nan"),
            "attacks_change_2025_12": dec / nov - 1.0 if nov else float("nan")}


def ensemble_median_monthly(monthly_by_seed: list[pd.DataFrame], column: str) -> pd.Series:
    """Median over runs of a national monthly series."""
    stacked = np.vstack([national_monthly(m)[column].to_numpy() for m in monthly_by_seed])
    months = national_monthly(monthly_by_seed[0]).index
    return pd.Series(np.median(stacked, axis=0), index=months, name=column)
