"""Summary tables of ensembles: quantile bands over seeds and paired differences between arms.

Ensembles are summarised by quantiles over seeds — the median, the 80% band (10-90%) and the
95% band (2.5-97.5%) — never by mean and standard deviation. Tables here take the *national*
table: national monthly counts per job folder and seed (:func:`national`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.arms import Arm

QUANTILES = {"q025": 0.025, "q10": 0.10, "median": 0.5, "q90": 0.90, "q975": 0.975}
"""Column name -> quantile over seeds: the median, the 80% and the 95% bands."""
ACTORS = {"civilian": "fatalities_civilian", "security": "fatalities_security",
          "militant": "fatalities_militant", "total": "fatalities_total"}
COMPARISON_YEAR = 2026


def bands(frame: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    """Median and 80%/95% bands of ``column`` over the rows of each ``by`` group, with the
    number of rows (seeds) ``n``."""
    grouped = frame.groupby(by, sort=True)[column]
    out = pd.DataFrame({name: grouped.quantile(q) for name, q in QUANTILES.items()})
    out["n"] = grouped.size()
    return out.reset_index()


def national(tidy: pd.DataFrame) -> pd.DataFrame:
    """National monthly counts per job folder and seed (summed over regions): run, seed,
    month, counts."""
    counts = [c for c in tidy.columns if c in ("attacks", "operations") or
              c.startswith("fatalities_")]
    return tidy.groupby(["run", "seed", "month"], sort=True)[counts].sum().reset_index()


def arm_of_run(arms: list[Arm]) -> dict[str, Arm]:
    return {run: arm for arm in arms for run in arm.runs}


def arm_labels(nat: pd.DataFrame, arms: list[Arm]) -> pd.Series:
    """The arm label of each row of ``nat`` (NaN for a job folder in no arm)."""
    return nat["run"].map({run: arm.label for run, arm in arm_of_run(arms).items()})


def one_row_per_seed(nat: pd.DataFrame, arms: list[Arm]) -> tuple[pd.DataFrame, int]:
    """``nat`` with one series per arm and seed: when two job folders of one arm hold the
    same seed, the first folder's is kept. Returns the table and how many seeds were dropped."""
    labels = arm_labels(nat, arms)
    duplicated = nat.assign(_arm=labels).duplicated(["_arm", "seed", "month"]) & labels.notna()
    if not duplicated.any():
        return nat, 0
    return nat[~duplicated], int(nat[duplicated].groupby(["run", "seed"]).ngroups)


def fan_table(nat: pd.DataFrame, arms: list[Arm], column: str = "fatalities_total"
              ) -> pd.DataFrame:
    """Per arm and month: median and bands over seeds of a national monthly count."""
    frame = nat.assign(arm=arm_labels(nat, arms)).dropna(subset=["arm"])
    return bands(frame, ["arm", "month"], column)


def paired(nat: pd.DataFrame, arm: Arm, columns: list[str]) -> pd.DataFrame:
    """Per seed and month: arm minus its baseline (same seed) for ``columns``."""
    assert arm.baseline is not None
    a = nat[nat["run"].isin(arm.runs)].set_index(["seed", "month"])[columns]
    b = nat[nat["run"].isin(arm.baseline.runs)].set_index(["seed", "month"])[columns]
    a, b = a.align(b, join="inner")
    return (a - b).reset_index()


def difference_table(nat: pd.DataFrame, arms: list[Arm], column: str = "fatalities_total"
                     ) -> pd.DataFrame:
    """Per compared arm and month: median and bands over seeds of arm minus baseline."""
    frames = []
    for arm in arms:
        if arm.baseline is None:
            continue
        diff = paired(nat, arm, [column]).assign(arm=arm.label, baseline=arm.baseline.label)
        frames.append(bands(diff, ["arm", "baseline", "month"], column))
    columns = ["arm", "baseline", "month", *QUANTILES, "n"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def cumulative_table(nat: pd.DataFrame, arms: list[Arm], parameters: list[str],
                     year: int = COMPARISON_YEAR) -> pd.DataFrame:
    """Cumulative fatalities over ``year`` added (+) or averted (-) by actor per arm.

    For each seed: the arm's fatalities summed over the months of ``year`` minus the
    baseline's with the same seed [fatalities]; then the median and the 10-90% and
    2.5-97.5% quantiles over seeds (``n_pairs`` seeds). ``arm_median`` and
    ``baseline_median`` are the medians of the two cumulative totals themselves.
    """
    columns = list(ACTORS.values())
    in_year = nat[nat["month"].str.startswith(f"{year}-")]
    rows = []
    for arm in arms:
        if arm.baseline is None or in_year.empty:
            continue
        diff = paired(in_year, arm, columns).groupby("seed")[columns].sum()
        own = in_year[in_year["run"].isin(arm.runs)].groupby("seed")[columns].sum()
        base = in_year[in_year["run"].isin(arm.baseline.runs)].groupby("seed")[columns].sum()
        for actor, column in ACTORS.items():
            row = {"arm": arm.label, "scenario": arm.scenario, **arm.params,
                   "baseline": arm.baseline.label, "actor": actor, "n_pairs": len(diff)}
            row.update({name: float(diff[column].quantile(q)) for name, q in QUANTILES.items()})
            row["arm_median"] = float(own[column].median())
            row["baseline_median"] = float(base[column].median())
            rows.append(row)
    return pd.DataFrame(rows, columns=["arm", "scenario", *parameters, "baseline", "actor",
                                       "n_pairs", *QUANTILES, "arm_median", "baseline_median"])


def quantile_bands(values: np.ndarray) -> dict[str, np.ndarray]:
    """:data:`QUANTILES` over the first axis of ``values`` (seeds x anything), as pandas'
    ``quantile`` computes them (linear interpolation)."""
    return {name: np.quantile(values, q, axis=0) for name, q in QUANTILES.items()}
