"""Naive forecasts a model must beat, each a predictive sample built from the reported
figures up to the forecast origin only.

- **no_change**: next year as the origin year (a month: the origin year's figure / 12).
- **trend**: the log-linear trend of the series' last four years (at least two) carried one
  year on (a month: / 12).
- **nb_regression**: a negative-binomial regression (NB2, log link, level and linear trend in
  time) on the monthly series of the same monitor, metric, region and actor, fitted by
  maximum likelihood; a year is the sum of its twelve months. Only where the monthly series
  has at least :data:`MIN_MONTHS` values before the origin.

The spread of ``no_change`` and ``trend`` is their own record: the root mean square of the
log errors each method made one year ahead on every observable annual series up to the
origin (pooled over series; ``sigma`` in the results). A monthly figure adds the scatter of
months around their year's mean (pooled log standard deviation of the monthly figures up to
the origin). The predictive is log-normal around the point forecast. The NB regression's
predictive is its fitted distribution (parameter uncertainty left out).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, special

from sim.forecasting.observables import comparable_series

METHODS = ("no_change", "trend", "nb_regression")
TREND_YEARS = 4
"""Years of an annual series the trend is fitted to (the last ones up to the origin)."""
MIN_MONTHS = 6
"""Monthly values a negative-binomial regression needs before the origin."""
SAMPLES = 4000
"""Draws of each naive predictive."""


def history(origin: int) -> pd.DataFrame:
    """Every observable annual and monthly figure that ends by 31 December of ``origin``."""
    table = comparable_series()
    out = table.loc[table["period_end"] <= pd.Timestamp(f"{origin}-12-31")].copy()
    out["year"] = out["period_start"].dt.year
    return out


def _key(row) -> tuple:
    return (row["monitor"], row["metric"], row["region"], row["actor"])


def annual_by_series(past: pd.DataFrame) -> dict[tuple, pd.Series]:
    """Annual values by (monitor, metric, region, actor), indexed by year."""
    annual = past[past["period_kind"] == "year"]
    return {key: group.groupby("year")["value"].last()
            for key, group in annual.groupby(["monitor", "metric", "region", "actor"])}


def trend_point(series: pd.Series, year: int) -> float | None:
    """The log-linear trend of ``series``' last :data:`TREND_YEARS` years before ``year``,
    at ``year``; None with fewer than two years."""
    past = series[series.index < year].tail(TREND_YEARS)
    past = past[past > 0]
    if len(past) < 2:
        return None
    slope, level = np.polyfit(past.index.to_numpy(float), np.log(past.to_numpy()), 1)
    return float(math.exp(level + slope * year))


def point(method: str, series: pd.Series, year: int) -> float | None:
    """``no_change`` or ``trend`` forecast of ``series`` (annual) for ``year``."""
    if method == "no_change":
        return float(series.loc[year - 1]) if year - 1 in series.index else None
    return trend_point(series, year)


def log_spread(method: str, annual: dict[tuple, pd.Series]) -> float:
    """Root mean square log error of ``method``'s one-year-ahead forecasts over every annual
    series and year in ``annual`` (the method's own record up to the origin)."""
    errors = []
    for series in annual.values():
        for year, value in series.items():
            forecast = point(method, series, int(year))
            if forecast and value > 0:
                errors.append(math.log(value / forecast))
    return float(np.sqrt(np.mean(np.square(errors)))) if errors else math.log(2.0)


def monthly_spread(past: pd.DataFrame, annual: dict[tuple, pd.Series]) -> float:
    """Pooled standard deviation of log(month / (its year's figure / 12)) over the monthly
    figures whose series has that year's figure."""
    logs = []
    for _, row in past[past["period_kind"] == "month"].iterrows():
        series = annual.get(_key(row))
        if series is not None and row["year"] in series.index and row["value"] > 0:
            logs.append(math.log(row["value"] * 12 / series.loc[row["year"]]))
    return float(np.std(logs, ddof=1)) if len(logs) > 2 else 0.3


def fit_negative_binomial(times: np.ndarray, counts: np.ndarray) -> tuple[float, float, float]:
    """Maximum-likelihood NB2 regression ``log mean = level + slope * time``:
    (level, slope, dispersion alpha; variance = mean + alpha * mean^2)."""
    counts = np.asarray(counts, dtype=float)

    def negative_log_likelihood(theta):
        level, slope, log_alpha = theta
        mean = np.exp(level + slope * times)
        size = 1.0 / math.exp(log_alpha)
        return -np.sum(special.gammaln(counts + size) - special.gammaln(size)
                       - special.gammaln(counts + 1) + size * np.log(size / (size + mean))
                       + counts * np.log(mean / (size + mean)))

    start = np.array([math.log(max(counts.mean(), 0.5)), 0.0, math.log(0.1)])
    fit = optimize.minimize(negative_log_likelihood, start, method="Nelder-Mead",
                            options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000})
    level, slope, log_alpha = fit.x
    return float(level), float(slope), float(math.exp(log_alpha))


def month_time(label: str) -> float:
    """A YYYY-MM month as years (its middle)."""
    year, month = int(label[:4]), int(label[5:7])
    return year + (month - 0.5) / 12


def nb_sample(past: pd.DataFrame, figure, rng: np.random.Generator) -> np.ndarray | None:
    """Draws of ``figure`` from the NB regression on its monthly series, or None."""
    monthly = past[(past["period_kind"] == "month")
                   & (past["monitor"] == figure.monitor) & (past["metric"] == figure.metric)
                   & (past["region"] == figure.region) & (past["actor"] == figure.actor)]
    if len(monthly) < MIN_MONTHS:
        return None
    times = np.array([month_time(p.strftime("%Y-%m")) for p in monthly["period_start"]])
    level, slope, alpha = fit_negative_binomial(times, monthly["value"].to_numpy())
    total = np.zeros(SAMPLES)
    for label in figure.months:
        mean = math.exp(level + slope * month_time(label))
        size = 1.0 / alpha
        total += rng.negative_binomial(size, size / (size + mean), SAMPLES)
    return total


def naive_samples(origin: int, figures: pd.DataFrame, rng: np.random.Generator
                  ) -> tuple[dict[str, list[np.ndarray | None]], dict[str, float]]:
    """Each method's predictive draws for each figure (None where the method has no forecast),
    and the spreads used."""
    past = history(origin)
    annual = annual_by_series(past)
    within = monthly_spread(past, annual)
    spreads = {"no_change": log_spread("no_change", annual), "trend": log_spread("trend", annual),
               "months_within_year": within}
    out: dict[str, list[np.ndarray | None]] = {m: [] for m in METHODS}
    for figure in figures.itertuples(index=False):
        series = annual.get((figure.monitor, figure.metric, figure.region, figure.actor))
        share = len(figure.months) / 12
        for method in ("no_change", "trend"):
            centre = point(method, series, origin + 1) if series is not None else None
            if not centre:
                out[method].append(None)
                continue
            sigma = math.hypot(spreads[method], within if figure.period_kind == "month" else 0.0)
            out[method].append(centre * share * np.exp(rng.normal(0.0, sigma, SAMPLES)))
        out["nb_regression"].append(nb_sample(past, figure, rng))
    return out, spreads
