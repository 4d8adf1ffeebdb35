"""The posterior: ABC-SMC's parts, its cluster sampler, predictive coverage, and runs that draw
from the posterior sample, but never over a value set explicitly.

Each test can fail: the ABC distance is the calibration loss, a particle's seed replays its
history, the coverage arithmetic counts what it says, a Dask cluster runs the same model, and
an explicit value (command line, sweep, scenario) is never replaced by a draw.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.calibration.abc import (
    HistoryModel,
    TargetDistance,
    correlations,
    history_statistics,
    marginals,
    particle_seed,
    prior_distribution,
    run_abc,
    sampler_for,
)
from sim.calibration.abc_distance import ScaledTargetDistance, error_matrix, target_errors
from sim.calibration.evaluate import run_monthly, with_parameters
from sim.calibration.posterior_fit import coverage_summary, coverage_table
from sim.calibration.search import free_parameters
from sim.calibration.targets import load_targets, loss
from sim.running import posterior
from sim.running.compose import compose_config
from tests.conftest import REPO

SPEC = yaml.safe_load((REPO / "conf" / "calibration" / "default.yaml").read_text())
PARAMETERS = free_parameters(SPEC["parameters"])
TARGETS = load_targets(SPEC["targets"])
LEAKAGE = "levers.border_closure_2025.leakage"
LATE_2025 = ["window.start=2025-09-01", "window.end=2025-12-31"]
"""A short window with the closure in it."""


def base_config() -> dict:
    from omegaconf import OmegaConf

    config = OmegaConf.to_container(compose_config(["parameters.draw_from_posterior=false"]),
                                    resolve=True)
    config.pop("hydra", None)
    return config


def test_a_particle_replays_its_history_and_its_distance_is_the_loss():
    base = base_config()
    values = {p.path: p.cast((p.low + p.high) / 2) for p in PARAMETERS}
    model = HistoryModel(base, PARAMETERS, TARGETS)
    stats = model(values)
    assert stats == model(dict(values))  # the same values, the same seed, the same history
    monthly = run_monthly(with_parameters(base, values), particle_seed(values))
    assert stats == history_statistics(monthly, TARGETS)
    assert set(stats) == {t.name for t in TARGETS}
    assert TargetDistance(TARGETS)(stats, {}) == pytest.approx(math.sqrt(loss(stats, TARGETS)))
    assert particle_seed(values) != particle_seed({**values, LEAKAGE: 0.3})
    unscaled = ScaledTargetDistance(TARGETS)  # scales start at 1: the loss, capped the same
    assert unscaled(stats, {}) == pytest.approx(math.sqrt(loss(stats, TARGETS)), rel=1e-9)


def test_the_scaled_distance_counts_a_noisy_target_by_its_spread():
    """A target whose errors spread over several tolerances between simulations is counted in
    units of that spread; a quiet one keeps its tolerance."""
    rng = np.random.default_rng(3)
    noisy, quiet = next(t for t in TARGETS if t.kind == "absolute"), TARGETS[2]
    assert quiet.kind == "relative"

    def stats(noisy_error: float, quiet_error: float) -> dict:
        out = {t.name: t.reported for t in TARGETS if t.kind in ("relative", "absolute")}
        out |= {t.name: t.reported * 2 for t in TARGETS if t.kind == "at_least"}
        out |= {t.name: 0.0 for t in TARGETS if t.kind == "peak"}
        out[noisy.name] = noisy.reported + noisy_error * noisy.tolerance
        out[quiet.name] = quiet.reported * (1 + quiet_error * quiet.tolerance)
        return out

    distance = ScaledTargetDistance(TARGETS)
    distance.fit([stats(e, q) for e, q in zip(rng.normal(0, 4, 400), rng.normal(0, 0.3, 400),
                                              strict=True)])
    scales = dict(zip([t.name for t in TARGETS], distance.scales, strict=True))
    assert 3.0 < scales[noisy.name] < 5.0 and scales[quiet.name] == 1.0
    far_noisy, far_quiet = distance(stats(4.0, 0.0), {}), distance(stats(0.0, 4.0), {})
    assert far_quiet > 3 * far_noisy  # four tolerances off counts far more where histories agree


def test_the_error_matrix_is_each_historys_errors():
    """The many-histories errors (reference tables, scales) equal one history's, caps and
    missing statistics included, for every kind of target."""
    rng = np.random.default_rng(5)
    histories = []
    for _ in range(30):
        stats = {t.name: t.reported * rng.uniform(0.0, 3.0) if t.kind != "peak"
                 else rng.uniform(0, 2) for t in TARGETS}
        stats.pop(TARGETS[int(rng.integers(len(TARGETS)))].name)  # one statistic missing
        histories.append(stats)
    expected = np.array([target_errors(stats, TARGETS) for stats in histories])
    np.testing.assert_allclose(error_matrix(histories, TARGETS), expected)


def test_the_prior_is_uniform_or_log_uniform_on_each_range():
    np.random.seed(20261202)  # noqa: NPY002 (pyabc's priors draw from numpy's global generator)
    prior = prior_distribution(PARAMETERS, base_config())
    draws = [prior.rvs() for _ in range(2000)]
    for p in PARAMETERS:
        values = np.array([d[p.path] for d in draws])
        assert values.min() >= p.low and values.max() <= p.high, p.path
        if p.log:  # half the draws below the geometric midpoint
            assert 0.45 < np.mean(values < math.sqrt(p.low * p.high)) < 0.55, p.path


def test_marginals_and_correlations_are_weighted():
    rng = np.random.default_rng(0)
    sample = pd.DataFrame({"weight": np.r_[np.full(50, 0.018), np.full(50, 0.002)],
                           "distance": 1.0})
    for p in PARAMETERS:
        sample[p.path] = rng.uniform(p.low, p.high, 100)
    attack = PARAMETERS[0]
    sample[attack.path] = np.r_[np.full(50, attack.low), np.full(50, attack.high)]
    table = marginals(sample, PARAMETERS).set_index("parameter")
    assert table.loc[attack.path, "median"] == attack.low  # 90% of the weight sits there
    corr = correlations(sample, PARAMETERS)
    assert np.allclose(np.diag(corr.to_numpy()), 1.0)


def test_coverage_counts_the_figures_inside_each_interval_or_past_their_bound():
    predictive = pd.DataFrame({t.name: np.linspace(0.0, 2.0, 201) * t.reported
                               for t in TARGETS if t.kind != "peak"})
    table = coverage_table(predictive, TARGETS)
    assert len(table) == sum(t.kind != "peak" for t in TARGETS)
    assert coverage_summary(table) == {"0.5": 1.0, "0.8": 1.0, "0.9": 1.0, "0.95": 1.0}
    bounded = {t.name for t in TARGETS if t.bound == "lower"}
    assert "operations_2025" in bounded  # CRSS: "at least 392 security operations"
    above = coverage_table(predictive + predictive.abs().max() + 1, TARGETS)
    assert set(above.loc[above["covers_0.95"], "target"]) == bounded  # "at least" still holds
    below = coverage_table(predictive - predictive.abs().max() - 1, TARGETS)
    assert coverage_summary(below)["0.95"] == 0.0


def test_abc_smc_runs_on_a_local_dask_cluster(tmp_path):
    """The cluster path: the same model, simulated by a Dask cluster's worker processes
    (on a real cluster, ``calibration.method.abc.dask_address`` names its scheduler)."""
    from distributed import LocalCluster

    few = [p for p in PARAMETERS if p.path in (LEAKAGE, "model.groups.ttp.attack_rate")]
    base = base_config()
    base["window"] = {"start": "2025-01-01", "end": "2025-12-31"}
    targets = [t for t in TARGETS if t.year == 2025 and t.kind == "relative"]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        sampler = sampler_for(dask_address=cluster.scheduler_address, batch_size=2)
        result = run_abc(base, few, targets, {
            "population": 6, "max_generations": 2, "max_simulations": 60, "max_minutes": 3,
            "min_acceptance": 0.0, "sampler_seed": 1}, f"sqlite:///{tmp_path / 'abc.db'}",
            sampler)
    assert len(result.sample) == 6 and result.simulations >= 12
    assert math.isclose(result.sample["weight"].sum(), 1.0)
    for p in few:
        assert result.sample[p.path].between(p.low, p.high).all()
    assert list(result.generations["generation"]) == [0, 1]


@pytest.fixture()
def two_rows(tmp_path):
    point = posterior.point_estimate()
    table = pd.DataFrame({"weight": [0.5, 0.5], LEAKAGE: [0.31, 0.32],
                          "model.groups.ttp.attack_rate": [0.011, 0.012]})
    path = tmp_path / "posterior.csv"
    table.to_csv(path, index=False)
    return path, point


def test_runs_draw_from_the_committed_posterior_when_asked():
    run = sim.simulate([*LATE_2025, "parameters.draw_from_posterior=true"], seed=2)
    drawn = run.config.resolved["parameters"]["drawn"]
    table = posterior.load("")
    assert drawn["row"] in range(len(table))
    assert run.config.levers["border_closure_2025"].leakage == drawn[LEAKAGE]


def test_an_explicit_value_wins_over_a_draw(two_rows):
    path, point = two_rows
    args = [*LATE_2025, "parameters.draw_from_posterior=true",
            f"parameters.posterior_file={path}"]
    drawn = sim.simulate(args, seed=1).config
    assert drawn.levers["border_closure_2025"].leakage in (0.31, 0.32)
    # a value different from the point estimate is explicit (a scenario file's, say)
    mine = sim.simulate([*args, f"{LEAKAGE}=0.5"], seed=1).config
    assert mine.levers["border_closure_2025"].leakage == 0.5
    assert mine.params.groups["ttp"].attack_rate in (0.011, 0.012)
    # the point value itself, set on purpose, is kept too: the overrides' keys go to
    # parameters.keep (as the command line's and a sweep's do)
    kept = sim.simulate([*args, f"{LEAKAGE}={point[LEAKAGE]}"], seed=1).config
    assert kept.levers["border_closure_2025"].leakage == point[LEAKAGE]
    assert LEAKAGE in kept.resolved["parameters"]["keep"]
    point_run = sim.simulate([*args, "parameters.draw_from_posterior=false"], seed=1).config
    assert point_run.levers["border_closure_2025"].leakage == point[LEAKAGE]


def test_the_command_line_and_sweeps_mark_their_keys_explicit():
    keys = posterior.explicit_keys(["scenario=no_closure", f"{LEAKAGE}=0.05", "seed=3",
                                    "+model.groups.ttp.attack_rate=0.02", f"{LEAKAGE}=0.1"])
    assert keys == [LEAKAGE, "model.groups.ttp.attack_rate"]


def test_simulation_based_calibration_ranks_each_true_value_among_posterior_draws(tmp_path):
    """The mechanics at smoke size (two data sets, two generations): every true value gets a
    rank in 0..99 and an interval check. Whether the ranks are uniform needs hundreds of data
    sets and is not asserted here (README, "Calibration")."""
    from sim.calibration.evaluate import Evaluator
    from sim.calibration.sbc import RANK_DRAWS, simulation_based_calibration

    paths = ("model.groups.ttp.attack_rate", "model.groups.baloch.attack_rate")
    few = [p for p in PARAMETERS if p.path in paths]
    targets = [t for t in TARGETS if t.name in ("fatalities_kp_2025",
                                                "fatalities_balochistan_2025")]
    base = base_config()
    base["window"] = {"start": "2025-01-01", "end": "2025-12-31"}
    method = {"population": 20, "max_generations": 2, "max_simulations": 400,
              "max_minutes": 1, "min_acceptance": 0.0}
    with Evaluator(-1) as evaluator:
        table = simulation_based_calibration(
            base, few, targets, method, datasets=2, seed=11,
            database=lambda i: f"sqlite:///{tmp_path / f'sbc{i}.db'}",
            sampler=lambda: sampler_for(evaluator.pool))
    assert len(table) == 4 and set(table["parameter"]) == set(paths)
    assert table["rank"].between(0, RANK_DRAWS).all()
    assert table["width_90"].between(0, 1).all()
    for p in few:
        truths = table.loc[table["parameter"] == p.path, "truth"]
        assert truths.between(p.low, p.high).all()


def test_keep_changes_an_arms_identity_only_when_parameters_are_drawn():
    """Arms saved before ``parameters.keep`` existed, or without draws, still resume."""
    from omegaconf import OmegaConf

    from sim.running.ensemble import identity

    plain = OmegaConf.to_container(compose_config([]), resolve=True)
    plain.pop("hydra", None)
    without = {**plain, "parameters": {"draw_from_posterior": False}}
    kept = {**plain, "parameters": {"draw_from_posterior": False, "keep": [LEAKAGE]}}
    assert identity(without) == identity(kept)
    drawn = {**plain, "parameters": {"draw_from_posterior": True}}
    drawn_kept = {**plain, "parameters": {"draw_from_posterior": True, "keep": [LEAKAGE]}}
    assert identity(drawn) != identity(drawn_kept)
    assert identity(drawn) == identity({**drawn, "parameters": {
        "draw_from_posterior": True, "keep": []}})
