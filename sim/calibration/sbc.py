"""Simulation-based calibration of the ABC-SMC posterior (Talts et al. 2018).

Draw "true" parameters from the prior, simulate one history with them, and treat that
history's statistics as the reported figures; run ABC-SMC on them; record where each true
value ranks among draws from the posterior it produced. If the method is calibrated, the ranks
are uniform and the true value falls inside the central x% posterior interval x% of the time.
A method that ignores a parameter's effect, mixes up particles and weights, or shrinks too far
gives ranks piled at the ends or in the middle.

The check runs on any subset of the free parameters and targets (the others stay at the
config's values), so a small version fits in the test suite (``tests/test_posterior.py``)
and a full one can run on a cluster.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.calibration.abc import (
    HistoryModel,
    prior_distribution,
    run_abc,
    weighted_quantiles,
)
from sim.calibration.search import FreeParameter
from sim.calibration.targets import Target

RANK_DRAWS = 99
"""Posterior draws each true value is ranked among (ranks 0..99)."""


def synthetic_targets(targets: list[Target], stats: dict[str, float],
                      distort: float = 1.0) -> list[Target]:
    """The targets with one simulated history's statistics in place of the reported
    figures (tolerances and weights unchanged), multiplied by ``distort`` (1: as simulated;
    anything else is a negative control: the method is given the wrong data)."""
    return [dataclasses.replace(t, reported=float(stats[t.name]) * distort) for t in targets]


def rank_of(truth: float, sample: pd.DataFrame, path: str, rng: np.random.Generator) -> int:
    """How many of RANK_DRAWS weighted posterior draws fall below ``truth`` (ties split at
    random)."""
    weights = sample["weight"].to_numpy()
    draws = rng.choice(sample[path].to_numpy(dtype=float), size=RANK_DRAWS,
                       p=weights / weights.sum())
    below = int((draws < truth).sum())
    ties = int((draws == truth).sum())
    return below + int(rng.integers(0, ties + 1))


def simulation_based_calibration(base: dict, parameters: list[FreeParameter],
                                 targets: list[Target], method: dict, datasets: int,
                                 seed: int, database: Callable[[int], str],
                                 sampler: Callable[[], object],
                                 distort: float = 1.0) -> pd.DataFrame:
    """One row per synthetic data set and parameter: the true value, its rank among
    RANK_DRAWS posterior draws, whether the central 90% posterior interval covers it, and
    that interval's width as a share of the prior's range (a method that returns the prior
    passes the rank check; it does not recover anything).

    ``database(i)`` gives pyabc's database URL and ``sampler()`` a fresh sampler for data set
    ``i``; the true parameters are drawn from the prior with ``seed``.
    """
    rng = np.random.default_rng(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (pyabc's prior draws use it)
    prior = prior_distribution(parameters)
    model = HistoryModel(base, parameters, targets)
    rows = []
    for i in range(datasets):
        truth = prior.rvs()
        observed = synthetic_targets(targets, model(truth), distort)
        if not all(math.isfinite(t.reported) and t.reported != 0 for t in observed
                   if t.kind == "relative"):
            continue  # a relative target needs a non-zero figure
        result = run_abc(base, parameters, observed, {**method, "sampler_seed": seed + i},
                         database(i), sampler())
        for p in parameters:
            true_value = p.cast(truth[p.path])
            low, high = weighted_quantiles(result.sample, p.path, (0.05, 0.95))
            rows.append({"dataset": i, "parameter": p.path, "truth": true_value,
                         "rank": rank_of(true_value, result.sample, p.path, rng),
                         "covered_90": bool(low <= true_value <= high),
                         "width_90": (high - low) / (p.high - p.low)})
    return pd.DataFrame(rows)
