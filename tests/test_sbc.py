"""Simulation-based calibration at scale: the calibration recovers what it was given.

Parameters drawn from the prior make synthetic histories; each history's statistics stand in
for the reported figures; the posterior they give must hold the true values as often as it
claims. This is the coverage test of Prangle et al. (2014) on one reference table
(:func:`sim.calibration.sbc.reference_table_coverage`): N_DATASETS synthetic data sets, each
with its posterior drawn from TABLE_SIZE prior draws under the calibration's own distance, so
it has the power to see a miscalibration that a handful of full ABC-SMC runs cannot. The
model is 2025 alone (the fighting season, the closure and the campaign lever in it), with the
free parameters that act on it and the 12 annual calibration figures of 2025 of the three
monitors (counts and totals; not the share, the floor or the month-on-month changes).

Checked, per parameter, on the true value's ranks among its posterior draws (uniform if the
posterior is calibrated; Talts et al. 2018), each share against the binomial spread of
N_DATASETS uniform ranks (a TAIL chance of a false alarm on each side):

- no bias: the share of ranks in the lower half is that of uniform ranks;
- not overconfident: the shares in the central half and inside the ranks a central 90%
  interval spans are not below that of uniform ranks. Above it the posterior is wider than it
  need be, which a rejection check at a finite tolerance tends to give;
- recovered: the parameters the 2025 figures inform have 90% intervals narrower than
  RECOVERED_WIDTH of the prior on its own scale (a posterior equal to the prior has 0.9: a
  method that returns the prior is calibrated and recovers nothing).

A negative control gives the same method wrong data (the figures 30% above what was
simulated); the checks must fail on it.
"""

from __future__ import annotations

import pytest
import yaml
from scipy import stats

from sim.calibration.evaluate import Evaluator
from sim.calibration.sbc import (
    rank_uniformity,
    reference_table,
    reference_table_coverage,
)
from sim.calibration.search import free_parameters
from sim.calibration.targets import load_targets
from sim.running.compose import compose_config
from tests.conftest import REPO

SPEC = yaml.safe_load((REPO / "conf" / "calibration" / "default.yaml").read_text())
PATHS = (
    "model.groups.ttp.attack_rate",
    "model.groups.baloch.attack_rate",
    "model.groups.ttp.civilian_per_attack",
    "model.groups.ttp.security_per_attack",
    "model.security.kill_fraction_per_operation",
    "levers.border_closure_2025.leakage",
)
"""The free parameters that act on 2025 (the others stay at the point estimate)."""
RECOVERED = ("model.groups.ttp.attack_rate", "model.security.kill_fraction_per_operation")
"""Those one year of figures pins down (measured: their 90% intervals span 0.48 and 0.22 of
the prior on its scale; the other four 0.79-0.86, against the prior's own 0.9)."""
PARAMETERS = [p for p in free_parameters(SPEC["parameters"]) if p.path in PATHS]
TARGETS = [t for t in load_targets(SPEC["targets"])
           if t.name.endswith("2025") and t.kind in ("relative", "absolute")]
TABLE_SIZE = 1200
N_DATASETS = 150
ACCEPTED = 50
"""Posterior draws per data set: the nearest 4% of the table."""
TAIL = 0.0005
"""Chance that a calibrated parameter's share falls below (or above) its binomial range."""
RECOVERED_WIDTH = 0.6
SEED = 20261202


@pytest.fixture(scope="module")
def table():
    from omegaconf import OmegaConf

    base = OmegaConf.to_container(compose_config([
        "parameters.draw_from_posterior=false", "window.start=2025-01-01",
        "window.end=2025-12-31"]), resolve=True)
    base.pop("hydra", None)
    with Evaluator(-1) as evaluator:
        mapper = evaluator.pool.map if evaluator.pool is not None else map
        return reference_table(base, PARAMETERS, TARGETS, TABLE_SIZE + N_DATASETS, SEED,
                               mapper)


def binomial_range(n: int, p: float) -> tuple[float, float]:
    """The share of successes in ``n`` trials of chance ``p``: its TAIL and 1 - TAIL
    quantiles."""
    low, high = stats.binom.ppf([TAIL, 1 - TAIL], n, p)
    return low / n, high / n


def failures(row) -> list[str]:
    """What is wrong with one parameter's ranks (empty: calibrated or conservative)."""
    n = int(row["datasets"])
    wrong = []
    low, high = binomial_range(n, row["lower_expected"])
    if not low <= row["lower_share"] <= high:
        wrong.append(f"biased: {row['lower_share']:.2f} of ranks in the lower half "
                     f"(calibrated: {low:.2f}-{high:.2f})")
    for name, share in (("central half", "central_share"), ("90% interval", "inside_90")):
        expected = row[share.replace("_share", "") + "_expected"]
        low, _ = binomial_range(n, expected)
        if row[share] < low:
            wrong.append(f"overconfident: {row[share]:.2f} of ranks in the {name} "
                         f"(calibrated: {expected:.2f}, at least {low:.2f})")
    return wrong


def summary(table, distort: float):
    ranks = reference_table_coverage(table, PARAMETERS, TARGETS, N_DATASETS, ACCEPTED,
                                     SEED, distort)
    return rank_uniformity(ranks, ACCEPTED).set_index("parameter")


def test_the_targets_and_parameters_are_the_ones_meant():
    assert {p.path for p in PARAMETERS} == set(PATHS)
    assert len(TARGETS) == 12, [t.name for t in TARGETS]
    monitors = {t.name.split("_")[0] if t.name.startswith(("picss_", "pips_")) else "crss"
                for t in TARGETS}
    assert monitors == {"crss", "picss", "pips"}


@pytest.fixture(scope="module")
def as_simulated(table):
    return summary(table, 1.0)


KNOWN_BIAS = {
    "model.security.kill_fraction_per_operation": (
        "known gap: the kill fraction's posterior is too wide and leans low: its true value "
        "is at or above the median draw in 73% of 150 data sets (mean rank 28.4 of 50; in four "
        "of the five fifths of its log-prior, not the lowest, where the prior's edge pushes the "
        "other way), 83% of ranks fall in the central half and 98% inside the 90% interval "
        "(88% if calibrated). The nearest 50 of 1,200 draws span a window in which the "
        "log-uniform prior's density falls steeply, so accepted draws lean low. The lean "
        "shrinks slowly with the table: 70% with the nearest 50 of 2,400 draws, 57-62% with "
        "the nearest 60 of 4,000 (inside the calibrated range). A local-linear regression "
        "adjustment in log scale (Beaumont et al. 2002) is the known correction"),
}
"""Parameters whose check fails, measured (a strict expected failure: it turns the suite red
the day it passes)."""


@pytest.mark.parametrize("path", [
    pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BIAS[path]))
    if path in KNOWN_BIAS else path for path in PATHS])
def test_the_posterior_of_a_known_parameter_is_calibrated_or_conservative(as_simulated, path):
    row = as_simulated.loc[path]
    assert row["datasets"] == N_DATASETS, row.to_dict()
    assert not failures(row), failures(row)


@pytest.mark.parametrize("path", RECOVERED)
def test_the_calibration_recovers_what_the_figures_inform(as_simulated, path):
    assert as_simulated.loc[path, "width_90"] < RECOVERED_WIDTH, as_simulated.loc[path].to_dict()


def test_wrong_data_fail_the_same_checks(table):
    """The figures 30% above the simulated ones: the TTP's attack rate, which passes on the
    data as simulated, fails (the kill fraction fails on those already)."""
    row = summary(table, 1.3).loc["model.groups.ttp.attack_rate"]
    assert failures(row), row.to_dict()
