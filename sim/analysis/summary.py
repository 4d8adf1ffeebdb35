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


def _numeric_columns(monthly: pd.DataFrame) -> list[str]:
    return [c for c in monthly.columns if pd.api.types.is_numeric_dtype(monthly[c])]


def _group_sums(monthly: pd.DataFrame, keys: np.ndarray, columns: list[str]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted unique ``keys``, each row's index among them, and the sums of ``columns``
    over the rows of each key, [key, column] (missing counts as 0, as pandas' ``sum`` skips
    it; whole counts add exactly)."""
    labels, codes = np.unique(keys, return_inverse=True)
    values = monthly[columns].to_numpy(dtype=float, na_value=0.0)
    sums = np.zeros((len(labels), len(columns)))
    np.add.at(sums, codes, values)
    return labels, codes, sums


def national_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    """The monthly table summed over regions: one row per month (sorted, the index), its
    numeric columns."""
    columns = _numeric_columns(monthly)
    months, _, sums = _group_sums(monthly, monthly["month"].to_numpy(dtype=str), columns)
    return pd.DataFrame(sums, index=pd.Index(months, name="month"), columns=columns)


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
    columns = _numeric_columns(monthly)
    index = {c: i for i, c in enumerate(columns)}
    months, month_of_row, by_month = _group_sums(monthly, monthly["month"].to_numpy(dtype=str),
                                                 columns)
    month_years = np.array([int(m[:4]) for m in months])
    years = np.unique(month_years)
    by_year = np.array([by_month[month_years == y].sum(axis=0) for y in years])
    region = monthly["region"].to_numpy(dtype=str)
    row_years = month_years[month_of_row]
    total = monthly["fatalities_total"].to_numpy(dtype=float, na_value=0.0)

    def region_total(y: int, name: str) -> float:
        return float(total[(row_years == y) & (region == name)].sum())

    out: dict[str, float] = {}
    for k, y in enumerate(years):
        out[f"fatalities_national_{y}"] = float(by_year[k, index["fatalities_total"]])
        out[f"attacks_national_{y}"] = float(by_year[k, index["attacks"]])
        out[f"operations_{y}"] = float(by_year[k, index["operations"]])
    for k, y in enumerate(years):
        out[f"fatalities_kp_{y}"] = region_total(y, KP)
        out[f"fatalities_balochistan_{y}"] = region_total(y, BALOCHISTAN)
        for actor in ("militant", "security", "civilian"):
            out[f"fatalities_{actor}_{y}"] = float(by_year[k, index[f"fatalities_{actor}"]])
        year_total = out[f"fatalities_national_{y}"]
        out[f"militant_share_{y}"] = (out[f"fatalities_militant_{y}"] / year_total
                                      if year_total else float("nan"))
        if "militants_killed_in_operations" in index:
            out[f"militants_killed_in_operations_{y}"] = float(
                by_year[k, index["militants_killed_in_operations"]])
        for column in columns:
            if column.startswith(OTHER_MONITOR_PREFIXES):
                out[f"{column}_{y}"] = float(by_year[k, index[column]])
    if 2025 in years:
        year_total = out["fatalities_national_2025"]
        out["kp_balochistan_share_2025"] = (
            (out["fatalities_kp_2025"] + out["fatalities_balochistan_2025"]) / year_total
            if year_total else float("nan")
        )
    attacks = dict(zip(months, by_month[:, index["attacks"]], strict=True))
    if all(m in attacks for m in CLOSURE_MONTHS):
        oct_, nov, dec = (float(attacks[m]) for m in CLOSURE_MONTHS)
        out["attacks_change_2025_11"] = nov / oct_ - 1.0 if oct_ else float("nan")
        out["attacks_change_2025_12"] = dec / nov - 1.0 if nov else float("nan")
    early = (months >= "2020-01") & (months <= "2022-12")
    if early.any():
        security = by_month[early, index["fatalities_security"]]
        peak = months[early][int(np.argmax(security))]
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
    if all(n.index.equals(nat[0].index) for n in nat):
        mean = pd.Series(np.mean([n.to_numpy() for n in nat], axis=0), index=nat[0].index)
    else:
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
