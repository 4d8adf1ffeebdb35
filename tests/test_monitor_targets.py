"""Calibration to every monitor: each monitor's figures are compared with its own view of a run.

Each test can fail: the calibration view must carry CRSS's view unchanged and every other
monitor's counted columns; a PICSS or PIPS target's statistic must be the same number the
forecasts score that figure with (one observation model, one reading of a figure); and a
target that would compare one monitor's figure with another monitor's view is refused.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml

import sim
from sim.analysis.summary import run_summary
from sim.calibration.evaluate import calibration_view, monitor_view
from sim.calibration.targets import load_targets
from sim.data import reported
from sim.forecasting.observables import observable_figures, simulated_values
from sim.model.observation import COUNTED
from tests.conftest import REPO

SPEC = yaml.safe_load((REPO / "conf" / "calibration" / "default.yaml").read_text())
TARGETS = load_targets(SPEC["targets"])


@pytest.fixture(scope="module")
def monitors_monthly() -> pd.DataFrame:
    return sim.simulate(seed=5).monitors_monthly


def test_the_calibration_view_is_crss_with_the_other_monitors_beside_it(monitors_monthly):
    view = calibration_view(monitors_monthly)
    crss = monitor_view(monitors_monthly)
    pd.testing.assert_frame_equal(view[crss.columns], crss)
    for monitor in ("picss", "pips"):
        other = monitor_view(monitors_monthly, monitor)
        for column in COUNTED[monitor]:
            assert view[f"{monitor}_{column}"].tolist() == other[column].tolist()
        uncounted = set(other.columns) - COUNTED[monitor] - {"month", "region"}
        assert not {f"{monitor}_{c}" for c in uncounted} & set(view.columns)


def test_every_monitor_is_a_calibration_target():
    monitors = {str(reported.figures().loc[t.figure, "monitor"]) for t in TARGETS}
    assert {"crss", "picss", "pips"} <= monitors


def test_a_monitor_target_reads_what_the_forecasts_score(monitors_monthly):
    """The calibration statistic of every PICSS and PIPS target equals the forecasts' value of
    the same figure in the same run (sim.forecasting.observables)."""
    stats = run_summary(calibration_view(monitors_monthly))
    figures = observable_figures("2019-01-01", "2025-12-31").set_index("id")
    others = [t for t in TARGETS if t.name.startswith(("picss_", "pips_"))]
    assert len(others) >= 20
    for target in others:
        row = figures.loc[[target.figure]].reset_index()
        expected = simulated_values(monitors_monthly, row)[0]
        assert not math.isnan(expected)
        assert stats[target.name] == pytest.approx(expected), target.name


def test_militant_share_is_the_militants_share_of_all_deaths(monitors_monthly):
    stats = run_summary(calibration_view(monitors_monthly))
    for year in (2022, 2023):
        share = stats[f"fatalities_militant_{year}"] / stats[f"fatalities_national_{year}"]
        assert stats[f"militant_share_{year}"] == pytest.approx(share)
        assert 0 < share < 1


@pytest.mark.parametrize("name, figure", [
    ("attacks_national_2021", "PIPS_2021_ATT"),
    ("picss_attacks_2021", "CRSS_2021_TERR_ATT"),
    ("pips_attacks_2021", "PICSS_2021_ATT"),
])
def test_a_figure_compared_with_another_monitors_view_is_refused(name, figure):
    spec = {name: {"figure": figure, "kind": "relative", "tolerance": 0.15}}
    with pytest.raises(ValueError, match=rf"calibration\.targets\.{name}: figure {figure}"):
        load_targets(spec)
