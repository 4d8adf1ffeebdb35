"""Rolling-origin forecasts: calibrate on the figures up to an origin, forecast the next
twelve months, score against what the monitors then reported.

For each origin year Y (the ends of 2022, 2023 and 2024 by default):

1. **Calibrate** on the targets up to Y only (``calibration.method.holdout_after=Y``; no warm
   start from the committed calibration, which has seen later years).
2. **Simulate** ``draws`` parameter sets from that calibration's posterior sample (weighted
   rows, drawn with the forecast's seeded generator), each with ``histories_per_draw`` seeds,
   from 2019 through Y + 1, with the dated events of Y + 1 as they happened (a forecast
   conditional on the events, as the ``as_happened`` scenario).
3. **Condition on the present**: weight each history by how well its monitors' views match
   every monitor's figures of year Y (:mod:`sim.forecasting.filtering`).
4. **Forecast and score** every observable figure of Y + 1 (each monitor, annual and monthly;
   :mod:`sim.forecasting.observables`) with the weighted histories (``model``), the
   unweighted ones (``model_unconditioned``), and the naive forecasts
   (:mod:`sim.forecasting.naive`): CRPS, median error and 50/80/90/95% interval coverage.

Known leak: the fighting season (``model.season``) is fitted once, to PICSS's months up to
September 2025 (:mod:`sim.data.season`); its amplitude is 0.03, no season to speak of.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.calibration.evaluate import Evaluator, with_parameters
from sim.calibration.fit import calibrate
from sim.forecasting import filtering, naive
from sim.forecasting.observables import monthly_path, observable_figures, simulated_values
from sim.forecasting.scoring import LEVELS, score, weighted_quantile
from sim.running.compose import compose_config
from sim.running.posterior import parameter_columns
from sim.running.runner import run
from sim.running.validation import validate

log = logging.getLogger("sim.forecast")
QUICK_DRAWS, QUICK_HISTORIES = 3, 2
"""Parameter sets and histories per set in quick mode (a smoke run)."""


def figure_values(config: dict, seed: int, figures: pd.DataFrame) -> np.ndarray:
    """One run of a plain config with ``seed``: the simulated value of every figure."""
    result = run(validate({**config, "seed": int(seed)}))
    return simulated_values(result.monitors_monthly, figures)


def calibrate_to(cfg: DictConfig, origin: int, folder: Path) -> dict:
    """The calibration on the targets up to ``origin`` (written into ``folder``)."""
    with open_dict(cfg):
        cfg.calibration.method.holdout_after = origin
        cfg.calibration.method.warm_start = False
        cfg.write_conf = False
    return calibrate(cfg, folder)


def draw_configs(posterior: pd.DataFrame, n_draws: int, rng: np.random.Generator
                 ) -> list[dict]:
    """``n_draws`` plain configs, each with one posterior row drawn by weight."""
    base = OmegaConf.to_container(compose_config(["parameters.draw_from_posterior=false"]),
                                  resolve=True)
    base.pop("hydra", None)
    weights = posterior["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(posterior), size=n_draws, p=weights / weights.sum())
    columns = parameter_columns(posterior)
    return [with_parameters(base, {c: posterior[c].iloc[r].item() for c in columns})
            for r in rows]


def forecast_origin(cfg: DictConfig, origin: int, folder: Path
                    ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Calibrate to ``origin``, forecast year ``origin + 1`` and score it: one row per figure
    and method, the quantiles of the monthly PICSS attack path, and a summary of the run
    (calibration, filter)."""
    settings = cfg.forecast
    calibration = calibrate_to(cfg, origin, folder / f"origin_{origin}")
    posterior = pd.read_csv(folder / f"origin_{origin}" / "posterior.csv")
    rng = np.random.default_rng([int(settings.seed), origin])
    n_draws, per_draw = int(settings.draws), int(settings.histories_per_draw)
    if cfg.quick:
        n_draws, per_draw = min(n_draws, QUICK_DRAWS), min(per_draw, QUICK_HISTORIES)
    configs = draw_configs(posterior, n_draws, rng)
    present = observable_figures(f"{origin}-01-01", f"{origin}-12-31")
    future = observable_figures(f"{origin + 1}-01-01", f"{origin + 1}-12-31")
    path = monthly_path(origin + 1)
    figures = pd.concat([present, future, path], ignore_index=True)
    runs = [(configs[j], j * per_draw + k) for j in range(n_draws) for k in range(per_draw)]
    with Evaluator(int(cfg.calibration.method.n_jobs)) as evaluator:
        values = np.array(evaluator.map(figure_values, [c for c, _ in runs],
                                        [s for _, s in runs], [figures] * len(runs)))
    now = values[:, :len(present)]
    ahead = values[:, len(present):len(present) + len(future)]
    discrepancy = filtering.log_discrepancy(now, present["value"].to_numpy(float),
                                            (present["period_kind"] == "month").to_numpy())
    weights = filtering.filter_weights(discrepancy, np.repeat(np.arange(n_draws), per_draw))
    ess = filtering.effective_sample_size(weights)
    naive_draws, spreads = naive.naive_samples(origin, future, rng)
    rows = []
    for i, figure in enumerate(future.itertuples(index=False)):
        label = {"origin": origin, "figure": figure.id, "monitor": figure.monitor,
                 "metric": figure.metric, "region": figure.region, "actor": figure.actor,
                 "period": figure.months[0] if figure.period_kind == "month"
                 else str(origin + 1), "period_kind": figure.period_kind,
                 "reported": figure.value}
        samples = {"model": (ahead[:, i], weights), "model_unconditioned": (ahead[:, i], None)}
        samples |= {m: (naive_draws[m][i], None) for m in naive.METHODS
                    if naive_draws[m][i] is not None}
        for method, (draws, w) in samples.items():
            if np.isnan(draws).all():
                continue
            rows.append({**label, "method": method, **score(draws, w, figure.value)})
    paths = path_quantiles(values[:, len(present) + len(future):], weights, path)
    paths["origin"] = origin
    summary = {"origin": origin, "histories": len(runs), "filter_ess": round(ess, 1),
               "conditioning_figures": len(present), "forecast_figures": len(future),
               "naive_spreads": spreads,
               "calibration": {k: calibration[k] for k in ("targets_passed", "targets",
                                                            "elapsed_seconds", "best")}}
    log.info("origin %d: %d histories, filter ESS %.1f, %d figures forecast", origin,
             len(runs), ess, len(future))
    return pd.DataFrame(rows), paths, summary


def path_quantiles(values: np.ndarray, weights: np.ndarray, path: pd.DataFrame) -> pd.DataFrame:
    """Weighted 2.5/10/50/90/97.5% quantiles of each month of the simulated path."""
    rows = []
    for i, month in enumerate(path["months"]):
        row = {"month": month[0], "monitor": path["monitor"].iloc[i],
               "metric": path["metric"].iloc[i]}
        for q in (0.025, 0.1, 0.5, 0.9, 0.975):
            row[f"q{q * 1000:03.0f}"] = weighted_quantile(values[:, i], weights, q)
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Per origin (and all origins) and method: figures scored, interval coverage, median
    absolute relative error of the median, mean CRPS relative to the reported value, and,
    on the figures both forecast, on how many the model's CRPS is lower and both methods'
    mean relative CRPS (a naive method forecasts fewer figures, so only the shared ones
    compare like with like)."""
    scores = scores.assign(relative_crps=scores["crps"] / scores["reported"].clip(lower=1))
    model = scores[scores["method"] == "model"].set_index(["origin", "figure"])
    rows = []
    for origin, group in [*scores.groupby("origin"), ("all", scores)]:
        for method, part in group.groupby("method", sort=False):
            keyed = part.set_index(["origin", "figure"])
            shared = keyed.index.intersection(model.index)
            row = {"origin": origin, "method": method, "figures": len(part)}
            for level in LEVELS:
                row[f"coverage_{level:g}"] = float(part[f"in_{level:g}"].mean())
            row["median_abs_rel_error"] = float(part["rel_error"].abs().median())
            row["mean_relative_crps"] = float(part["relative_crps"].mean())
            other = method != "model"
            better = int((model.loc[shared, "crps"] < keyed.loc[shared, "crps"]).sum())
            row["model_better"] = f"{better}/{len(shared)}" if other else ""
            row["shared_relative_crps_model"] = (
                float(model.loc[shared, "relative_crps"].mean()) if other else float("nan"))
            row["shared_relative_crps_method"] = (
                float(keyed.loc[shared, "relative_crps"].mean()) if other else float("nan"))
            rows.append(row)
    return pd.DataFrame(rows)
