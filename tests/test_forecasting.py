"""Rolling-origin forecasts: the figures observed, the naive forecasts, the filter, the scores,
and a smoke run of sim-forecast."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.forecasting import filtering, naive
from sim.forecasting.observables import COLUMN_OF, observable_figures, simulated_values
from sim.forecasting.scoring import crps, score, weighted_quantile
from sim.model.observation import COLUMNS, MONITORS
from sim.model.space import PAKISTAN_REGIONS


def test_observable_figures_are_each_monitors_years_and_months():
    table = observable_figures("2025-01-01", "2025-12-31")
    assert set(table["monitor"]) == set(MONITORS)
    assert set(table["period_kind"]) == {"year", "month"}
    assert "PICSS_2025_08_ATT" in set(table["id"])  # a month
    assert "DERIVED_PICSS_2025_12_ATT" not in set(table["id"])  # derived: not a report
    assert "operations_2025" not in set(table["id"])  # "at least 392": a bound
    assert all((m, a) in COLUMN_OF for m, a in zip(table["metric"], table["actor"], strict=True))
    assert observable_figures("2019-01-01", "2018-12-31").empty


def fake_monitors(months: list[str], value: int) -> pd.DataFrame:
    rows = [{"month": m, "region": name, "monitor": mon, **dict.fromkeys(COLUMNS, value)}
            for m in months for name in PAKISTAN_REGIONS.values() for mon in MONITORS]
    return pd.DataFrame(rows)


def test_a_figure_is_its_monitors_view_summed_over_its_months_regions_and_columns():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    table = observable_figures("2025-01-01", "2025-12-31")
    values = simulated_values(fake_monitors(months, 2), table)
    by_id = dict(zip(table["id"], values, strict=True))
    assert by_id["PICSS_2025_08_ATT"] == 2 * len(PAKISTAN_REGIONS)  # one month, national
    assert by_id["fatalities_kp_2025"] == 12 * 2  # one region, twelve months
    assert by_id["PICSS_2025_ATT_FINAL"] == 12 * 2 * len(PAKISTAN_REGIONS)
    missing = simulated_values(fake_monitors(months[:6], 2), table)
    assert np.isnan(missing[list(table["id"]).index("PICSS_2025_ATT_FINAL")])


def test_the_negative_binomial_regression_recovers_a_known_trend():
    rng = np.random.default_rng(1)
    times = 2021 + np.arange(48) / 12
    mean = np.exp(3.0 + 0.4 * (times - 2021))
    size = 10.0
    counts = rng.negative_binomial(size, size / (size + mean))
    level, slope, alpha = naive.fit_negative_binomial(times - 2021, counts)
    assert abs(slope - 0.4) < 0.1 and abs(level - 3.0) < 0.15 and 0.03 < alpha < 0.3


def test_naive_forecasts_use_only_figures_up_to_the_origin():
    past = naive.history(2023)
    assert past["period_end"].max() <= pd.Timestamp("2023-12-31")
    figures = observable_figures("2024-01-01", "2024-12-31")
    draws, spreads = naive.naive_samples(2023, figures, np.random.default_rng(0))
    row = list(figures["id"]).index("CRSS_2024_TERR_ATT")
    assert abs(np.median(draws["no_change"][row]) / 586 - 1) < 0.05  # CRSS's 2023 attacks
    assert 0.1 < spreads["no_change"] < 1.0 and 0.1 < spreads["months_within_year"] < 1.0


def test_the_filter_prefers_histories_near_the_data_within_each_parameter_draw():
    reported = np.array([100.0, 10.0])
    simulated = np.array([[100, 10], [300, 30], [50, 5], [100, 10]], dtype=float)
    discrepancy = filtering.log_discrepancy(simulated, reported, np.array([False, True]))
    weights = filtering.filter_weights(discrepancy, np.array([0, 0, 1, 1]))
    assert weights.sum() == pytest.approx(1.0)
    assert weights[0] + weights[1] == pytest.approx(0.5)  # each draw keeps its share
    assert weights[0] > 0.99 * 0.5 and weights[3] > 0.99 * 0.5
    assert filtering.effective_sample_size(weights) == pytest.approx(2.0, rel=0.02)


def test_scores_of_a_sample():
    values = np.arange(1, 101, dtype=float)
    assert weighted_quantile(values, None, 0.5) == 50
    assert weighted_quantile(values, np.r_[np.zeros(99), 1.0], 0.5) == 100
    assert crps(np.full(10, 7.0), None, 10.0) == pytest.approx(3.0)
    inside, outside = score(values, None, 50.0), score(values, None, 1000.0)
    assert inside["in_0.5"] and inside["in_0.95"] and not outside["in_0.95"]
    assert outside["crps"] > inside["crps"]


def test_sim_forecast_smoke_run_writes_its_tables_and_figure(tmp_path):
    out = tmp_path / "forecast"
    done = subprocess.run([sys.executable, "-m", "sim.app.forecast", "quick=true",
                           "forecast.origins=[2024]", f"hydra.run.dir={out}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("forecasts.csv", "summary.csv", "paths.csv", "forecast.md", "forecast.png",
                 "manifest.json"):
        assert (out / name).is_file(), name
    scores = pd.read_csv(out / "forecasts.csv")
    assert {"model", "model_unconditioned", "no_change", "nb_regression"} <= set(scores["method"])
    assert scores["crps"].notna().all() and (scores["crps"] >= 0).all()
