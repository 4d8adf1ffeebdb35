"""The ``sim`` command: a Hydra app whose job is one arm (an ensemble of seeds) or one run.

    sim scenario=no_closure seed=7                          # one run (ensemble.size=1)
    sim scenario=no_closure ensemble.size=30                # one arm: seeds 0..29, all cores
    sim -m scenario=as_happened,no_closure ensemble.size=30 # a sweep: one job per arm
    sim -m scenario=as_happened,no_closure seed='range(30)' # a sweep: one job per seed

Jobs run on Hydra's own launchers (``basic`` by default: each arm already uses every core;
``hydra/launcher=joblib``, ``submitit_local``, ``slurm``).

Before Hydra starts, the overrides are composed and validated once, so a bad value is
refused with a one-line error and a non-zero exit before any output folder is created.
Sweep presets (``sim -m +sweep=<name>``, conf/sweep/) are checked the same way: each value
of their ``hydra.sweeper.params`` is composed and validated.

An arm's folder is resumed: its finished seeds are kept and only the others run
(:mod:`sim.running.ensemble`); a folder that holds seeds of another config is refused with one
line and exit status 3 (as is an ensemble whose worker process died). In a sweep (``-m``), a
single run whose folder already holds a manifest for the same config is skipped, so re-running
a sweep into the same folder completes only what is missing; a job that raises is recorded in
its folder as ``error.json`` and the sweep goes on.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import logging
import math
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.app.command_line import last_value
from sim.running.compose import (
    CONFIG_MODULE,
    CONFIG_NAME,
    check_no_environment_values,
    compose_config,
    register,
)
from sim.running.config import ConfigError, RunConfig
from sim.running.integrity import damage
from sim.running.scenarios import scenarios_dir_in
from sim.running.sweep import FAILED, FINISHED, record_failure, sweep_values
from sim.running.validation import validate

log = logging.getLogger("sim")
EXIT_CONFIG_ERROR = 2
EXIT_JOB_REFUSED = 3
EXIT_CANNOT_WRITE = 4


def _already_finished(folder: Path, run_config: RunConfig) -> bool:
    """Whether ``folder`` holds a finished run (its manifest) of exactly this config."""
    path = folder / FINISHED
    if not path.exists():
        return False
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    current = json.loads(json.dumps(run_config.resolved, sort_keys=True, default=str))
    if saved.get("config") != current:
        log.warning("%s holds a run of another config; running again", folder)
        return False
    damaged = damage(folder, saved)
    if damaged:
        log.warning("%s: the finished run's files are damaged (%s); running again", folder,
                    ", ".join(damaged))
        return False
    return True


WRITE_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EPERM)
"""Errors of a folder that cannot take the run's files: a full disk or quota, a read-only
file system, no permission."""


def _cannot_write(exc: Exception) -> bool:
    return isinstance(exc, OSError) and exc.errno in WRITE_ERRORS


def _refused(exc: Exception) -> bool:
    """The errors a job reports in one line: a folder it must not write, a dead worker."""
    from sim.running.ensemble import EnsembleError
    from sim.running.seed_chunks import SeedFolderConflict

    return isinstance(exc, SeedFolderConflict | EnsembleError)


def _run_job(cfg: DictConfig) -> dict:
    # The model is imported by a single run's job, not by the command: an arm's seeds run in
    # worker processes that have it preloaded (sim.running.pool).
    from sim.app.arm import run_arm
    from sim.running.posterior import keep_explicit

    hydra_cfg = HydraConfig.get()
    folder = Path(hydra_cfg.runtime.output_dir)
    sweeping = hydra_cfg.mode == RunMode.MULTIRUN
    run_config = None
    try:
        config = OmegaConf.to_container(cfg, resolve=True)
        keep_explicit(config, hydra_cfg.overrides.task)
        run_config = validate(config)
        if run_config.ensemble.size > 1:
            status = run_arm(config, run_config, folder)
            (folder / FAILED).unlink(missing_ok=True)
            return {"folder": str(folder), "status": status}
        if sweeping and _already_finished(folder, run_config):
            log.info("scenario=%s seed=%d already finished in %s: skipped",
                     run_config.scenario.name, run_config.seed, folder)
            return {"folder": str(folder), "status": "skipped"}
        from sim.analysis.plots import overview_figures
        from sim.running import runner
        from sim.running.outputs import write_run

        result = runner.run(run_config)
        write_run(result, folder, figures=overview_figures)
    except Exception as exc:
        scenario = run_config.scenario.name if run_config else cfg.get("scenario", {}).get("name")
        seed = run_config.seed if run_config else cfg.get("seed")
        if not sweeping and _refused(exc):
            print(f"sim: error: {exc}", file=sys.stderr)
            sys.exit(EXIT_JOB_REFUSED)
        if _cannot_write(exc):
            with contextlib.suppress(OSError):  # the disk may be too full for error.json too
                record_failure(folder, exc, scenario, seed, list(hydra_cfg.overrides.task))
            line = f"cannot write the run's files into {folder}: {exc.strerror}"
            if not sweeping:  # no manifest was written: the run is not finished
                print(f"sim: error: {line}", file=sys.stderr)
                sys.exit(EXIT_CANNOT_WRITE)
            log.error("scenario=%s seed=%s failed: %s", scenario, seed, line)
            return {"folder": str(folder), "status": "failed", "error": line}
        record_failure(folder, exc, scenario, seed, list(hydra_cfg.overrides.task))
        if not sweeping:
            raise
        log.error("scenario=%s seed=%s failed (%s: %s); recorded in %s", scenario, seed,
                  type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "",
                  folder / FAILED)
        return {"folder": str(folder), "status": "failed", "error": repr(exc)}
    (folder / FAILED).unlink(missing_ok=True)
    national = result.annual.groupby("year")["fatalities_total"].sum()
    log.info("scenario=%s seed=%d -> %s", run_config.scenario.name, run_config.seed, folder)
    log.info("national fatalities per year: %s", national.to_dict())
    return {"folder": str(folder), "status": "finished"}


@hydra.main(config_path=f"pkg://{CONFIG_MODULE}", config_name=CONFIG_NAME, version_base=None)
def hydra_main(cfg: DictConfig) -> dict:
    return _run_job(cfg)


def _preset_params(args: list[str]) -> list[str]:
    """The ``hydra.sweeper.params`` of a sweep preset selected in ``args`` (``+sweep=NAME``),
    as overrides, leaving out keys the command line sets itself."""
    names = [a.partition("=")[2] for a in args if a.lstrip("+~").partition("=")[0] == "sweep"]
    if not names:
        return []
    presets = sorted(p.name.removesuffix(".yaml")
                     for p in resources.files(CONFIG_MODULE).joinpath("sweep").iterdir()
                     if p.name.endswith(".yaml"))
    if names[-1] not in presets:
        raise ConfigError("sweep", names[-1], f"a sweep preset: one of {', '.join(presets)}")
    text = resources.files(CONFIG_MODULE).joinpath("sweep", f"{names[-1]}.yaml").read_text(
        encoding="utf-8")
    params = OmegaConf.select(OmegaConf.create(text), "hydra.sweeper.params") or {}
    given = {a.lstrip("+~").partition("=")[0] for a in args}
    return [f"{k}={v}" for k, v in params.items() if k not in given]


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


MAX_PREFLIGHT_COMBINATIONS = 5000
"""Sweeps up to this many jobs have every combination checked before the first job runs
(about 50 ms each, so at most about 4 minutes); a larger one has each swept value checked
once, the others at their first value."""


def _preflight_overrides(args: list[str]) -> list[list[str]]:
    """Override lists to check before running: every combination of the swept values (or, for
    a sweep of more than :data:`MAX_PREFLIGHT_COMBINATIONS` jobs, each value once)."""
    args = [*args, *_preset_params(args)]
    candidates = [a for a in args if not a.startswith("-") and "=" in a
                  and not a.lstrip("+~").startswith("hydra")]
    parsed = OverridesParser.create().parse_overrides(candidates)
    parsed = [o for o in parsed if not o.is_delete()]
    choices = []
    for override in parsed:
        if override.is_sweep_override():
            values = sweep_values(override, scenarios_dir_in(args))
            if override.key_or_group == "seed" and all(_is_int(v) for v in values):
                values = sorted(set(values[:1] + [min(values, key=int)]), key=values.index)
        else:
            values = [override.get_value_element_as_str()]
        prefix = "+" if override.is_add() else ("++" if override.is_force_add() else "")
        choices.append([f"{prefix}{override.key_or_group}={v}" for v in values] or [""])
    if math.prod(len(c) for c in choices) <= MAX_PREFLIGHT_COMBINATIONS:
        return [list(combination) for combination in itertools.product(*choices)]
    first = [c[0] for c in choices]
    checks = [first]
    for i, values in enumerate(choices):
        for v in values[1:]:
            checks.append(first[:i] + [v] + first[i + 1:])
    return checks


MIN_FREE_BYTES = 64 << 20
"""Free space a run or sweep needs to start [bytes]: 64 MiB, about nine times what an arm of
30 seeds writes (7 MiB; an arm of the default study's 100 seeds, 23 MiB). A floor, not a
guarantee: a disk that fills up later fails the job in one line, and its manifest, written
last, is never written."""


def output_folder_problem(args: list[str]) -> ConfigError | None:
    """A ConfigError when the run's (or sweep's) folder cannot be made and written: a file
    in its place or on its path, or a folder this process may not write into."""
    key = "hydra.sweep.dir" if any(a in ("-m", "--multirun") for a in args) else "hydra.run.dir"
    value = last_value(args, key)
    fixed = (value or "outputs").split("${", 1)[0] or "."  # the part before any interpolation
    path = Path(fixed).expanduser()
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "it is a file" if existing == path else f"{existing} is a file"
        return ConfigError(key, value or fixed, f"a folder that can be created ({what})")
    if not os.access(existing, os.W_OK | os.X_OK):
        return ConfigError(key, value or fixed, f"a folder this user can write ({existing} "
                                                "cannot be written)")
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        return ConfigError(key, value or fixed, f"a folder on a disk with at least "
                           f"{MIN_FREE_BYTES >> 20} MiB free ({free >> 20} MiB free): a disk "
                           "that fills up while Hydra writes .hydra/ leaves half-written files")
    return None


def preflight(args: list[str]) -> None:
    """Compose and validate the config each override value gives; raise ConfigError."""
    for overrides in _preflight_overrides(args):
        validate(compose_config(overrides))


def main() -> None:
    """Console entry point: validate, then hand over to Hydra."""
    args = sys.argv[1:]
    try:
        check_no_environment_values([a for a in args if "=" in a and not a.startswith("-")])
        problem = output_folder_problem(args)
        if problem is not None:
            raise problem
        register(scenarios_dir_in(args))
        if not any(a in ("--help", "-h", "--hydra-help", "--info", "-i")
                   or a.startswith("--cfg") for a in args):
            preflight(args)
    except ConfigError as exc:
        print(f"sim: config error: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG_ERROR)
    except (HydraException, ValueError) as exc:  # an override Hydra cannot parse
        first = " ".join(str(exc).split("\n")[0].split())
        bad = " ".join(a for a in args if not a.startswith("-"))
        print(f"sim: config error: {bad} is not allowed: {first} (Hydra's override syntax: "
              "key=value)", file=sys.stderr)
        sys.exit(EXIT_CONFIG_ERROR)
    hydra_main()


if __name__ == "__main__":
    main()
