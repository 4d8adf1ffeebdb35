"""``sim-calibrate`` with ``method.sampler=abc_smc``: a posterior sample, its checks, its report.

Steps: ABC-SMC (:mod:`sim.calibration.abc`) gives the last population (at least
``abc.population`` particles with importance weights); of the ``abc.point_candidates``
particles closest to the reported figures (and the committed point estimate, with
``warm_start``), the one whose ensemble of ``abc.point_seeds`` fresh seeds fits them best (the
loss of the ensemble medians, as the calibration report and tests judge it) is the point
estimate (``conf/model/calibrated.yaml``: what a run uses with
``parameters.draw_from_posterior=false``; one history's distance alone rewards luck); the
population is the posterior sample (``conf/calibration/posterior.csv``: what every run draws
from by default). Then two checks on fresh
seeds: the point estimate's ensemble against every target (the calibration report, as with
the search), and the posterior predictive check: ``ppc_seeds`` runs, each with a particle drawn
by its seed exactly as a run draws one, whose central 50/80/95% intervals are compared with
every reported figure (their coverage is reported).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration import coordinates
from sim.calibration.abc import (
    correlations,
    history_statistics,
    marginals,
    run_abc,
    sampler_for,
)
from sim.calibration.evaluate import Evaluator, run_monthly, with_parameters
from sim.calibration.search import FreeParameter
from sim.calibration.targets import Target, ensemble_statistics, loss
from sim.running import posterior as posterior_file
from sim.running.outputs import write_csv

log = logging.getLogger("sim.calibrate")
PPC_SEED_OFFSET = 300_000
"""Posterior predictive seeds start here, apart from the report's and the search's."""
POINT_SEED_OFFSET = 400_000
"""Seeds that choose the point estimate start here."""
COVERAGE_LEVELS = (0.5, 0.8, 0.9, 0.95)


def closest_particles(sample: pd.DataFrame, parameters: list[FreeParameter],
                      count: int) -> list[dict[str, float]]:
    """The ``count`` accepted particles closest to the reported figures (smallest distance)."""
    closest = sample.sort_values("distance", kind="stable").head(max(1, count))
    return [{p.path: p.cast(row[p.path]) for p in parameters} for _, row in closest.iterrows()]


def ensemble_loss(base: dict, candidate: dict[str, float], targets: list[Target],
                  seeds: list[int], evaluator: Evaluator) -> float:
    """The calibration loss of ``candidate``'s ensemble over ``seeds`` (its medians, as the
    calibration report and tests judge it)."""
    monthly = evaluator.monthly(with_parameters(base, candidate), seeds)
    return loss(ensemble_statistics(monthly, targets), targets)


def point_estimate(base: dict, candidates: list[dict[str, float]], targets: list[Target],
                   seeds: list[int], evaluator: Evaluator) -> tuple[dict[str, float], float]:
    """The candidate whose ensemble over ``seeds`` fits the targets best, and its loss."""
    scored = [(ensemble_loss(base, c, targets, seeds, evaluator), c) for c in candidates]
    best_loss, best = min(scored, key=lambda pair: pair[0])
    return best, best_loss


def posterior_table(sample: pd.DataFrame, parameters: list[FreeParameter], base: dict
                    ) -> pd.DataFrame:
    """The posterior file's layout: ``weight``, ``distance``, one column per parameter path,
    and the model parameters that calibration coordinates set
    (:func:`sim.calibration.coordinates.with_model_columns`)."""
    table = sample[["weight", "distance", *[p.path for p in parameters]]].reset_index(drop=True)
    return coordinates.with_model_columns(table, base)


def predictive_run(config: dict, table: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One posterior predictive history: the particle ``seed`` draws (as a run would draw
    it), run with ``seed``, as CRSS would report it."""
    _, values = posterior_file.draw(table, seed)
    return run_monthly(with_parameters(config, values), seed)


def predictive_statistics(base: dict, table: pd.DataFrame, targets: list[Target],
                          seeds: list[int], evaluator: Evaluator) -> pd.DataFrame:
    """One row per predictive history: the targets' statistics of that one history."""
    histories = evaluator.map(predictive_run, [base] * len(seeds), [table] * len(seeds), seeds)
    return pd.DataFrame([history_statistics(m, targets) for m in histories])


def interval_covers(low: float, high: float, target: Target) -> bool:
    """Whether a predictive interval agrees with a reported figure: it holds the value, or,
    for a figure reported as a bound ("at least 392 operations"), it reaches the values the
    report allows (a lower bound: its upper end is at least the bound)."""
    if target.bound == "lower":
        return high >= target.reported
    if target.bound == "upper":
        return low <= target.reported
    return low <= target.reported <= high


def coverage_table(predictive: pd.DataFrame, targets: list[Target]) -> pd.DataFrame:
    """For every figure target (not the 'peak' checks): the reported value, the predictive
    median and central intervals, and whether each interval covers the reported value
    (:func:`interval_covers`)."""
    rows = []
    for t in targets:
        if t.kind == "peak" or t.name not in predictive:
            continue
        values = predictive[t.name].dropna().to_numpy()
        row = {"target": t.name, "figure": t.figure, "reported": t.reported,
               "median": float(np.median(values))}
        for level in COVERAGE_LEVELS:
            low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
            row[f"low_{level:g}"], row[f"high_{level:g}"] = float(low), float(high)
            row[f"covers_{level:g}"] = interval_covers(low, high, t)
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_summary(table: pd.DataFrame) -> dict[str, float]:
    """Share of figures each central interval covers."""
    return {f"{level:g}": float(table[f"covers_{level:g}"].mean()) for level in COVERAGE_LEVELS}


def fit_posterior(base: dict, parameters: list[FreeParameter], targets: list[Target],
                  method: dict, folder: Path, evaluator: Evaluator,
                  start: dict[str, float] | None = None) -> dict:
    """Run ABC-SMC and the checks; write their tables into ``folder``. Returns the point
    estimate, the posterior table, the predictive coverage and a summary. ``start`` (the
    committed point estimate, with ``warm_start``) competes with the closest particles for the
    point estimate, so a shorter ABC run never replaces it with a worse fit."""
    abc_settings = {**method["abc"], "sampler_seed": method["sampler_seed"]}
    sampler = sampler_for(evaluator.pool, abc_settings.get("dask_address", ""),
                          int(abc_settings.get("batch_size", 8)))
    result = run_abc(base, parameters, targets, abc_settings,
                     f"sqlite:///{(folder / 'abc.db').resolve()}", sampler)
    table = posterior_table(result.sample, parameters, base)
    candidates = closest_particles(result.sample, parameters,
                                   int(abc_settings.get("point_candidates", 1)))
    if start:
        candidates.append({p.path: p.cast(start[p.path]) for p in parameters if p.path in start})
    point_seeds = [POINT_SEED_OFFSET + s for s in range(int(abc_settings.get("point_seeds", 1)))]
    best, best_loss = point_estimate(base, candidates, targets, point_seeds, evaluator)
    log.info("point estimate: the best of %d candidates (the closest particles%s) on %d seeds "
             "(loss %.2f)", len(candidates), " and the committed one" if start else "",
             len(point_seeds), best_loss)
    write_csv(result.generations, folder / "generations.csv")
    write_csv(marginals(result.sample, parameters), folder / "marginals.csv")
    write_csv(correlations(result.sample, parameters).reset_index(names="parameter"),
              folder / "correlations.csv")
    seeds = [PPC_SEED_OFFSET + s for s in range(int(method["ppc_seeds"]))]
    predictive = predictive_statistics(base, table, targets, seeds, evaluator)
    coverage = coverage_table(predictive, targets)
    write_csv(coverage, folder / "coverage.csv")
    summary = {"simulations": result.simulations,
               "generations": int(len(result.generations)),
               "final_epsilon": float(result.generations["epsilon"].iloc[-1]),
               "particles": int(len(table)),
               "effective_sample_size": round(result.effective_sample_size, 1),
               "point_estimate_loss": round(best_loss, 3),
               "point_estimate_is_committed": bool(start) and best == candidates[-1],
               "predictive_coverage": coverage_summary(coverage)}
    log.info("ABC-SMC: %d simulations, %d generations, epsilon %.2f, ESS %.0f; predictive "
             "coverage %s", summary["simulations"], summary["generations"],
             summary["final_epsilon"], summary["effective_sample_size"],
             summary["predictive_coverage"])
    return {"best": best, "table": table, "coverage": coverage, "summary": summary}
