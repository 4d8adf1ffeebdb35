"""The fighting season fitted to monthly counts (sim/data/season.py) and its PICSS values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.data.season import (
    fit_season,
    multiplicative_amplitude,
    picss_monthly_attacks,
    picss_season,
)
from sim.model.calendar import SimCalendar
from sim.model.params import SeasonParams
from sim.model.setup import seasonal_activity

YEARS = (2019, 2020, 2021, 2022, 2023, 2024)


def expected_monthly(amplitude: float, peak: float, years=YEARS, per_day: float = 10.0,
                     growth_per_year: float = 0.4, slope_in_year: float = 0.3,
                     last_month: int = 12) -> pd.Series:
    """Expected monthly counts when the daily rate is ``per_day`` (growing from year to year by
    ``growth_per_year`` and within each year by ``slope_in_year``, both on the log scale) times
    the model's season ``1 + amplitude cos(2 pi (day_of_year - peak) / 365.25)``."""
    days = pd.date_range(f"{years[0]}-01-01", f"{years[-1]}-12-31", freq="D")
    days = days[days.year.isin(years) & (days.month <= last_month)]
    day_of_year = days.day_of_year.to_numpy()
    in_year = (day_of_year - 183) / 365.25
    level = np.log(per_day) + growth_per_year * (days.year.to_numpy() - years[0])
    rate = np.exp(level + slope_in_year * in_year)
    rate *= 1 + amplitude * np.cos(2 * np.pi * (day_of_year - peak) / 365.25)
    return pd.Series(rate, index=days).groupby(days.to_period("M")).sum()


def negative_binomial(rng, mean: np.ndarray, shape: float) -> np.ndarray:
    """Counts with the given mean and variance ``mean + mean^2 / shape``."""
    return rng.negative_binomial(shape, shape / (shape + mean))


def circular_gap(a: float, b: float) -> float:
    gap = abs(a - b) % 365.25
    return min(gap, 365.25 - gap)


@pytest.mark.parametrize("amplitude, peak", [(0.1, 200), (0.25, 200), (0.15, 40), (0.35, 350)])
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_fit_recovers_amplitude_and_peak_of_synthetic_poisson_counts(amplitude, peak, seed):
    """Six years of about 300 to 2,500 events a month, growing between and within years, with
    the model's season: the amplitude within 0.025 and the peak within 10 days (standard errors
    about 0.006 and 1-5 days, second-order bias up to 0.015 and 2.5 days)."""
    mean = expected_monthly(amplitude, peak)
    counts = np.random.default_rng(seed).poisson(mean.to_numpy())
    fit = fit_season(mean.index, counts)
    assert fit.amplitude == pytest.approx(amplitude, abs=0.025)
    assert circular_gap(fit.peak_day_of_year, peak) <= 10
    assert fit.years == YEARS and len(fit.months) == 72 and fit.dof == 72 - 14


@pytest.mark.parametrize("amplitude, peak, amplitude_tol, peak_tol", [
    (0.1, 200, 0.0006, 1.0), (0.1, 20, 0.0006, 1.0), (0.3, 250, 0.02, 3.0),
])
def test_the_expected_counts_are_fitted_with_only_second_order_bias(amplitude, peak,
                                                                   amplitude_tol, peak_tol):
    """Fed the expected counts themselves, the fit returns the season that made them up to the
    second-order bias of its log-linear form (documented in ``multiplicative_amplitude``);
    leaving out the month averaging of the harmonic (1.1%) would fail at A = 0.1."""
    mean = expected_monthly(amplitude, peak)
    fit = fit_season(mean.index, mean.to_numpy())
    assert fit.amplitude == pytest.approx(amplitude, abs=amplitude_tol)
    assert circular_gap(fit.peak_day_of_year, peak) <= peak_tol


def test_standard_errors_match_the_spread_over_seeds():
    """About 90 events a month: the errors of 200 fits, in their own standard errors, spread
    with a standard deviation of about 1 around the fit of the expected counts."""
    mean = expected_monthly(0.2, 120, per_day=3.0)
    centre = fit_season(mean.index, mean.to_numpy())
    fits = [fit_season(mean.index, np.random.default_rng(seed).poisson(mean.to_numpy()))
            for seed in range(200)]
    z = np.array([(f.amplitude - centre.amplitude) / f.amplitude_se for f in fits])
    assert 0.8 <= z.std() <= 1.25
    assert abs(z.mean()) <= 0.3
    gap = np.array([(f.peak_day_of_year - centre.peak_day_of_year + 182.625) % 365.25 - 182.625
                    for f in fits])
    assert 0.8 <= (gap / np.array([f.peak_day_of_year_se for f in fits])).std() <= 1.25


def test_growth_between_and_within_years_is_not_taken_for_a_season():
    """No season, strong growth, and years seen only from January to September (as 2025 is):
    the fitted amplitude stays within noise of 0 (a fit without each year's trend would turn
    the within-year growth into a season)."""
    mean = expected_monthly(0.0, 1, growth_per_year=0.7, slope_in_year=0.8, last_month=9)
    amplitudes = [fit_season(mean.index,
                             np.random.default_rng(seed).poisson(mean.to_numpy())).amplitude
                  for seed in range(5)]
    assert max(amplitudes) < 0.04


def test_dispersion_is_about_one_for_poisson_and_above_for_negative_binomial_counts():
    """Three years of about 150 events a month (36 months, 8 parameters): Pearson chi-square
    over the 28 residual degrees of freedom averages 1 over 40 Poisson samples (over the 36
    months it would average 0.78), and is well above 1 for negative-binomial counts whose
    variance is 1 + mean/20 = 7-13 times their mean."""
    index = expected_monthly(0.2, 200, years=(2020, 2021, 2022)).index
    mean = expected_monthly(0.2, 200, years=(2020, 2021, 2022), per_day=5.0).to_numpy()
    poisson, over = [], []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        poisson.append(fit_season(index, rng.poisson(mean)).dispersion)
        over.append(fit_season(index, negative_binomial(rng, mean, shape=20.0)).dispersion)
    assert fit_season(index, rng.poisson(mean)).dof == 28
    assert 0.88 <= np.mean(poisson) <= 1.12
    assert max(poisson) < 2.5
    assert min(over) > 3.0 and np.mean(over) > 6.0


def test_counts_of_the_log_linear_form_are_fitted_exactly():
    """Expected counts made by the fit's own form (month-averaged harmonic r = 0.5 on the log
    scale): the fit returns r and the peak exactly, and the amplitude 2 I1(r)/I0(r) = 0.485
    (tanh(r) would be 0.462, r itself 0.5)."""
    index = expected_monthly(0.0, 1).index
    n = index.days_in_month.to_numpy()
    mid = index.to_timestamp().day_of_year.to_numpy() + (n - 1) / 2
    averaging = np.sin(np.pi * n / 365.25) / (n * np.sin(np.pi / 365.25))
    year = index.year.to_numpy() - 2019
    log_rate = 2.0 + 0.3 * year + 0.5 * mid / 365.25 + 0.5 * averaging * np.cos(
        2 * np.pi * (mid - 100) / 365.25)
    fit = fit_season(index, n * np.exp(log_rate))
    assert fit.log_amplitude == pytest.approx(0.5, abs=1e-6)
    assert fit.peak_day_of_year == pytest.approx(100, abs=1e-4)
    assert fit.amplitude == pytest.approx(0.4850, abs=1e-4)
    assert fit.dispersion == pytest.approx(0, abs=1e-9)


def test_a_year_with_too_few_months_is_left_out():
    mean = expected_monthly(0.2, 200)
    counts = np.random.default_rng(0).poisson(mean.to_numpy())
    fit = fit_season(mean.index, counts)
    extra = fit_season([*mean.index.astype(str), "2030-08", "2030-09"], [*counts, 500, 50])
    assert extra.months == fit.months and 2030 not in extra.years
    assert extra.amplitude == pytest.approx(fit.amplitude)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="months repeat"):
        fit_season(["2022-01", "2022-01", "2022-02", "2022-03"], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="non-negative"):
        fit_season(["2022-01", "2022-02", "2022-03"], [1, -2, 3])
    with pytest.raises(ValueError, match="too few months"):
        fit_season(["2022-01", "2022-02", "2022-03", "2022-04"], [1, 2, 3, 4])


@pytest.mark.parametrize("r", [0.05, 0.3, 0.8])
def test_amplitude_is_the_first_fourier_coefficient_of_the_log_harmonic(r):
    i1 = sum((r / 2) ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1))
             for k in range(30))
    amplitude, slope = multiplicative_amplitude(r)
    assert amplitude == pytest.approx(2 * i1 / np.i0(r), rel=1e-12)
    step = 1e-6
    numeric = (multiplicative_amplitude(r + step)[0] - multiplicative_amplitude(r - step)[0])
    assert slope == pytest.approx(numeric / (2 * step), rel=1e-6)


@pytest.mark.parametrize("peak", [1, 100, 200, 300, 365])
def test_the_model_season_is_recovered_in_the_model_convention(peak):
    """The model's own daily multiplier (``seasonal_activity``) at about the PICSS amplitude,
    summed by month over the default window 2020-2026: the fit gives back its amplitude and its
    peak day to within the second-order bias (at most 0.0002 and 0.3 days here), so a day
    counted from 0 instead of 1 would fail."""
    calendar = SimCalendar.from_strings("2020-01-01", "2026-12-31")
    daily = 20.0 * seasonal_activity(calendar, SeasonParams(amplitude=0.03,
                                                            peak_day_of_year=peak))
    months = pd.PeriodIndex(pd.DatetimeIndex(calendar.dates), freq="M")
    monthly = pd.Series(daily).groupby(months).sum()
    fit = fit_season(monthly.index, monthly.to_numpy())
    assert fit.amplitude == pytest.approx(0.03, abs=0.0003)
    assert circular_gap(fit.peak_day_of_year, peak) <= 0.5


def test_picss_months_end_before_the_border_closure():
    attacks = picss_monthly_attacks()
    fit = picss_season()
    assert attacks.index.max() == pd.Period("2025-09", freq="M")
    assert (attacks.index.to_timestamp(how="end") < pd.Timestamp("2025-10-01")).all()
    assert max(fit.months) == "2025-09" and set(fit.months) <= set(attacks.index.astype(str))
    assert attacks["2022-12"] == 49 and attacks["2025-08"] == 143  # PICSS_2022_12_ATT, _2025_08_


def test_season_defaults_are_the_picss_fit_rounded():
    amplitude, peak = picss_season().rounded()
    assert SeasonParams().amplitude == amplitude
    assert SeasonParams().peak_day_of_year == peak
    assert isinstance(SeasonParams().peak_day_of_year, int)
