"""``sim-validate``: how well sim predicts what it was not fitted to.

1. Calibrate on the figures up to the end of 2024 only (``holdout_after=2024``).
2. Predict 2025 with an ensemble whose runs draw their parameters from that calibration's
   posterior sample (so intervals carry parameter and stochastic uncertainty).
3. For every 2025 figure: error of the median, and whether the reported value falls inside the
   80% and 95% ensemble intervals; interval score (80%) and CRPS.
4. Score naive forecasts of the same figures: "2024 repeated" and the "2021-2024 trend"
   (the log-linear trend of national fatalities 2021-2024, applied to each series' 2024
   value). They are point forecasts, so their CRPS equals their absolute error.

    sim-validate                       # default calibration settings
    sim-validate quick=true            # smoke run
Writes validity.md, validity.csv and manifest.json into outputs/validity/<time>/.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.analysis.summary import run_summary
from sim.calibration.evaluate import Evaluator
from sim.calibration.fit import calibrate
from sim.data import reported
from sim.running.compose import compose_config
from sim.running.outputs import atomic_write, git_commit, write_csv, write_json

log = logging.getLogger("sim.validate")
HOLDOUT_YEAR = 2025
PREDICTED = {
    "fatalities_national_2025": "fatalities_national_2024",
    "fatalities_kp_2025": "fatalities_kp_2024",
    "fatalities_balochistan_2025": "fatalities_balochistan_2024",
    "fatalities_militant_2025": None,
    "fatalities_security_2025": None,
    "fatalities_civilian_2025": None,
    "attacks_change_2025_11": None,
    "attacks_change_2025_12": None,
}
"""2025 figures predicted out of sample -> the 2024 figure of the same series (if reported)."""


def interval_score(lower: float, upper: float, y: float, alpha: float) -> float:
    """Gneiting and Raftery's interval score of a central (1 - alpha) interval (lower is
    better), by scoringrules."""
    import scoringrules

    return float(scoringrules.interval_score(y, lower, upper, alpha))


def crps_ensemble(samples: np.ndarray, y: float) -> float:
    """Continuous ranked probability score of an ensemble forecast (lower is better), by
    scoringrules with the energy-form estimator: mean |x - y| - mean |x_i - x_j| / 2."""
    import scoringrules

    return float(scoringrules.crps_ensemble(y, np.asarray(samples, dtype=float),
                                            estimator="nrg"))


def trend_factor() -> float:
    """Yearly growth factor of the log-linear trend of national fatalities 2021-2024."""
    national = reported.national_fatalities().loc[2021:2024]
    slope = np.polyfit(national.index.to_numpy(), np.log(national.to_numpy()), 1)[0]
    return float(np.exp(slope))


def score(predictions: pd.DataFrame) -> pd.DataFrame:
    """One row per 2025 figure: model and naive forecasts, errors and scores."""
    growth = trend_factor()
    rows = []
    for figure, previous in PREDICTED.items():
        y = float(reported.value(figure))
        x = predictions[figure].dropna().to_numpy()
        q = np.quantile(x, [0.025, 0.1, 0.5, 0.9, 0.975])
        row = {
            "figure": figure, "kind": reported.figures().loc[figure, "kind"], "reported": y,
            "model_median": q[2], "model_abs_error": abs(q[2] - y),
            "model_rel_error": (q[2] - y) / y if y else np.nan,
            "q10": q[1], "q90": q[3], "q025": q[0], "q975": q[4],
            "in_80": bool(q[1] <= y <= q[3]), "in_95": bool(q[0] <= y <= q[4]),
            "model_interval_score_80": interval_score(q[1], q[3], y, 0.2),
            "model_crps": crps_ensemble(x, y),
        }
        if previous is not None:
            last = float(reported.value(previous))
            row["repeat_2024"] = last
            row["repeat_2024_abs_error"] = abs(last - y)
            row["trend"] = last * growth
            row["trend_abs_error"] = abs(last * growth - y)
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, n_runs: int) -> str:
    def fmt(v, figure):
        return f"{v:+.3f}" if figure.startswith("attacks_change") else f"{v:,.0f}"

    lines = [
        f"Out-of-sample 2025 ({n_runs} runs, parameters drawn from the 2020-2024 calibration):",
        "",
        "| figure | reported | model median | error | 80% interval | 95% interval | in 80% | "
        "in 95% | CRPS | 2024 repeated (error) | 2021-24 trend (error) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        f = r["figure"]
        naive = ("", "")
        if not pd.isna(r.get("repeat_2024", np.nan)):
            naive = (f"{r['repeat_2024']:,.0f} ({r['repeat_2024_abs_error']:,.0f})",
                     f"{r['trend']:,.0f} ({r['trend_abs_error']:,.0f})")
        error = (f"{r['model_median'] - r['reported']:+.3f}" if f.startswith("attacks_change")
                 else f"{r['model_rel_error']:+.1%}")
        lines.append(
            f"| {f} | {fmt(r['reported'], f)} | {fmt(r['model_median'], f)} | {error} | "
            f"{fmt(r['q10'], f)} to {fmt(r['q90'], f)} | {fmt(r['q025'], f)} to "
            f"{fmt(r['q975'], f)} | {'yes' if r['in_80'] else 'no'} | "
            f"{'yes' if r['in_95'] else 'no'} | {r['model_crps']:.3g} | {naive[0]} | {naive[1]} |")
    lines += ["", f"Coverage: {int(table['in_80'].sum())}/{len(table)} inside the 80% interval, "
              f"{int(table['in_95'].sum())}/{len(table)} inside the 95% interval."]
    return "\n".join(lines)


def validate_out_of_sample(cfg: DictConfig, folder: Path) -> dict:
    holdout_folder = folder / "holdout_calibration"
    with open_dict(cfg):
        cfg.calibration.method.holdout_after = HOLDOUT_YEAR - 1
        # The committed calibration has seen 2025: starting from it would leak the hold-out.
        cfg.calibration.method.warm_start = False
        cfg.write_conf = False
    summary = calibrate(cfg, holdout_folder)
    base = OmegaConf.to_container(compose_config([
        "parameters.draw_from_posterior=true",
        f"parameters.posterior_file={holdout_folder / 'posterior.csv'}",
    ]), resolve=True)
    base.pop("hydra", None)
    seeds = list(range(int(cfg.prediction_seeds if not cfg.quick else 4)))
    with Evaluator(int(cfg.calibration.method.n_jobs)) as evaluator:
        monthly = evaluator.monthly(base, seeds)
    predictions = pd.DataFrame([run_summary(m) for m in monthly])
    table = score(predictions)
    text = markdown(table, len(seeds))
    write_csv(table, folder / "validity.csv")
    atomic_write(folder / "validity.md", lambda tmp: tmp.write_text(text + "\n"))
    write_json({"holdout_calibration": summary, "prediction_runs": len(seeds),
                "trend_factor": trend_factor(), "git_commit": git_commit()},
               folder / "manifest.json")
    log.info("\n%s", text)
    return {"in_80": int(table["in_80"].sum()), "in_95": int(table["in_95"].sum()),
            "figures": len(table)}
