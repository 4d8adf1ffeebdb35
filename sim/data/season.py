"""The fighting season measured from PICSS's monthly attack counts, not calibrated.

The model multiplies attack rates by ``1 + amplitude * cos(2 pi (day_of_year - peak) / 365.25)``
(:class:`sim.model.params.SeasonParams`). This module estimates ``amplitude`` and ``peak`` from
the monthly national militant-attack counts of the Pakistan Institute for Conflict and Security
Studies (PICSS monthly security assessments, as quoted in ``reported_figures.yaml``, ids
``PICSS_YYYY_MM_ATT``), using only months that end before the border closure of 11 October
2025 (figure ``border_closure_date``), so that the season never sees the closure it is meant to
be told apart from.

- :func:`fit_season`: a Poisson log-linear regression of monthly counts (IRLS in numpy) with a
  level and a linear trend for each calendar year and one annual harmonic.
- :func:`picss_monthly_attacks`: the PICSS series the fit uses.
- :func:`picss_season`: the fit on that series (cached).

On the 24 months that can inform it (2021-08, 2021-11, 2021-12, 2022-01 to 2022-12, 2025-01 to
2025-09) the fit gives amplitude 0.033 (standard error 0.066; 0.116 allowing for the
dispersion) peaking on day 112 (22 April, standard error about 120 days), with dispersion 3.1:
no season distinguishable from none. Most of the dispersion is August 2025 (143 attacks, the
most since February 2014, against 69-85 in the months around it); without that month the fit
gives amplitude 0.136 (standard error 0.074) peaking on day 98 (8 April) with dispersion 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from sim.data import reported

YEAR_DAYS = 365.25
"""Length of the model's seasonal cycle [days] (as in ``sim.model.setup.seasonal_activity``)."""
MIN_MONTHS_PER_YEAR = 3
"""A calendar year's months enter the fit only if there are at least this many: a year's level
and trend fit two months exactly, so fewer months say nothing about the season."""
_GRID = 2.0 * np.pi * np.arange(4096) / 4096
"""Phases on which the Fourier coefficients of the fitted curve are taken (the trapezoid rule on
a periodic function: exact to rounding error)."""


@dataclass(frozen=True)
class SeasonFit:
    """A fitted fighting season in the model's form ``1 + amplitude * cos(2 pi (d - peak)/365.25)``.

    Standard errors come from the Poisson Fisher information at the fit (delta method). If the
    counts vary more than Poisson (``dispersion`` > 1) they understate the uncertainty by
    ``sqrt(dispersion)``; :attr:`amplitude_se_overdispersed` and
    :attr:`peak_day_of_year_se_overdispersed` scale them by it (quasi-Poisson). The peak's
    standard error is a linearisation: when the amplitude is within about two standard errors
    of 0 the peak is barely determined and its error is only a rough scale.
    """

    amplitude: float
    """Relative swing of the attack rate over the year [share, 0-1]."""
    amplitude_se: float
    """Standard error of ``amplitude`` (Poisson Fisher information, delta method) [share]."""
    peak_day_of_year: float
    """Day of the year the attack rate peaks [day of year, in (0, 365.25]; day 1 = 1 January]."""
    peak_day_of_year_se: float
    """Standard error of ``peak_day_of_year`` (Poisson Fisher information, delta method) [days]."""
    log_amplitude: float
    """The harmonic's amplitude on the log scale, ``r`` in ``exp(r cos(...))`` [log rate]."""
    log_amplitude_se: float
    """Standard error of ``log_amplitude`` [log rate]."""
    dispersion: float
    """Pearson chi-square over residual degrees of freedom: the counts' variance-to-mean ratio
    after each year's level and trend and the season (1 for Poisson counts) [ratio]."""
    dof: int
    """Residual degrees of freedom: months used minus parameters fitted."""
    months: tuple[str, ...]
    """The months the fit used, ``YYYY-MM``."""
    years: tuple[int, ...]
    """The calendar years given their own level and trend."""

    @property
    def amplitude_se_overdispersed(self) -> float:
        """``amplitude_se`` times ``sqrt(max(dispersion, 1))`` (quasi-Poisson) [share]."""
        return float(self.amplitude_se * np.sqrt(max(self.dispersion, 1.0)))

    @property
    def peak_day_of_year_se_overdispersed(self) -> float:
        """``peak_day_of_year_se`` times ``sqrt(max(dispersion, 1))`` (quasi-Poisson) [days]."""
        return float(self.peak_day_of_year_se * np.sqrt(max(self.dispersion, 1.0)))

    def rounded(self) -> tuple[float, int]:
        """``(amplitude, peak_day_of_year)`` as :class:`sim.model.params.SeasonParams` holds
        them: the amplitude to 3 decimals, the peak to a whole day of the year (1-365)."""
        return round(self.amplitude, 3), int(round(self.peak_day_of_year)) or 365

    def peak_date(self, year: int = 2025) -> pd.Timestamp:
        """The peak as a date in ``year`` (the day of the year of :meth:`rounded`)."""
        day = self.rounded()[1]
        return pd.Timestamp(year=year, month=1, day=1) + pd.Timedelta(days=day - 1)


def multiplicative_amplitude(log_amplitude: float) -> tuple[float, float]:
    """The model's ``amplitude`` A for a fitted log-scale harmonic ``exp(r cos(theta))``, and
    dA/dr.

    A is the first Fourier coefficient of ``exp(r cos)`` relative to its mean,
    ``A = 2 I1(r) / I0(r)`` (modified Bessel functions), so that ``c (1 + A cos(theta))`` with
    ``c = I0(r)`` is the least-squares best curve of the model's form: it has the fitted curve's
    yearly mean and its annual harmonic, so the model's rate over the year differs from the
    fitted one only by the harmonics of higher order that its form cannot represent. (``A = r``
    is the first-order match only; ``A = tanh(r)`` matches the peak-to-trough ratio but not the
    mean.) For r = 0.2, A = 0.1990 (tanh: 0.1974); the three agree to within 0.001 for
    r < 0.1, and to 4 decimals at the PICSS fit (r = 0.033).

    The log-linear fit is of another form than the model's, so fitted to counts made by the
    model's own season (monthly sums of ``sim.model.setup.seasonal_activity`` over 2020-2026,
    no noise, any peak day) it is off in the second order: by at most 0.0002 in amplitude and
    0.3 days in peak at A = 0.033, 0.0017 and 1 day at A = 0.1, 0.015 and 3.4 days at A = 0.3
    (each year's linear trend, a sawtooth over the years, is not orthogonal to the second
    harmonic of ``log(1 + A cos)`` and carries some of it into the first).

    Taking means over the phase with weights ``exp(r cos)``: ``A = 2 E[cos]`` and
    ``dA/dr = 2 Var[cos]``, which the delta method uses.
    """
    weights = np.exp(log_amplitude * np.cos(_GRID))
    weights /= weights.sum()
    mean_cos = float(weights @ np.cos(_GRID))
    var_cos = float(weights @ np.cos(_GRID) ** 2) - mean_cos**2
    return 2.0 * mean_cos, 2.0 * var_cos


def _months(months) -> pd.PeriodIndex:
    return pd.PeriodIndex([pd.Period(m, freq="M") for m in months], freq="M")


def _design(index: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Columns: for each year its level and its trend (years from the mean mid-day of the
    year's months used), then the month-averaged cos and sin of the annual phase. Returns the
    matrix, the log exposure (days in month) and the years."""
    start = index.to_timestamp(how="start")
    days = index.days_in_month.to_numpy().astype(float)
    mid_day = start.day_of_year.to_numpy() + (days - 1.0) / 2.0  # day of year, 1 = 1 January
    phase = 2.0 * np.pi * mid_day / YEAR_DAYS
    # A month's mean of cos(2 pi d / 365.25) over its days is this factor times cos at its
    # mid-day (the same for sin): so the harmonic's coefficient is the daily one.
    half_width = np.pi * days / YEAR_DAYS
    averaging = np.sin(half_width) / (days * np.sin(np.pi / YEAR_DAYS))
    years = sorted(set(index.year))
    year_of = index.year.to_numpy()
    columns = []
    for year in years:
        mine = (year_of == year).astype(float)
        t = (start.year.to_numpy() + (mid_day - 1.0) / YEAR_DAYS) * mine
        t[mine == 1] -= t[mine == 1].mean()
        columns += [mine, t]
    columns += [averaging * np.cos(phase), averaging * np.sin(phase)]
    return np.column_stack(columns), np.log(days), years


def _irls(x: np.ndarray, y: np.ndarray, offset: np.ndarray, tol: float = 1e-10,
          max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression with log link by iteratively reweighted least squares: the
    coefficients and the fitted means."""
    mu = y + 0.5
    eta = np.log(mu)
    deviance = np.inf
    for _ in range(max_iter):
        z = eta - offset + (y - mu) / mu
        w = np.sqrt(mu)
        beta = np.linalg.lstsq(x * w[:, None], z * w, rcond=None)[0]
        eta = offset + x @ beta
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        new = 2.0 * float(np.sum(term - (y - mu)))
        if abs(deviance - new) <= tol * (abs(new) + 0.1):
            return beta, mu
        deviance = new
    raise RuntimeError(f"the Poisson fit did not converge in {max_iter} iterations")


def fit_season(months, counts) -> SeasonFit:
    """Fit the fighting season to monthly event counts.

    ``months``: anything :class:`pandas.Period` reads as a month (``"2025-03"``, a timestamp, a
    period); ``counts``: the events in each month [events per month]. Months of years with fewer
    than :data:`MIN_MONTHS_PER_YEAR` months are left out (see ``months`` and ``years`` of the
    result).

    The model: ``counts ~ Poisson(days_in_month * exp(level_y + trend_y * t + a c + b s))``,
    where ``y`` is the month's calendar year, ``t`` its mid-day in years from the mean of its
    year's months, and ``c, s`` the month's mean of ``cos, sin(2 pi d / 365.25)`` over its days
    ``d`` (the mid-day's cos and sin times ``sin(pi n/365.25) / (n sin(pi/365.25))`` for a month
    of ``n`` days, about 0.989: so ``a, b`` are the daily harmonic's, not the monthly totals'
    smoothed one). The level and the trend of each year take growth and decline between and
    within years away from the season; the days in the month are the exposure.

    The harmonic ``a cos + b sin = r cos(2 pi (d - peak) / 365.25)`` with ``r = hypot(a, b)``
    and ``peak = atan2(b, a) 365.25 / (2 pi)``; ``amplitude`` is converted to the model's
    ``1 + A cos`` form by :func:`multiplicative_amplitude`. Standard errors: the inverse Fisher
    information ``(X' W X)^-1`` of ``(a, b)`` through the delta method.
    """
    index = _months(months)
    y = np.asarray(counts, dtype=float)
    if y.shape != (len(index),):
        raise ValueError(f"{len(index)} months but counts of shape {y.shape}")
    if np.any(~np.isfinite(y)) or np.any(y < 0):
        raise ValueError("counts must be finite and non-negative")
    if index.duplicated().any():
        raise ValueError(f"months repeat: {sorted(set(index[index.duplicated()].astype(str)))}")
    order = np.argsort(index.asi8)
    index, y = index[order], y[order]
    per_year = pd.Series(index.year).value_counts()
    keep = np.isin(index.year, per_year.index[per_year >= MIN_MONTHS_PER_YEAR])
    index, y = index[keep], y[keep]
    x, offset, years = _design(index)
    dof = len(y) - x.shape[1]
    if dof < 1 or np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(f"too few months to fit a season ({len(y)} months in years {years})")
    beta, mu = _irls(x, y, offset)
    covariance = np.linalg.inv(x.T @ (x * mu[:, None]))[-2:, -2:]
    a, b = beta[-2:]
    r = float(np.hypot(a, b))
    grad_r = np.array([a, b]) / r
    grad_phase = np.array([-b, a]) / r**2
    r_se = float(np.sqrt(grad_r @ covariance @ grad_r))
    amplitude, slope = multiplicative_amplitude(r)
    days_per_radian = YEAR_DAYS / (2.0 * np.pi)
    peak = float(np.arctan2(b, a)) * days_per_radian % YEAR_DAYS
    return SeasonFit(
        amplitude=amplitude,
        amplitude_se=abs(slope) * r_se,
        peak_day_of_year=peak if peak > 0 else YEAR_DAYS,
        peak_day_of_year_se=days_per_radian * float(np.sqrt(grad_phase @ covariance @ grad_phase)),
        log_amplitude=r,
        log_amplitude_se=r_se,
        dispersion=float(np.sum((y - mu) ** 2 / mu)) / dof,
        dof=dof,
        months=tuple(index.astype(str)),
        years=tuple(int(v) for v in years),
    )


def closure_date() -> pd.Timestamp:
    """The border closure, 11 October 2025 (figure ``border_closure_date``, S1)."""
    return pd.Timestamp(reported.value("border_closure_date"))


def picss_monthly_attacks() -> pd.Series:
    """PICSS's national monthly militant attacks [attacks per month], by month, up to the last
    month that ends before the border closure (2025-09).

    From ``reported.series(monitor="picss", metric="attacks", region="national",
    period="monthly")``: the latest reported value of each month (PICSS monthly security
    assessments as quoted by PICSS, Dawn, BOL News, The Nation and others; the ids, quotes and
    URLs are in ``reported_figures.yaml``, e.g. ``PICSS_2025_08_ATT``). Derived rows are not
    taken. The series has gaps: 2021 (Aug, Nov, Dec), 2022 (all), 2023 (Aug), 2025 (Jan-Sep).
    August 2021 is on record because it was 2021's highest month (and Kabul fell that month);
    November 2021 falls in the month-long TTP ceasefire of November-December 2021, June to
    November 2022 in the 2022 truce (the model's lever ``ceasefire_2022``).
    """
    table = reported.series(monitor="picss", metric="attacks", region="national",
                            period="monthly")
    table = table[table["period_end"] < closure_date()]
    months = pd.PeriodIndex(table["period_start"], freq="M")
    if months.duplicated().any():
        raise ValueError(f"more than one PICSS attack count for a month: "
                         f"{sorted(table['id'][months.duplicated(keep=False)])}")
    out = pd.Series(table["value"].to_numpy(dtype=float), index=months,
                    name="picss_attacks_national")
    return out.sort_index()


@cache
def picss_season() -> SeasonFit:
    """The fighting season fitted to :func:`picss_monthly_attacks` by :func:`fit_season`: the
    source of the defaults of :class:`sim.model.params.SeasonParams`."""
    attacks = picss_monthly_attacks()
    return fit_season(attacks.index, attacks.to_numpy())
