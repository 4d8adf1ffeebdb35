"""``sim-calibrate``: fit the free parameters to the reported figures (a Hydra app).

    sim-calibrate                                    # default settings (conf/calibration)
    sim-calibrate calibration.method.trials=60       # any setting from the command line
    sim-calibrate quick=true                         # smoke run; never writes conf/

Writes into its run folder (outputs/calibration/<time>/): posterior.csv, calibrated.yaml,
report.csv, report.md, report.png, manifest.json; with ``method.sampler=abc_smc`` (default)
also generations.csv, marginals.csv, correlations.csv, coverage.csv and pyabc's abc.db; with
``tpe`` trials.csv and candidates.csv. With ``write_conf=true`` (default, not in
quick mode) it also writes the point estimate to conf/model/calibrated.yaml and the posterior
sample to conf/calibration/posterior.csv, which every later run uses.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from importlib import resources
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf

from sim.calibration import coordinates
from sim.calibration.abc import DISTANCES
from sim.calibration.evaluate import Evaluator, with_parameters
from sim.calibration.posterior_fit import ensemble_loss, fit_posterior
from sim.calibration.report import markdown_table, report_figure, target_table
from sim.calibration.search import free_parameters, rounded, search
from sim.calibration.targets import load_targets
from sim.running.compose import CONFIG_MODULE, compose_config
from sim.running.outputs import atomic_write, git_commit, package_versions, write_csv, write_json

log = logging.getLogger("sim.calibrate")
QUICK = {"trials": 6, "seeds_per_trial": 2, "top_k": 2, "reeval_seeds": 2, "report_seeds": 4,
         "refine": None, "ppc_seeds": 8}
QUICK_ABC = {"population": 12, "max_generations": 2, "max_simulations": 200, "max_minutes": 2,
             "min_acceptance": 0.01, "point_candidates": 2, "point_seeds": 2}
POSTERIOR_FILE = "calibration/posterior.csv"
CALIBRATED_FILE = "model/calibrated.yaml"
SAMPLERS = ("abc_smc", "tpe")
"""``method.sampler``: ABC-SMC's posterior (:mod:`sim.calibration.posterior_fit`) or the TPE
search's weighted best set (:mod:`sim.calibration.search`)."""
REFINE_SEED_OFFSET = 200_000
"""Refinement seeds start here, apart from the search and re-evaluation seeds."""


def nested(values: dict[str, float]) -> dict:
    """Dotted paths to a nested mapping."""
    out: dict = {}
    for path, value in values.items():
        node = out
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return out


def calibrated_yaml(values: dict[str, float], header: str) -> str:
    body = yaml.safe_dump(nested(values), sort_keys=True, default_flow_style=False)
    return f"# @package _global_\n{header}{body}"


def committed_values(parameters, base: dict) -> dict[str, float]:
    """The free parameters' values in the committed conf/model/calibrated.yaml (if set), in
    the calibration's coordinates where it samples them (:mod:`sim.calibration.coordinates`)."""
    text = (conf_dir() / CALIBRATED_FILE).read_text(encoding="utf-8")
    node = OmegaConf.create(yaml.safe_load(text) or {})
    paths = [p.path for p in parameters]
    values = {}
    for path in (*paths, *coordinates.REPLACED):
        value = OmegaConf.select(node, path, default=None)
        if value is not None:
            values[path] = value
    values = coordinates.to_coordinates(values, base, paths)
    return {path: values[path] for path in paths if path in values}


def conf_dir() -> Path:
    """The conf/ folder runs read (the repository's conf/ in an editable install)."""
    return Path(str(resources.files(CONFIG_MODULE)))


def refine(base: dict, best: dict[str, float], targets, spec: dict,
           evaluator: Evaluator) -> dict[str, float]:
    """A grid over a few parameters around the search's best, each judged on many seeds.

    The search judges a candidate on ``seeds_per_trial`` runs, too few for targets as noisy as
    one month's change in attacks; ``spec`` is ``{"seeds": n, "grid": {path: [values]}}``:
    every combination of the grid's values (the other parameters at ``best``) is judged on
    seeds ``REFINE_SEED_OFFSET + 0..n-1`` and the one with the lowest loss is kept (``best``
    itself is one of the candidates).
    """
    import itertools

    seeds = [REFINE_SEED_OFFSET + s for s in range(int(spec["seeds"]))]
    paths = list(spec["grid"])
    candidates = [best] + [{**best, **dict(zip(paths, values, strict=True))}
                           for values in itertools.product(*spec["grid"].values())]
    scored = []
    for candidate in candidates:
        scored.append((ensemble_loss(base, candidate, targets, seeds, evaluator), candidate))
        log.info("refine %s: loss %.3f", {p: candidate[p] for p in paths}, scored[-1][0])
    return min(scored, key=lambda pair: pair[0])[1]


def calibrate(cfg: DictConfig, folder: Path) -> dict:
    """Run the calibration described by ``cfg`` and write its outputs into ``folder``."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)  # ABC's database lives there from the start
    calibration = OmegaConf.to_container(cfg.calibration, resolve=True)
    method = calibration["method"]
    if cfg.quick:
        method.update(QUICK)
        method["abc"] = {**method.get("abc", {}), **QUICK_ABC}
    holdout = method.get("holdout_after")
    targets = load_targets(calibration["targets"], holdout_after=holdout)
    parameters = free_parameters(calibration["parameters"])
    # Candidates set every free parameter themselves: nothing is drawn from a posterior.
    base = OmegaConf.to_container(compose_config(["parameters.draw_from_posterior=false",
                                                  *cfg.get("model_overrides", [])]),
                                  resolve=True)
    base.pop("hydra", None)
    sampler = method["sampler"]
    if sampler not in SAMPLERS:
        raise ValueError(f"calibration.method.sampler={sampler!r}: one of {', '.join(SAMPLERS)}")
    distance = method.get("abc", {}).get("distance", "loss")
    if distance not in DISTANCES:
        raise ValueError(f"calibration.method.abc.distance={distance!r}: one of "
                         f"{', '.join(DISTANCES)}")
    log.info("calibrating %d parameters to %d targets with %s", len(parameters), len(targets),
             sampler)
    extra: dict = {}
    with Evaluator(int(method["n_jobs"])) as evaluator:
        start = committed_values(parameters, base) if method.get("warm_start") else None
        if sampler == "abc_smc":
            fitted = fit_posterior(base, parameters, targets, method, folder, evaluator, start)
            best, posterior, extra = fitted["best"], fitted["table"], fitted["summary"]
        else:
            result = search(base, parameters, targets, method, evaluator, start=start)
            best = result.best
            if method.get("refine"):
                best = refine(base, best, targets, method["refine"], evaluator)
                for path in method["refine"]["grid"]:
                    # the weighted best set shares the refined values (they were chosen for
                    # the set's best member; the others' closure parameters were not refined)
                    result.candidates[path] = best[path]
            posterior = coordinates.with_model_columns(result.candidates, base)
            write_csv(result.trials, folder / "trials.csv")
            write_csv(result.candidates, folder / "candidates.csv")
        best = rounded(coordinates.to_model(best, base))  # the model's parameters
        report_seeds = list(range(int(method["report_seeds"])))
        monthly = evaluator.monthly(with_parameters(base, best), report_seeds)
    table = target_table(monthly, targets)
    passed = int(table["passes"].sum())
    elapsed = time.perf_counter() - started
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    header = (f"# Written by sim-calibrate on {stamp} (git {git_commit()}), run folder "
              f"{folder.name}.\n# Targets passed with {len(report_seeds)} seeds: "
              f"{passed}/{len(targets)}. Free parameters, priors and targets: "
              f"conf/calibration/default.yaml.\n")
    write_csv(table, folder / "report.csv")
    write_csv(posterior, folder / "posterior.csv")
    text = calibrated_yaml(best, header)
    atomic_write(folder / "calibrated.yaml", lambda tmp: tmp.write_text(text))
    markdown = markdown_table(table)
    atomic_write(folder / "report.md", lambda tmp: tmp.write_text(markdown + "\n"))
    report_figure(monthly, table, folder / "report.png",
                  f"sim calibration: {passed}/{len(targets)} targets pass "
                  f"({len(report_seeds)} seeds)")
    wrote_conf = bool(cfg.write_conf) and not cfg.quick and holdout is None
    if wrote_conf:
        target = conf_dir()
        atomic_write(target / CALIBRATED_FILE, lambda tmp: tmp.write_text(text))
        write_csv(posterior, target / POSTERIOR_FILE)
    summary = {
        "elapsed_seconds": round(elapsed, 1), "targets_passed": passed,
        "targets": len(targets), "best": best, "holdout_after": holdout,
        "wrote_conf": wrote_conf, "method": method, **extra,
    }
    write_json({**summary, "git_commit": git_commit(), "packages": package_versions(),
                "calibration": calibration}, folder / "manifest.json")
    log.info("targets passed: %d/%d; %.0f s\n%s", passed, len(targets), elapsed, markdown)
    return summary
