"""The search: Optuna (TPE) over the free parameters, re-evaluation, weighted best set.

Each candidate is judged on the median of ``seeds_per_trial`` runs. The ``top_k`` best are then
re-run on fresh seeds (``reeval_seeds``) so the choice is not won by lucky noise; the best
re-evaluated candidate becomes the calibrated set, and all re-evaluated candidates form the
weighted best set kept as the posterior sample, with weights proportional to
``exp(-loss / 2)`` (the loss is a sum of squared errors in tolerance units, read as a Gaussian
pseudo-likelihood). This is an approximation to a posterior, not an exact ABC posterior.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import optuna
import pandas as pd

from sim.calibration import coordinates
from sim.calibration.evaluate import Evaluator, with_parameters
from sim.calibration.targets import Target, ensemble_statistics, loss

log = logging.getLogger("sim.calibrate")
REEVAL_SEED_OFFSET = 100_000
"""Re-evaluation seeds start here, apart from the search seeds (0, 1, ...)."""
INFEASIBLE_LOSS = 100.0
"""Loss per unit of target weight of a candidate outside the calibration coordinates'
feasible set (not simulated): every target at the loss's cap."""


@dataclass
class FreeParameter:
    path: str
    low: float
    high: float
    log: bool = False
    unit: str = ""
    why: str = ""
    integer: bool = False

    def suggest(self, trial: optuna.Trial) -> float:
        if self.integer:
            return trial.suggest_int(self.path, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.path, self.low, self.high, log=self.log)

    def cast(self, value: float) -> float:
        return int(round(value)) if self.integer else float(value)


@dataclass
class SearchResult:
    trials: pd.DataFrame
    """Every trial: its parameters, loss and number."""
    candidates: pd.DataFrame
    """Re-evaluated candidates: parameters, re-evaluated loss, weight (sums to 1)."""
    best: dict[str, float]


def free_parameters(spec: dict) -> list[FreeParameter]:
    return [FreeParameter(path=path, **rule) for path, rule in spec.items()]


def search(base: dict, parameters: list[FreeParameter], targets: list[Target], method: dict,
           evaluator: Evaluator, show_progress: bool = True,
           start: dict[str, float] | None = None) -> SearchResult:
    """Run the whole search; returns trials, the weighted best set and the chosen set.

    ``start`` (optional) is a parameter set tried first (warm start, e.g. the committed
    calibration); values outside a prior are clipped into it.
    """
    seeds = list(range(int(method["seeds_per_trial"])))

    def objective(trial: optuna.Trial) -> float:
        values = {p.path: p.suggest(trial) for p in parameters}
        if not coordinates.feasible(values, base):
            return INFEASIBLE_LOSS * sum(t.weight for t in targets)
        monthly = evaluator.monthly(with_parameters(base, values), seeds)
        return loss(ensemble_statistics(monthly, targets), targets)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=int(method["sampler_seed"]))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    if start:
        first = {p.path: p.cast(min(max(start[p.path], p.low), p.high))
                 for p in parameters if p.path in start}
        study.enqueue_trial(first)
    study.optimize(objective, n_trials=int(method["trials"]), show_progress_bar=show_progress)

    trials = pd.DataFrame(
        [{"trial": t.number, "loss": t.value, **t.params} for t in study.trials
         if t.value is not None]
    ).sort_values("loss", kind="stable")
    top = trials.head(int(method["top_k"]))
    reeval_seeds = [REEVAL_SEED_OFFSET + i for i in range(int(method["reeval_seeds"]))]
    rows = []
    for _, row in top.iterrows():
        values = {p.path: p.cast(row[p.path]) for p in parameters}
        monthly = evaluator.monthly(with_parameters(base, values), reeval_seeds)
        rows.append({"trial": int(row["trial"]), "search_loss": row["loss"],
                     "loss": loss(ensemble_statistics(monthly, targets), targets), **values})
        log.info("re-evaluated trial %d: loss %.3f (search %.3f)", row["trial"], rows[-1]["loss"],
                 row["loss"])
    candidates = pd.DataFrame(rows).sort_values("loss", kind="stable").reset_index(drop=True)
    weights = np.exp(-(candidates["loss"] - candidates["loss"].min()) / 2.0)
    candidates.insert(2, "weight", weights / weights.sum())
    best = {p.path: p.cast(candidates.loc[0, p.path]) for p in parameters}
    return SearchResult(trials=trials, candidates=candidates, best=best)


def rounded(values: dict[str, float], digits: int = 4) -> dict[str, float]:
    """Parameter values rounded to ``digits`` significant digits for the committed config."""
    out: dict[str, float] = {}
    for key, value in values.items():
        if isinstance(value, int):
            out[key] = value
        elif value == 0:
            out[key] = 0.0
        else:
            out[key] = float(round(value, digits - 1 - int(math.floor(math.log10(abs(value))))))
    return out
