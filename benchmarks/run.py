"""Benchmarks of sim, as ratios to Mesa's Epstein civil-violence example measured in the same run.

Run it with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``). It prints a table of
medians and writes every figure, with the machine it ran on, to
``benchmarks/results/<UTC timestamp>.json`` and ``benchmarks/results/latest.json``, so runs
can be compared over time. Benchmarks are recorded, never pass/fail: the targets are printed
beside the figures.

All times are wall-clock seconds (``time.perf_counter``); each figure is the median of
``--repeats`` repetitions (default 5, every repetition stored).

Epstein step
    one step of ``mesa.examples.advanced.epstein_civil_violence.model.EpsteinCivilViolence()``
    at its defaults (40 x 40 grid, random activation, data collection every step): a fresh
    model stepped ``--epstein-steps`` times (default 100), the mean step. Measured in this
    process, interleaved with the default run, so both see the same machine load. It is the
    unit of the ratios below.
default run
    ``run(validate(cfg))`` with ``cfg = compose_config([])`` (scenario ``as_happened``, seed 0,
    the default window), the whole default window for one seed; composing with Hydra is timed
    apart (``compose_s``). Target: at most 1.5 Epstein steps. ``ensemble_path_s`` is the same
    run as an ensemble makes it: checked once, then ``run(for_seed(cfg, s))`` (each seed's draw).
ten times the militants
    the default run with every group's ``fighters_start`` and ``recruitment_ceiling`` x 10.
    Target: at most 5 x the default run.
compiled code
    in a fresh process: the first run with an empty numba cache (``NUMBA_CACHE_DIR`` set to an
    empty folder: compiles every rule) and, again in a fresh process, with that cache filled
    (loads the compiled code); each minus a second run in the same process.
ensembles
    ``sim scenario=as_happened ensemble.size=N hydra.run.dir=<tmp>`` as a command, from its
    start to its end (interpreter start, imports, the config check, the worker pool, the
    seeds, the arm's tables, manifest and fan chart), for N = 40, 400 and ``--big-ensemble``
    (default 10,000) on all cores. Targets: each further run costs at most 1.7 Epstein steps
    of wall time x cores, measured as ``cores x (T(400) - T(40)) / 360``; the big ensemble
    takes at most 6,000 default-run times, start-up included.
default study
    ``sim -m +sweep=study hydra.sweep.dir=<tmp>`` (what ``make run`` runs: every scenario x
    100 seeds, with its report), from start to end, and where its fixed costs go, read from the
    arms' manifests: simulating the seeds (worker pool included), writing each arm's tables
    and fan chart, the report (timed again on the finished folder), and the rest (interpreter
    start, imports, Hydra's composition and job set-up for every arm).
calibration
    one run of ``sim-calibrate`` with its default settings (``write_conf=false``, a temporary
    run folder), only with ``--calibration``.

``--quick`` is a smoke run: 2 repetitions, 10 Epstein steps, ensembles of 4 and 8 seeds on a
two-year window, no big ensemble, no study; its figures are not comparable (the JSON says so).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
PACKAGES = ("sim", "mesa", "numpy", "numba", "pandas", "pyarrow", "hydra-core", "omegaconf",
            "matplotlib")
QUICK_WINDOW = ["window.start=2021-01-01", "window.end=2022-12-31",
                "levers.border_closure_2025=null"]
"""A two-year window for --quick that keeps the takeover and the 2022 ceasefire."""
TARGETS = {"default_run_epstein_steps": 1.5, "x10_ratio": 5.0,
           "marginal_run_epstein_steps": 1.7, "big_ensemble_run_times": 6000.0}


# --- machine --------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit() -> str | None:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if dirty else "")


def usable_cores() -> int:
    """Cores the ensembles use (their own rule: CPU affinity, SLURM's cpus_per_task)."""
    from sim.running.pool import usable_cores as cores

    return cores()


def machine_info() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu_model": cpu_model(), "cores": os.cpu_count(), "cores_usable": usable_cores(),
        "python": platform.python_version(), "platform": platform.platform(),
        "packages": versions, "git_commit": git_commit(),
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start": list(os.getloadavg()),
    }


# --- one run and Epstein's step, interleaved ------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def compose(overrides: list[str]):
    from sim.running.compose import compose_config

    return compose_config(overrides)


def x10_overrides(cfg) -> list[str]:
    """Overrides multiplying every group's starting fighters and recruitment ceiling by 10."""
    overrides = []
    for key, group in cfg.model.groups.items():
        overrides += [f"model.groups.{key}.fighters_start={10 * int(group.fighters_start)}",
                      f"model.groups.{key}.recruitment_ceiling="
                      f"{10 * int(group.recruitment_ceiling)}"]
    return overrides


def epstein_step(steps: int) -> float:
    """Mean wall time of one step of a fresh Epstein model stepped ``steps`` times [s]."""
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    model = EpsteinCivilViolence()
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - t0) / steps


def time_run(overrides: list[str]) -> tuple[float, float]:
    """(compose, validate + run) wall times of one run [s]."""
    from sim.running.runner import run
    from sim.running.validation import validate

    t0 = time.perf_counter()
    cfg = compose(overrides)
    t1 = time.perf_counter()
    run(validate(cfg))
    return t1 - t0, time.perf_counter() - t1


def time_ensemble_path(overrides: list[str], seeds: int) -> float:
    """Mean time of a run as an ensemble makes it: the config checked once, then per seed its
    posterior draw set (when parameters are drawn) and one run."""
    from sim.running.config import check_config
    from sim.running.runner import run
    from sim.running.validation import for_seed

    config = check_config(compose(overrides))
    t0 = time.perf_counter()
    for seed in range(seeds):
        run(for_seed(config, seed))
    return (time.perf_counter() - t0) / seeds


def agent_steps(overrides: list[str]) -> dict:
    """Agents stepped in one run: living cells each day plus the state and border agents."""
    from sim.running.runner import run
    from sim.running.validation import validate

    result = run(validate(compose(overrides)))
    cells = result.state["cells"].to_numpy()  # living cells at each month's end
    days = result.config.calendar.n_days
    month_days = days / len(cells)
    others = 2 + 5
    cell_steps = int(round(float(cells.sum()) * month_days))
    return {"agent_steps_approx": cell_steps + others * days, "days": days,
            "mean_cells": float(cells.mean())}


def model_measures(window: list[str], repeats: int, epstein_steps: int) -> dict:
    x10 = [*window, *x10_overrides(compose(window))]
    time_run(window), time_run(x10), epstein_step(2)  # warm-up: imports, compiled code
    steps, compose_s, default_s, x10_s, path_s = [], [], [], [], []
    for _ in range(repeats):
        steps.append(epstein_step(epstein_steps))
        c, d = time_run(window)
        compose_s.append(c)
        default_s.append(d)
        x10_s.append(time_run(x10)[1])
        path_s.append(time_ensemble_path(window, 5))
    step, default = median(steps), median(default_s)
    return {
        "epstein": {"model": "mesa.examples.advanced.epstein_civil_violence.model."
                             "EpsteinCivilViolence", "settings": "defaults",
                    "steps_per_repeat": epstein_steps, "step_s": step, "step_s_all": steps},
        "default_run": {"overrides": window, "wall_s": default, "wall_s_all": default_s,
                        "compose_s": median(compose_s), "epstein_steps": default / step,
                        "ensemble_path_s": median(path_s),
                        "ensemble_path_epstein_steps": median(path_s) / step,
                        **agent_steps(window)},
        "x10_militants": {"wall_s": median(x10_s), "wall_s_all": x10_s,
                          "ratio_to_default": median(x10_s) / default},
    }


# --- compiled code --------------------------------------------------------------------------


FIRST_RUN = """
import time
from sim.running.compose import compose_config
from sim.running.validation import validate
from sim.running.runner import run
cfg = validate(compose_config({overrides!r}))
t0 = time.perf_counter(); run(cfg); t1 = time.perf_counter(); run(cfg); t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def compiled_code(window: list[str]) -> dict:
    """First run in a fresh process with an empty, then a filled numba cache, minus a second."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="sim-bench-numba-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for name in ("compile", "cached_load"):
            proc = subprocess.run([sys.executable, "-c", FIRST_RUN.format(overrides=window)],
                                  capture_output=True, text=True, env=env, timeout=600)
            if proc.returncode != 0:
                return {"error": proc.stderr.strip()[-500:]}
            first, second = map(float, proc.stdout.split())
            out[f"{name}_s"] = first - second
    return out


# --- commands: ensembles and the default study ----------------------------------------------


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}


def _command(args: list[str], cwd: str) -> float:
    sim_exe = Path(sys.executable).parent / "sim"
    t0 = time.perf_counter()
    proc = subprocess.run([str(sim_exe), *args], cwd=cwd, capture_output=True, text=True,
                          env=_env(), timeout=7200)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"sim {' '.join(args)} failed ({proc.returncode}): "
                           f"{proc.stderr[-2000:]}")
    return wall


def ensemble_wall(size: int, window: list[str], repeats: int) -> dict:
    """Wall time of ``sim scenario=as_happened ensemble.size=<size>`` from start to end."""
    walls = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
            folder = Path(tmp) / "arm"
            walls.append(_command(["scenario=as_happened", f"ensemble.size={size}", *window,
                                   f"hydra.run.dir={folder}"], tmp))
            manifest = json.loads((folder / "manifest.json").read_text())
            if len(manifest["seeds"]) != size:
                raise RuntimeError(f"the arm holds {len(manifest['seeds'])} of {size} seeds")
    return {"size": size, "repeats": repeats, "wall_s": median(walls), "wall_s_all": walls,
            "command": f"sim scenario=as_happened ensemble.size={size} "
                       f"{' '.join(window)} hydra.run.dir=<tmp>".replace("  ", " ")}


def ensemble_measures(window: list[str], repeats: int, small: int, large: int, big: int,
                      model: dict, cores: int) -> dict:
    step = model["epstein"]["step_s"]
    one_run = model["default_run"]["wall_s"]
    runs = {n: ensemble_wall(n, window, repeats) for n in (small, large)}
    marginal = cores * (runs[large]["wall_s"] - runs[small]["wall_s"]) / (large - small)
    out = {"cores": cores, "small": runs[small], "large": runs[large],
           "marginal_run_s": marginal, "marginal_run_epstein_steps": marginal / step}
    if big:
        runs[big] = ensemble_wall(big, window, repeats)
        out["big"] = runs[big]
        out["big_in_run_times"] = runs[big]["wall_s"] / one_run
    return out


def study(repeats: int) -> dict:
    """``sim -m +sweep=study`` from start to end, and where its time goes."""
    from sim.analysis.report import build_report

    walls, parts = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="sim-bench-study-") as tmp:
            folder = Path(tmp) / "study"
            walls.append(_command(["-m", "+sweep=study", f"hydra.sweep.dir={folder}"], tmp))
            manifests = [json.loads(p.read_text()) for p in folder.glob("*/manifest.json")]
            t0 = time.perf_counter()
            build_report(folder, None)
            report = time.perf_counter() - t0
            simulate = sum(m["ensemble"]["run_seconds"] for m in manifests)
            write = sum(m["ensemble"]["tables_seconds"] for m in manifests)
            parts.append({"arms": len(manifests), "seeds": sum(len(m["seeds"]) for m in manifests),
                          "simulating_s": simulate, "writing_tables_and_fan_s": write,
                          "report_s": report,
                          "start_up_and_hydra_s": walls[-1] - simulate - write - report})
    keys = [k for k in parts[0] if k.endswith("_s")]
    return {"command": "sim -m +sweep=study hydra.sweep.dir=<tmp>", "repeats": repeats,
            "wall_s": median(walls), "wall_s_all": walls, "arms": parts[0]["arms"],
            "seeds": parts[0]["seeds"],
            **{k: median([p[k] for p in parts]) for k in keys}}


def calibration(requested: bool) -> dict:
    exe = Path(sys.executable).parent / "sim-calibrate"
    if not requested:
        return {"wall_s": None, "reason": "not requested (pass --calibration)"}
    with tempfile.TemporaryDirectory(prefix="sim-bench-cal-") as tmp:
        command = [str(exe), "write_conf=false", f"hydra.run.dir={tmp}/run"]
        t0 = time.perf_counter()
        proc = subprocess.run(command, cwd=tmp, capture_output=True, text=True, env=_env(),
                              timeout=3600)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"wall_s": None, "reason": f"sim-calibrate failed: {proc.stderr.strip()[-500:]}"}
    return {"wall_s": wall, "command": "sim-calibrate write_conf=false hydra.run.dir=<tmp>"}


# --- report --------------------------------------------------------------------------------


def table(results: dict) -> str:
    rows: list[tuple[str, str, str]] = []

    def add(what: str, value, unit: str = "", target: str = "") -> None:
        text = value if isinstance(value, str) else f"{value:,.3f}"
        rows.append((what, text, unit + (f"   (target {target})" if target else "")))

    m, d, x = results["epstein"], results["default_run"], results["x10_militants"]
    add("Epstein step (Mesa example, defaults)", m["step_s"] * 1e3, "ms")
    add("default run (validate + simulate)", d["wall_s"] * 1e3, "ms")
    add("  in Epstein steps", d["epstein_steps"], "", f"<= {TARGETS['default_run_epstein_steps']}")
    add("  as in an ensemble (validated once)", d["ensemble_path_s"] * 1e3, "ms")
    add("10x militants, ratio to default", x["ratio_to_default"], "x",
        f"<= {TARGETS['x10_ratio']}")
    c = results["compiled_code"]
    if "compile_s" in c:
        add("compiling the rules (empty cache, fresh process)", c["compile_s"], "s")
        add("loading compiled rules (fresh process)", c["cached_load_s"], "s")
    e = results.get("ensembles")
    if e:
        for key in ("small", "large", "big"):
            if key in e:
                add(f"ensemble of {e[key]['size']:,} seeds, {e['cores']} cores",
                    e[key]["wall_s"], "s")
        add("  each further run, wall x cores", e["marginal_run_s"] * 1e3, "ms")
        add("  in Epstein steps", e["marginal_run_epstein_steps"], "",
            f"<= {TARGETS['marginal_run_epstein_steps']}")
        if "big" in e:
            add(f"  {e['big']['size']:,} seeds in default-run times", e["big_in_run_times"], "",
                f"<= {TARGETS['big_ensemble_run_times']:,.0f}")
    s = results.get("study")
    if s:
        add(f"default study ({s['arms']} arms, {s['seeds']} seeds, report)", s["wall_s"], "s")
        for key in ("simulating_s", "writing_tables_and_fan_s", "report_s",
                    "start_up_and_hydra_s"):
            add(f"  {key.removesuffix('_s').replace('_', ' ')}", s[key], "s")
    cal = results["calibration"]
    if cal["wall_s"] is not None:
        add("calibration (sim-calibrate)", cal["wall_s"], "s")
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    lines = [f"{'measure':<{width}}  {'median':>{vwidth}}  unit", "-" * (width + vwidth + 8)]
    lines += [f"{w:<{width}}  {v:>{vwidth}}  {u}" for w, v, u in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per measure (5)")
    parser.add_argument("--epstein-steps", type=int, default=100)
    parser.add_argument("--big-ensemble", type=int, default=10_000,
                        help="seeds of the big ensemble (10,000; 0 skips it)")
    parser.add_argument("--no-ensembles", action="store_true", help="skip ensembles and study")
    parser.add_argument("--no-study", action="store_true", help="skip the default study")
    parser.add_argument("--calibration", action="store_true",
                        help="also time one default sim-calibrate run")
    parser.add_argument("--quick", action="store_true", help="smoke run (see the docstring)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    window: list[str] = []
    small, large = 40, 400
    if args.quick:
        args.repeats, args.epstein_steps, args.big_ensemble = min(args.repeats, 2), 10, 0
        args.no_study, window, small, large = True, QUICK_WINDOW, 4, 8
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    started = time.perf_counter()
    cores = usable_cores()
    results: dict = {"quick": args.quick, "targets": TARGETS, "machine": machine_info()}
    print(f"sim benchmarks on {results['machine']['cpu_model']}, {cores} usable cores",
          flush=True)
    print("Epstein steps, default run, ten times the militants ...", flush=True)
    results.update(model_measures(window, args.repeats, args.epstein_steps))
    print("compiled code ...", flush=True)
    results["compiled_code"] = compiled_code(window)
    if not args.no_ensembles:
        print(f"ensembles of {small}, {large} and {args.big_ensemble} seeds ...", flush=True)
        results["ensembles"] = ensemble_measures(window, args.repeats, small, large,
                                                 args.big_ensemble, results, cores)
        if not args.no_study:
            print("default study ...", flush=True)
            results["study"] = study(args.repeats)
    if args.calibration:
        print("calibration ...", flush=True)
    results["calibration"] = calibration(args.calibration)
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    results["benchmark_wall_s"] = time.perf_counter() - started

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    args.results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    path = args.results_dir / f"{stamp}.json"
    path.write_text(text, encoding="utf-8")
    (args.results_dir / "latest.json").write_text(text, encoding="utf-8")
    print()
    print(table(results))
    print(f"\nwritten: {path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
          "and latest.json")
    return results


if __name__ == "__main__":
    main()
