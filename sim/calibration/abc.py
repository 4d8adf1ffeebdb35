"""A posterior of the free parameters by approximate Bayesian computation (ABC-SMC, pyabc).

Each particle is one parameter set and **one** simulated history, seen through the
observation model as each monitor would report it
(:func:`sim.calibration.evaluate.calibration_view`: CRSS's view, with PICSS's and PIPS's beside
it): each monitor's figures are compared with its own view of one history, as they are one
history, not with an ensemble median. The distance is the square root of the calibration loss
(:func:`sim.calibration.targets.loss`: squared errors in units of each target's tolerance,
weighted), so a target's tolerance is also its ABC scale. pyabc's sequential Monte Carlo
shrinks the acceptance threshold (epsilon) generation by generation, each one the median of
the previous population's distances, until the time or simulation budget runs out or too few
proposals are accepted; the last population, with its importance weights, is the posterior
sample.

A particle's run seed is a hash of its parameter values, so a particle's history can be
replayed. The proposals themselves are drawn by pyabc (in the worker processes, from NumPy's
global generator, seeded per generation by pyabc), so two calibrations do not give the same
particles: the posterior sample is committed, not recomputed by runs.

Why ABC-SMC (pyabc) and not neural posterior estimation (sbi): sbi needs PyTorch, which on
this project's Python (3.12) means a download of several GB in every fresh environment, where
pyabc installs in about a minute; and ABC's likelihood is the observation model itself, with
no network to train or check. Its cost is simulations: a generation of 1,000 particles takes
1,000 / (acceptance rate) runs.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import zlib
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.summary import ensemble_attack_changes, run_summary
from sim.analysis.weighted import weighted_quantile
from sim.calibration import coordinates
from sim.calibration.evaluate import calibration_view
from sim.calibration.search import FreeParameter
from sim.calibration.targets import Target, loss, peak_shortfall
from sim.running.config import RunConfig, check_config
from sim.running.reparameterise import with_values
from sim.running.runner import run

log = logging.getLogger("sim.calibrate")


def history_statistics(monthly: pd.DataFrame, targets: list[Target]) -> dict[str, float]:
    """The targets' statistics of one history (CRSS's monthly view of one run): annual
    figures, the closure's month-on-month changes in attacks, the peaks' shortfalls."""
    stats = run_summary(monthly)
    stats.update(ensemble_attack_changes([monthly]))
    for target in targets:
        if target.kind == "peak":
            stats[target.name] = peak_shortfall([monthly], target)
    return {t.name: float(stats.get(t.name, math.nan)) for t in targets}


def particle_seed(values: dict[str, float]) -> int:
    """A run seed from a particle's parameter values (the same values, the same history)."""
    text = ";".join(f"{k}={values[k]!r}" for k in sorted(values))
    return zlib.crc32(text.encode())


def prior_distribution(parameters: list[FreeParameter], base: dict | None = None):
    """pyabc's prior: uniform on [low, high], log-uniform where ``log`` is set; with
    calibration coordinates among the parameters, cut to their feasible set (``base``, the
    plain config, gives the fixed values they need:
    :class:`sim.calibration.abc_prior.FeasiblePrior`)."""
    import pyabc

    rvs = {}
    for p in parameters:
        if p.log:
            rvs[p.path] = pyabc.RV("loguniform", p.low, p.high)
        else:
            rvs[p.path] = pyabc.RV("uniform", p.low, p.high - p.low)
    if coordinates.uses_coordinates(rvs):
        from sim.calibration.abc_prior import FeasiblePrior

        if base is None:
            raise ValueError("calibration coordinates need the base config for their prior "
                             "(the fixed tolerances they are defined with)")
        return FeasiblePrior(base, **rvs)
    return pyabc.Distribution(**rvs)


_VALIDATED_BASES: dict[int, RunConfig] = {}
"""Each worker's validated base configs, by fingerprint (a calibration has one)."""


def validated_base(base: dict, fingerprint: int) -> RunConfig:
    """``base`` checked once per process, nothing drawn (the particles set the free
    parameters)."""
    if fingerprint not in _VALIDATED_BASES:
        _VALIDATED_BASES.clear()
        _VALIDATED_BASES[fingerprint] = check_config(base)
    return _VALIDATED_BASES[fingerprint]


@dataclass
class HistoryModel:
    """pyabc's model: a particle's parameters -> the targets' statistics of one history.

    Picklable (plain data), so it runs in any worker process or on a cluster. The base config
    is validated once per worker; a particle only sets and checks its own values
    (:func:`sim.running.reparameterise.with_values`)."""

    base: dict
    parameters: list[FreeParameter]
    targets: list[Target]
    fingerprint: int = dataclasses.field(init=False, default=0)

    def __post_init__(self) -> None:
        text = json.dumps(self.base, sort_keys=True, default=str)
        self.fingerprint = zlib.crc32(text.encode())

    def __call__(self, particle) -> dict[str, float]:
        values = {p.path: p.cast(particle[p.path]) for p in self.parameters}
        base = validated_base(self.base, self.fingerprint)
        seed = particle_seed(values)
        config = with_values(dataclasses.replace(base, seed=seed,
                                                 resolved={**base.resolved, "seed": seed}),
                             coordinates.to_model(values, self.base))
        monthly = calibration_view(run(config).monitors_monthly)
        return history_statistics(monthly, self.targets)


@dataclass
class TargetDistance:
    """pyabc's distance: the square root of the calibration loss of one history's statistics
    (the observed side is the reported figures, held by the targets)."""

    targets: list[Target]

    def __call__(self, simulated: dict, observed: dict) -> float:
        return math.sqrt(loss(simulated, self.targets))


DISTANCES = ("loss", "scaled")
"""``method.abc.distance``: the plain calibration loss (:class:`TargetDistance`) or the
adaptive, spread-scaled one (:class:`sim.calibration.abc_distance.ScaledTargetDistance`, which
imports pyabc: loaded only when ABC runs)."""


def distance_for(name: str, targets: list[Target]):
    """The ABC distance ``name`` (one of :data:`DISTANCES`) for ``targets``."""
    if name == "scaled":
        from sim.calibration.abc_distance import ScaledTargetDistance

        return ScaledTargetDistance(targets)
    return TargetDistance(targets)


@dataclass
class Posterior:
    """The last ABC-SMC population and how the run went."""

    sample: pd.DataFrame
    """One row per particle: ``weight`` (sums to 1), ``distance``, the parameters."""
    generations: pd.DataFrame
    """Per generation: epsilon, particles, simulations, acceptance rate."""
    simulations: int

    @property
    def effective_sample_size(self) -> float:
        w = self.sample["weight"].to_numpy()
        return float(w.sum() ** 2 / (w**2).sum())


def sampler_for(executor: Executor | None = None, dask_address: str = "",
                batch_size: int = 8):
    """Where the simulations run: a Dask cluster at ``dask_address`` (e.g. a SLURM cluster
    started with dask-jobqueue, or ``LocalCluster``), else ``executor`` (sim's process pool),
    else this process."""
    import pyabc

    if dask_address:
        from distributed import Client

        return pyabc.sampler.DaskDistributedSampler(dask_client=Client(dask_address),
                                                    batch_size=batch_size)
    if executor is not None:
        return pyabc.sampler.ConcurrentFutureSampler(cfuture_executor=executor,
                                                     client_max_jobs=4 * batch_size,
                                                     batch_size=batch_size)
    return pyabc.sampler.SingleCoreSampler()


def run_abc(base: dict, parameters: list[FreeParameter], targets: list[Target], method: dict,
            database: str, sampler) -> Posterior:
    """ABC-SMC with ``method``'s settings: ``population`` particles per generation; stop at
    ``max_generations``, ``max_simulations``, ``max_minutes`` of wall time or an acceptance
    rate below ``min_acceptance``. ``database`` is pyabc's SQLite URL (its full history)."""
    import datetime as dt

    import pyabc

    np.random.seed(int(method["sampler_seed"]) % 2**32)  # noqa: NPY002 (pyabc draws from it)
    abc = pyabc.ABCSMC(
        HistoryModel(base, parameters, targets), prior_distribution(parameters, base),
        distance_for(method.get("distance", "loss"), targets),
        population_size=int(method["population"]), sampler=sampler,
        eps=pyabc.MedianEpsilon())
    abc.new(database, {t.name: t.reported for t in targets})
    try:
        history = abc.run(
            max_nr_populations=int(method["max_generations"]),
            max_total_nr_simulations=int(method["max_simulations"]),
            max_walltime=dt.timedelta(minutes=float(method["max_minutes"])),
            min_acceptance_rate=float(method["min_acceptance"]))
    finally:
        if hasattr(sampler, "shutdown"):  # a Dask sampler closes its client
            sampler.shutdown()
    rows = [{"weight": particle.weight, "distance": particle.distance,
             **{p.path: p.cast(particle.parameter[p.path]) for p in parameters}}
            for particle in history.get_population().particles]
    sample = pd.DataFrame(rows)
    sample["weight"] /= sample["weight"].sum()
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0].rename(
        columns={"t": "generation", "samples": "simulations"})
    populations["acceptance"] = populations["particles"] / populations["simulations"]
    return Posterior(sample=sample[["weight", "distance", *[p.path for p in parameters]]],
                     generations=populations[["generation", "epsilon", "particles",
                                              "simulations", "acceptance"]],
                     simulations=int(history.total_nr_simulations))


def weighted_quantiles(sample: pd.DataFrame, path: str, levels) -> list[float]:
    """Quantiles of one parameter of a weighted sample (its ``weight`` column)."""
    values, weights = sample[path].to_numpy(dtype=float), sample["weight"].to_numpy()
    return [weighted_quantile(values, weights, level) for level in levels]


def marginals(sample: pd.DataFrame, parameters: list[FreeParameter]) -> pd.DataFrame:
    """Each parameter's weighted 5%, 50% and 95% quantiles, with its prior range."""
    rows = []
    for p in parameters:
        q = weighted_quantiles(sample, p.path, (0.05, 0.5, 0.95))
        rows.append({"parameter": p.path, "unit": p.unit, "prior_low": p.low,
                     "prior_high": p.high, "q05": q[0], "median": q[1], "q95": q[2],
                     "share_of_prior": (q[2] - q[0]) / (p.high - p.low)})
    return pd.DataFrame(rows)


def correlations(sample: pd.DataFrame, parameters: list[FreeParameter]) -> pd.DataFrame:
    """Weighted correlation matrix of the parameters (of their logs where the prior is
    log-uniform)."""
    columns = {}
    for p in parameters:
        values = sample[p.path].to_numpy(dtype=float)
        columns[p.path] = np.log(values) if p.log else values
    matrix = np.vstack(list(columns.values()))
    covariance = np.cov(matrix, aweights=sample["weight"].to_numpy())
    sd = np.sqrt(np.diag(covariance))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = covariance / np.outer(sd, sd)
    return pd.DataFrame(corr, index=list(columns), columns=list(columns))
