"""Benchmarks of sim: one run, ten times the militants, a Hydra ensemble, Mesa's Epstein model.

Run it with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``). It prints a table of
medians and writes every figure, with the machine it ran on, to
``benchmarks/results/<UTC timestamp>.json`` and ``benchmarks/results/latest.json``, so runs
can be compared over time. Benchmarks are recorded, never pass/fail.

What is measured (all times are wall-clock seconds, ``time.perf_counter``; each figure is the
median of ``--repeats`` repetitions measured in this one process, default 5; every
repetition is also stored):

default run
    ``sim.running.runner.run(sim.running.config.validate(cfg))`` with
    ``cfg = compose_config([])`` (scenario
    ``as_happened``, seed 0, 2020-01-01 to 2026-12-31). The timed part is validation plus the
    simulation (``wall_s``); composing the config with Hydra is timed separately
    (``compose_s``) and not included.
agent-steps
    the number of agents stepped, summed over days: the militant cells alive at the start of
    each day plus the 2 state agents (Taliban authority, Pakistan's security forces) and the
    5 border crossings. Cells alive at the start of day d are those alive at the end of day
    d-1 (``model.state[:, STATE_COLUMNS.index("cells")]``), or the initial cells on day 0.
    ``agent_steps_per_s`` = agent-steps / ``wall_s``.
ten times the militants
    the default run with ``fighters_start`` and ``recruitment_ceiling`` of every group
    multiplied by 10 (overrides ``model.groups.<g>.fighters_start=...``); ``ratio_to_default``
    is the ratio of the median wall times.
ensemble
    ``sim -m seed='range(N)' output.plots=false hydra.callbacks.sweep_report.enabled=false
    hydra/launcher=<L> hydra.sweep.dir=<tmp>`` (N = 100 by default) in a subprocess, on all
    cores, for L = ``sim`` (sim's launcher, the default: the headline figures) and L =
    ``joblib`` (Hydra's joblib launcher, for comparison). ``parallel_wall_s`` runs from
    starting the command to the end of its output, so it includes interpreter start, imports,
    the config check, starting the workers, every job's Hydra set-up and outputs, and the sweep
    callbacks. The end-of-sweep report is switched off in the command because the serial side
    has none; building it for the same runs is timed on its own (``report_s``). Against it:
    the same N runs serially in this process (``serial_wall_s``: for each seed validate,
    simulate and write the same tables and manifest with ``sim.running.outputs.write_run``;
    ``serial_compute_s`` is the validate + simulate part alone).

    * parallel efficiency = serial_wall_s / (cores x parallel_wall_s)
    * Hydra overhead per run = (cores x parallel_wall_s - serial_compute_s) / N, i.e. all the
      core time the command spends beyond the simulations themselves, per run (start-up,
      idle cores, Hydra's and the launcher's work per job, two processes sharing the
      machine's caches); its share of a run is that divided by serial_compute_s / N (the
      mean compute time of one run).

    Because it is long, the ensemble is repeated ``--ensemble-repeats`` times (default 3,
    at least 1) and the medians are reported.
Mesa's Epstein civil-violence example
    ``mesa.examples.advanced.epstein_civil_violence.model.EpsteinCivilViolence()`` with its
    defaults (40 x 40 grid, random activation, data collection every step), stepped 100 times
    (not counting construction); agents stepped per step = ``len(model.agents)`` (every agent,
    jailed or not, is stepped). ``ours_to_epstein`` = our default run's agent-steps/s divided
    by Epstein's.
calibration
    one run of ``sim-calibrate`` with its default settings (plus ``write_conf=false`` and a
    temporary run folder, so the benchmark never overwrites the committed calibration), only
    with ``--calibration`` (it may take 20 minutes); otherwise null with the reason.

``--quick`` is a smoke run: a two-year window (2021-2022), 2 repetitions, a 4-run ensemble once, 10
Epstein steps; its figures are not comparable with a full run (the JSON says ``quick``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
PACKAGES = ("sim", "mesa", "numpy", "pandas", "hydra-core", "hydra-joblib-launcher", "joblib",
            "omegaconf", "matplotlib")
LAUNCHERS = ("sim", "joblib")
"""Launchers the ensemble is run on: sim's (the default, the headline figures), then Hydra's
joblib launcher for comparison."""
QUICK_WINDOW = ["window.start=2021-01-01", "window.end=2022-12-31",
                "levers.border_closure_2025=null"]
"""A two-year window for --quick that keeps the takeover and the 2022 ceasefire."""


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


def machine_info() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": git_commit(),
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start": list(os.getloadavg()),
    }


# --- helpers -------------------------------------------------------------------------------


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


def count_agent_steps(cfg) -> dict:
    """Agent-steps of one run of ``cfg`` (deterministic for its seed), from the model itself."""
    from sim.model.levers import build_levers
    from sim.model.model import STATE_COLUMNS, ConflictModel
    from sim.running.config import validate

    rc = validate(cfg)
    levers = build_levers(rc.levers, rc.calendar, rc.seed, tuple(rc.params.groups))
    model = ConflictModel(rc.params, levers, rc.calendar, rc.seed)
    initial_cells = int(model.roster.alive[: model.roster.n].sum())
    others = len(model.crossings) + 2
    model.run()
    cells = model.state[:, STATE_COLUMNS.index("cells")]
    n_days = len(cells)
    cell_steps = initial_cells + int(cells[:-1].sum())
    return {"agent_steps": cell_steps + others * n_days, "days": n_days,
            "mean_cells": cell_steps / n_days, "state_and_border_agents": others}


def time_runs(overrides: list[str], repeats: int) -> dict:
    """Median time of validate + run (and of composing) over ``repeats`` repetitions."""
    from sim.running.config import validate
    from sim.running.runner import run

    compose_s, wall_s = [], []
    run(validate(compose(overrides)))  # warm-up: imports, caches
    for _ in range(repeats):
        t0 = time.perf_counter()
        cfg = compose(overrides)
        t1 = time.perf_counter()
        run(validate(cfg))
        t2 = time.perf_counter()
        compose_s.append(t1 - t0)
        wall_s.append(t2 - t1)
    steps = count_agent_steps(cfg)
    wall = median(wall_s)
    return {"overrides": overrides, "repeats": repeats, "wall_s": wall, "wall_s_all": wall_s,
            "compose_s": median(compose_s), **steps,
            "agent_steps_per_s": steps["agent_steps"] / wall}


# --- ensemble ------------------------------------------------------------------------------


def _hydra_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}


def ensemble(n_runs: int, repeats: int, extra: list[str], cores: int,
             launchers: tuple[str, ...] = LAUNCHERS) -> dict:
    from sim.analysis.compare import build_report
    from sim.running.config import validate
    from sim.running.outputs import write_run
    from sim.running.runner import run

    sim_exe = Path(sys.executable).parent / "sim"
    overrides = ["output.plots=false", "hydra.callbacks.sweep_report.enabled=false", *extra]
    parallel: dict[str, list[float]] = {name: [] for name in launchers}
    serial, compute, report = [], [], []
    commands = {}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
            for name in launchers:
                sweep_dir = Path(tmp) / name
                command = [str(sim_exe), "-m", f"seed=range({n_runs})", *overrides,
                           f"hydra/launcher={name}", f"hydra.sweep.dir={sweep_dir}"]
                t0 = time.perf_counter()
                proc = subprocess.run(command, cwd=tmp, capture_output=True, text=True,
                                      env=_hydra_env(), timeout=3600)
                parallel[name].append(time.perf_counter() - t0)
                if proc.returncode != 0:
                    raise RuntimeError(f"ensemble on {name} failed ({proc.returncode}): "
                                       f"{proc.stderr[-2000:]}")
                finished = len(list(sweep_dir.glob("*/manifest.json")))
                if finished != n_runs:
                    raise RuntimeError(f"ensemble on {name} wrote {finished} of {n_runs} runs")
                commands[name] = " ".join([*command[:-1], "hydra.sweep.dir=<tmp>"])
            t0 = time.perf_counter()
            build_report(Path(tmp) / launchers[0], ["scenario=as_happened"])
            report.append(time.perf_counter() - t0)

            base = compose(overrides)
            t_serial = t_compute = 0.0
            for seed in range(n_runs):
                t0 = time.perf_counter()
                rc = validate(base)
                rc.seed = seed
                rc.resolved["seed"] = seed
                result = run(rc)
                t1 = time.perf_counter()
                write_run(result, Path(tmp) / "serial" / str(seed))
                t2 = time.perf_counter()
                t_compute += t1 - t0
                t_serial += t2 - t0
            serial.append(t_serial)
            compute.append(t_compute)
    figures = {name: {"command": commands[name], "parallel_wall_s_all": parallel[name],
                      **ensemble_figures(median(parallel[name]), median(serial),
                                         median(compute), n_runs, cores)}
               for name in launchers}
    return {
        "runs": n_runs, "repeats": repeats, "cores": cores, "launcher": launchers[0],
        **figures[launchers[0]], "serial_wall_s_all": serial, "serial_compute_s_all": compute,
        "report_s": median(report), "report_s_all": report,
        "other_launchers": {name: figures[name] for name in launchers[1:]},
    }


def ensemble_figures(parallel: float, serial: float, compute: float, n_runs: int,
                     cores: int) -> dict:
    """Efficiency and Hydra overhead from the ensemble's timings (see the module docstring)."""
    per_run_compute = compute / n_runs
    overhead = (cores * parallel - compute) / n_runs
    return {
        "parallel_wall_s": parallel, "serial_wall_s": serial, "serial_compute_s": compute,
        "per_run_compute_s": per_run_compute,
        "parallel_efficiency": serial / (cores * parallel),
        "speedup": serial / parallel,
        "hydra_overhead_per_run_s": overhead,
        "hydra_overhead_share_of_run": overhead / per_run_compute,
    }


# --- Mesa's Epstein civil violence ---------------------------------------------------------


def epstein(steps: int, repeats: int) -> dict:
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    walls, rates, agent_steps = [], [], 0
    for _ in range(repeats):
        model = EpsteinCivilViolence()
        agent_steps = 0
        t0 = time.perf_counter()
        for _ in range(steps):
            agent_steps += len(model.agents)
            model.step()
        wall = time.perf_counter() - t0
        walls.append(wall)
        rates.append(agent_steps / wall)
    return {"model": "mesa.examples.advanced.epstein_civil_violence.model.EpsteinCivilViolence",
            "settings": "defaults (40x40, random activation, data collection every step)",
            "steps": steps, "repeats": repeats, "agent_steps": agent_steps,
            "wall_s": median(walls), "wall_s_all": walls,
            "agent_steps_per_s": agent_steps / median(walls)}


# --- calibration ---------------------------------------------------------------------------


def calibration(requested: bool) -> dict:
    exe = Path(sys.executable).parent / "sim-calibrate"
    if not exe.exists() and shutil.which("sim-calibrate") is None:
        return {"wall_s": None, "reason": "sim-calibrate is not installed"}
    if not requested:
        return {"wall_s": None, "reason": "not requested (pass --calibration; may take 20 min)"}
    with tempfile.TemporaryDirectory(prefix="sim-bench-cal-") as tmp:
        command = [str(exe), "write_conf=false", f"hydra.run.dir={tmp}/run"]
        t0 = time.perf_counter()
        proc = subprocess.run(command, cwd=tmp, capture_output=True, text=True,
                              env=_hydra_env(), timeout=3600)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"wall_s": None, "reason": f"sim-calibrate failed ({proc.returncode}): "
                                          f"{proc.stderr.strip()[-500:]}"}
    command[-1] = "hydra.run.dir=<tmp>"
    return {"wall_s": wall, "repeats": 1, "command": " ".join(command),
            "reason": "default settings, write_conf=false"}


# --- report --------------------------------------------------------------------------------


def table(results: dict) -> str:
    rows = []

    def add(what, value, unit=""):
        rows.append((what, value if isinstance(value, str) else f"{value:,.3f}", unit))

    d, x = results["default_run"], results["x10_militants"]
    add("default run (validate + simulate)", d["wall_s"], "s")
    add("  agent-steps", f"{d['agent_steps']:,}")
    add("  agent-steps per second", f"{d['agent_steps_per_s']:,.0f}", "1/s")
    add("  composing the config (not included)", d["compose_s"], "s")
    add("10x militants run", x["wall_s"], "s")
    add("  ratio to default", x["ratio_to_default"], "x")
    add("  agent-steps per second", f"{x['agent_steps_per_s']:,.0f}", "1/s")
    e = results["ensemble"]
    if e.get("parallel_wall_s") is not None:
        n = e["runs"]
        add(f"ensemble {n} runs, serial in one process", e["serial_wall_s"], "s")
        for name, figures in {e["launcher"]: e, **e["other_launchers"]}.items():
            add(f"ensemble {n} runs, {name} launcher, {e['cores']} cores",
                figures["parallel_wall_s"], "s")
            add("  parallel efficiency", f"{100 * figures['parallel_efficiency']:.1f}", "%")
            add("  Hydra overhead per run", figures["hydra_overhead_per_run_s"], "s")
            add("  Hydra overhead, share of a run",
                f"{100 * figures['hydra_overhead_share_of_run']:.1f}", "%")
        add(f"sweep report for the {n} runs (not in the above)", e["report_s"], "s")
    else:
        add("ensemble", "skipped", "")
    m = results["mesa_epstein"]
    add(f"Mesa Epstein civil violence, {m['steps']} steps", m["wall_s"], "s")
    add("  agent-steps per second", f"{m['agent_steps_per_s']:,.0f}", "1/s")
    add("  ours / Epstein (agent-steps per second)", results["ours_to_epstein"], "x")
    c = results["calibration"]
    add("calibration (sim-calibrate)", c["wall_s"] if c["wall_s"] is not None else "null",
        "s" if c["wall_s"] is not None else c["reason"])
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    lines = [f"{'measure':<{width}}  {'median':>{vwidth}}  unit", "-" * (width + vwidth + 8)]
    lines += [f"{w:<{width}}  {v:>{vwidth}}  {u}" for w, v, u in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per measure (5)")
    parser.add_argument("--ensemble-repeats", type=int, default=3,
                        help="repetitions of the ensemble (3; it is long)")
    parser.add_argument("--ensemble-runs", type=int, default=100, help="runs in the ensemble")
    parser.add_argument("--epstein-steps", type=int, default=100)
    parser.add_argument("--no-ensemble", action="store_true", help="skip the ensemble")
    parser.add_argument("--calibration", action="store_true",
                        help="also time one default sim-calibrate run (up to 20 minutes)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: two-year window, 2 repeats, 4-run ensemble once")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    window: list[str] = []
    if args.quick:
        args.repeats = min(args.repeats, 2)
        args.ensemble_repeats = 1
        args.ensemble_runs = min(args.ensemble_runs, 4)
        args.epstein_steps = min(args.epstein_steps, 10)
        window = QUICK_WINDOW
    if args.repeats < 1 or args.ensemble_repeats < 1:
        parser.error("--repeats and --ensemble-repeats must be at least 1")

    started = time.perf_counter()
    results: dict = {"quick": args.quick, "machine": machine_info()}
    print(f"sim benchmarks on {results['machine']['cpu_model']}, "
          f"{results['machine']['cores']} cores", flush=True)

    print("default run ...", flush=True)
    results["default_run"] = time_runs(window, args.repeats)
    print("ten times the militants ...", flush=True)
    x10 = time_runs([*window, *x10_overrides(compose(window))], args.repeats)
    x10["ratio_to_default"] = x10["wall_s"] / results["default_run"]["wall_s"]
    results["x10_militants"] = x10
    cores = os.cpu_count() or 1
    if args.no_ensemble:
        results["ensemble"] = {"parallel_wall_s": None, "reason": "skipped (--no-ensemble)"}
    else:
        print(f"ensemble of {args.ensemble_runs} runs x {args.ensemble_repeats} ...", flush=True)
        results["ensemble"] = ensemble(args.ensemble_runs, args.ensemble_repeats, window, cores)
    print("Mesa Epstein civil violence ...", flush=True)
    results["mesa_epstein"] = epstein(args.epstein_steps, args.repeats)
    results["ours_to_epstein"] = (results["default_run"]["agent_steps_per_s"]
                                  / results["mesa_epstein"]["agent_steps_per_s"])
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
