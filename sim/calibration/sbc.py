"""Simulation-based calibration of the ABC-SMC posterior (Talts et al. 2018).

Draw "true" parameters from the prior, simulate one history with them, and treat that
history's statistics as the reported figures; run ABC-SMC on them; record where each true
value ranks among draws from the posterior it produced. If the method is calibrated, the ranks
are uniform and the true value falls inside the central x% posterior interval x% of the time.
A method that ignores a parameter's effect, mixes up particles and weights, or shrinks too far
gives ranks piled at the ends or in the middle.

The check runs on any subset of the free parameters and targets (the others stay at the
config's values), so a small version fits in the test suite (``tests/test_posterior.py``)
and a full one can run on a cluster (``benchmarks/sbc.py``).

Running ABC-SMC once per synthetic data set costs minutes each (``benchmarks/sbc.py``), too
much for hundreds of data sets in the test suite. :func:`reference_table_coverage` is the
coverage test of Prangle, Blum, Popovic and Sisson (2014, "Diagnostic tools for approximate
Bayesian computation using the coverage property", Australian & New Zealand Journal of
Statistics 56): one table of prior draws and their simulated statistics serves every data set,
each of them a held-out simulation whose posterior is the table's nearest draws under the
calibration's own scaled distance (``tests/test_sbc.py`` runs it on 150 data sets). It
checks, at a scale that can detect a miscalibration, the prior, the model's statistics, the
observation model and the distance that ABC-SMC uses, but at a coarser tolerance than ABC-SMC
ends with and with the distance's scales fitted once; the sequential sampler itself is
checked by :func:`simulation_based_calibration`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

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


def usable(observed: list[Target]) -> bool:
    """Whether synthetic figures can be targets: a relative target needs a finite, non-zero
    figure."""
    return all(math.isfinite(t.reported) and t.reported != 0 for t in observed
               if t.kind == "relative")


def rank_among(truth: float, draws: np.ndarray, rng: np.random.Generator) -> int:
    """How many ``draws`` fall below ``truth``, ties split at random."""
    ties = int((draws == truth).sum())
    return int((draws < truth).sum()) + int(rng.integers(0, ties + 1))


def rank_of(truth: float, sample: pd.DataFrame, path: str, rng: np.random.Generator) -> int:
    """How many of RANK_DRAWS weighted posterior draws fall below ``truth`` (ties split at
    random)."""
    weights = sample["weight"].to_numpy()
    draws = rng.choice(sample[path].to_numpy(dtype=float), size=RANK_DRAWS,
                       p=weights / weights.sum())
    return rank_among(truth, draws, rng)


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
        if not usable(observed):
            continue
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


def prior_draws(parameters: list[FreeParameter], size: int,
                rng: np.random.Generator) -> list[dict[str, float]]:
    """``size`` parameter sets from the calibration's prior (uniform on [low, high],
    log-uniform where ``log`` is set), drawn from ``rng``. Calibration coordinates (whose
    prior is cut to a feasible set) are not supported here."""
    columns = {}
    for p in parameters:
        if p.path.startswith("coordinates."):
            raise ValueError(f"{p.path}: the reference-table check draws plain parameters only")
        if p.log:
            values = np.exp(rng.uniform(math.log(p.low), math.log(p.high), size))
        else:
            values = rng.uniform(p.low, p.high, size)
        columns[p.path] = [p.cast(v) for v in values]
    return [{path: columns[path][i] for path in columns} for i in range(size)]


@dataclass
class ReferenceTable:
    """Parameter sets drawn from the prior and the targets' statistics of one history each."""

    draws: list[dict[str, float]]
    statistics: list[dict[str, float]]


def reference_table(base: dict, parameters: list[FreeParameter], targets: list[Target],
                    size: int, seed: int, mapper: Callable = map) -> ReferenceTable:
    """``size`` parameter sets drawn from the prior with ``seed``, each simulated once (one
    history, its seed from its values as in ABC-SMC) through ``mapper`` (e.g. a process
    pool's ``map``)."""
    draws = prior_draws(parameters, size, np.random.default_rng(seed))
    return ReferenceTable(draws, list(mapper(HistoryModel(base, parameters, targets), draws)))


def reference_table_coverage(table: ReferenceTable, parameters: list[FreeParameter],
                             targets: list[Target], datasets: int, accepted: int, seed: int,
                             distort: float = 1.0) -> pd.DataFrame:
    """The coverage test on one reference table (the module's docstring).

    Each of the table's last ``datasets`` histories, its statistics multiplied by ``distort``
    (1: as simulated; anything else is a negative control), stands in for the reported
    figures. The ``accepted`` draws among the others nearest to it under
    :class:`~sim.calibration.abc_distance.ScaledTargetDistance` (its scales fitted to those
    draws' statistics, as ABC-SMC fits them to a generation) are its posterior sample, among
    which its true values are ranked (ties split at random, from ``seed``).

    Returns one row per data set and parameter, as :func:`simulation_based_calibration` but
    with ranks in 0..``accepted`` and ``width_90`` on the prior's own scale (of the logs where
    the prior is log-uniform, so a posterior equal to the prior has width 0.9).
    """
    from sim.calibration.abc_distance import ScaledTargetDistance, error_matrix

    rng = np.random.default_rng(seed)
    size = len(table.draws) - datasets
    if size < accepted:
        raise ValueError(f"a table of {len(table.draws)} draws cannot hold {datasets} data sets "
                         f"and {accepted} accepted draws each")
    candidates = table.statistics[:size]
    values = {p.path: np.array([d[p.path] for d in table.draws[:size]], dtype=float)
              for p in parameters}
    rows = []
    for i in range(size, len(table.draws)):
        observed = synthetic_targets(targets, table.statistics[i], distort)
        if not usable(observed):
            continue
        errors = error_matrix(candidates, observed)
        distance = ScaledTargetDistance(observed)
        distance.fit_errors(errors)
        errors = errors / distance.scales
        nearest = np.argsort((distance.weights * errors**2).sum(axis=1), kind="stable")
        nearest = nearest[:accepted]
        for p in parameters:
            truth, sample = table.draws[i][p.path], values[p.path][nearest]
            low, high = np.quantile(sample, [0.05, 0.95])
            rows.append({"dataset": i - size, "parameter": p.path, "truth": truth,
                         "rank": rank_among(truth, sample, rng),
                         "covered_90": bool(low <= truth <= high),
                         "width_90": prior_scale_share(p, low, high)})
    return pd.DataFrame(rows)


def prior_scale_share(parameter: FreeParameter, low: float, high: float) -> float:
    """The width of [low, high] as a share of the prior's range, on the prior's scale (of
    the logs where it is log-uniform)."""
    if parameter.log:
        return math.log(high / low) / math.log(parameter.high / parameter.low)
    return (high - low) / (parameter.high - parameter.low)


def rank_uniformity(table: pd.DataFrame, ranks: int, bins: int = 10) -> pd.DataFrame:
    """Per parameter, how its true values rank among posterior draws (ranks 0..``ranks``,
    each equally likely if the posterior is calibrated; Talts et al. 2018).

    Columns: ``datasets``; ``rank_counts`` in ``bins`` bins of whole ranks and ``uniform_p``,
    the chi-square p-value of uniform ranks (each bin's expected count from the ranks it
    holds); ``lower_share``, the share of ranks in the lower half (a biased posterior moves it
    away from ``lower_expected``); ``central_share``, the share in the central half (above
    ``central_expected``: the posterior is wider than it should be; below: overconfident);
    ``inside_90``, the share inside the ranks a central 90% interval of the draws spans (the
    lowest and highest 5% of rank values excluded), against ``inside_90_expected``; the
    mean ``width_90`` of the 90% intervals.
    """
    from scipy import stats

    values = np.arange(ranks + 1)
    position = (values + 0.5) / (ranks + 1)
    edge = round(0.05 * (ranks + 1))
    groups = {"lower": values[position < 0.5],
              "central": values[np.abs(position - 0.5) < 0.25],
              "inside_90": values[edge:ranks + 1 - edge]}
    bin_of = values * bins // (ranks + 1)
    per_bin = np.bincount(bin_of, minlength=bins) / (ranks + 1)
    rows = []
    for path, group in table.groupby("parameter", sort=False):
        rank = group["rank"].to_numpy()
        counts = np.bincount(bin_of[rank], minlength=bins)
        row = {"parameter": path, "datasets": len(group), "rank_counts": counts.tolist(),
               "uniform_p": float(stats.chisquare(counts, per_bin * len(rank)).pvalue)}
        for name, members in groups.items():
            key = name if name == "inside_90" else f"{name}_share"
            row[key] = float(np.isin(rank, members).mean())
            row[f"{name}_expected"] = len(members) / (ranks + 1)
        row["width_90"] = float(group["width_90"].mean())
        rows.append(row)
    return pd.DataFrame(rows)
