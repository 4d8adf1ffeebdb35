"""Simulation-based calibration of ABC-SMC at a scale the test suite cannot afford.

    .venv/bin/python benchmarks/sbc.py                       # 40 data sets (about 15 min)
    .venv/bin/python benchmarks/sbc.py --datasets 8 --population 50
    .venv/bin/python benchmarks/sbc.py --distort 1.6         # a negative control

True parameters (the TTP's and the Baloch groups' attack rates) are drawn from their priors,
one 2025 history is simulated with each set, and its KP and Balochistan fatalities stand in for
the reported figures; ABC-SMC (the calibration's own settings but for population, generations
and time) is run on them, and each true value is ranked among 99 posterior draws
(:func:`sim.calibration.sbc.simulation_based_calibration`). If the method is calibrated, the
ranks are uniform on 0..99 and the central 90% intervals hold about 90% of the true values.

Writes ``benchmarks/sbc/<UTC time>/ranks.csv`` (one row per data set and parameter) and
``summary.json``: per parameter, the 90% coverage with its binomial 95% range under
calibration, the chi-square test of uniform ranks in 10 bins, and the mean interval width as a
share of the prior (a method that returns the prior is calibrated but recovers nothing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from omegaconf import OmegaConf
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("model.groups.ttp.attack_rate", "model.groups.baloch.attack_rate")
TARGET_NAMES = ("fatalities_kp_2025", "fatalities_balochistan_2025")
RANK_BINS = 10


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=40)
    parser.add_argument("--population", type=int, default=200)
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--minutes", type=float, default=2.0, help="ABC wall time per data set")
    parser.add_argument("--distort", type=float, default=1.0,
                        help="multiply the synthetic figures (1: as simulated)")
    parser.add_argument("--seed", type=int, default=20261202)
    return parser.parse_args(argv)


def summarise(table, datasets: int) -> dict:
    """Per parameter: coverage, its binomial 95% range if calibrated, the rank test, width."""
    out = {}
    for path, rows in table.groupby("parameter"):
        n = len(rows)
        low, high = stats.binom.ppf([0.025, 0.975], n, 0.9) / n
        counts = np.histogram(rows["rank"], bins=RANK_BINS, range=(0, 100))[0]
        chi2 = stats.chisquare(counts)
        out[path] = {"data_sets": n, "covered_90": float(rows["covered_90"].mean()),
                     "covered_90_range_if_calibrated": [float(low), float(high)],
                     "rank_counts_10_bins": counts.tolist(),
                     "rank_uniform_chi2_p": float(chi2.pvalue),
                     "mean_width_90_share_of_prior": float(rows["width_90"].mean())}
    return {"data_sets_requested": datasets, "parameters": out}


def main(argv: list[str]) -> int:
    from sim.calibration.abc import sampler_for
    from sim.calibration.evaluate import Evaluator
    from sim.calibration.sbc import simulation_based_calibration
    from sim.calibration.search import free_parameters
    from sim.calibration.targets import load_targets
    from sim.running.compose import compose_config

    args = parse(argv)
    spec = yaml.safe_load((ROOT / "conf" / "calibration" / "default.yaml").read_text())
    parameters = [p for p in free_parameters(spec["parameters"]) if p.path in PATHS]
    targets = [t for t in load_targets(spec["targets"]) if t.name in TARGET_NAMES]
    base = OmegaConf.to_container(compose_config(["parameters.draw_from_posterior=false",
                                                  "window.start=2025-01-01",
                                                  "window.end=2025-12-31"]), resolve=True)
    base.pop("hydra", None)
    method = {**spec["method"]["abc"], "population": args.population,
              "max_generations": args.generations, "max_minutes": args.minutes,
              "max_simulations": 200_000, "min_acceptance": 0.0}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    folder = ROOT / "benchmarks" / "sbc" / stamp
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch, Evaluator(-1) as evaluator:
        table = simulation_based_calibration(
            base, parameters, targets, method, datasets=args.datasets, seed=args.seed,
            database=lambda i: f"sqlite:///{Path(scratch) / f'sbc{i}.db'}",
            sampler=lambda: sampler_for(evaluator.pool), distort=args.distort)
    folder.mkdir(parents=True)
    table.to_csv(folder / "ranks.csv", index=False)
    summary = {"command": " ".join(["benchmarks/sbc.py", *argv]),
               "seconds": round(time.perf_counter() - started, 1), "settings": vars(args),
               "abc": method, **summarise(table, args.datasets)}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"written: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
