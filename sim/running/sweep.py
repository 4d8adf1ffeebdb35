"""A sweep folder: which jobs it holds, their status, and one tidy table for all of them.

A sweep folder is what ``sim -m`` writes (``hydra.sweep.dir``): one sub-folder per job
(``hydra.sweep.subdir``). A job is an *arm* (``ensemble.size > 1``: many seeds of one config in
one folder, :mod:`sim.running.arm_outputs`) or a single run (one seed). Each folder holds
Hydra's ``.hydra/overrides.yaml`` and then either

* ``manifest.json`` — written last by :func:`sim.running.outputs.write_run` or
  :func:`sim.running.arm_outputs.write_arm_manifest`: the job is **finished**;
* ``error.json`` — written by :func:`record_failure`: the job raised and is **failed**;
* neither — the job has not finished (still running, interrupted, or not started).

``sweep.json`` at the top (written when the sweep starts) records how many runs the sweep
has in total and which runs the report compares against (the baseline). Everything here
reads saved files only, so a report can be rebuilt from the folder alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from sim.running.integrity import damage
from sim.running.outputs import write_json

if TYPE_CHECKING:
    import pandas as pd
    from hydra.core.override_parser.types import Override

FINISHED = "manifest.json"
FAILED = "error.json"
SWEEP_FILE = "sweep.json"
REPORT_DIR = "report"
COUNTS = ("attacks", "operations", "fatalities_civilian", "fatalities_security",
          "fatalities_militant", "fatalities_total")
"""Count columns of a run's monthly table (events per month and region)."""
NOT_PARAMETERS = ("scenario", "seed", "sweep", "ensemble", "output")
"""Override keys that are not sweep parameters (scenario and seed have their own columns; an
arm's seeds are in its rows; output settings change no result)."""


class SweepError(ValueError):
    """A folder that is not a sweep folder, or a sweep that cannot be read; one line."""


@dataclass
class Run:
    """One job folder of a sweep: an arm (many seeds) or a single run."""

    name: str
    """The folder's name inside the sweep folder."""
    folder: Path
    status: str
    """finished, failed, unfinished, or damaged (finished, but its files no longer match the
    digests in its manifest: :mod:`sim.running.integrity`)."""
    scenario: str | None = None
    seed: int | None = None
    """The (first) seed."""
    seeds: list[int] = field(default_factory=list)
    """For a finished job: every seed it holds (one for a single run)."""
    overrides: dict[str, str] = field(default_factory=dict)
    """The run's command-line overrides as key -> value text (leading + / ~ removed)."""
    error: str = ""
    """For a failed run: the error type and its first line."""
    git_commit: str | None = None
    """For a finished run: the source commit recorded in its manifest."""
    config: dict | None = None
    """For a finished run: the config recorded in its manifest."""


def override_key(key: str) -> str:
    """An override key without Hydra's +, ++ or ~ prefix."""
    return key.lstrip("+~")


def parse_overrides(lines: Iterable[str]) -> dict[str, str]:
    """``["a.b=1", "+c=x"]`` -> ``{"a.b": "1", "c": "x"}`` (last one wins)."""
    out: dict[str, str] = {}
    for line in lines:
        key, sep, value = str(line).partition("=")
        if sep:
            out[override_key(key)] = value
    return out


def same_value(a: object, b: object) -> bool:
    """Whether two override values mean the same (``1.0`` and ``1``, ``null`` and ``None``)."""
    def norm(v: object) -> object:
        if isinstance(v, str):
            try:
                v = yaml.safe_load(v)
            except yaml.YAMLError:
                return v
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return float(v)
        return str(v)
    return norm(a) == norm(b)


def group_options(group: str, own_folder: str = "") -> list[str]:
    """The configs of a config group: for ``scenario``, every scenario file (built in and in
    ``own_folder``, the ``scenarios_dir``), usable or not, so that a sweep over them all meets
    a bad file and is refused; else the YAML files of ``conf/<group>/``."""
    if group == "scenario":
        from sim.running.scenarios import library

        return list(library(own_folder))
    from importlib import resources

    folder = resources.files("sim.conf").joinpath(*group.split("/"))
    if not folder.is_dir():
        return []
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                  if p.name.endswith(".yaml"))


def sweep_values(override: Override, own_folder: str = "") -> list[str]:
    """The values a sweep override takes, as Hydra's basic sweeper lists them; a glob over
    a config group (``scenario='glob(*)'``) is matched against :func:`group_options`."""
    from hydra.core.override_parser.types import Glob

    value = override.value()
    if isinstance(value, Glob):
        return list(value.filter(group_options(override.key_or_group, own_folder)))
    return [str(v) for v in override.sweep_string_iterator()]


def _last_overrides(sweeper_params: dict[str, str], task_overrides: Iterable[str]) -> dict:
    """Key -> the override that sets it last (a preset's params, then the command line), as
    Hydra's basic sweeper reads them."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    args = [f"{k}={v}" for k, v in (sweeper_params or {}).items()] + list(task_overrides)
    return {override.get_key_element(): override
            for override in OverridesParser.create().parse_overrides(args)}


def sweep_size(sweeper_params: dict[str, str], task_overrides: Iterable[str]) -> int:
    """Number of jobs Hydra's basic sweeper makes from its params and the command line.

    Mirrors ``BasicSweeper``: one list per override key (command line after params, the
    last one wins), and the cartesian product of the lists.
    """
    return math.prod(len(sweep_values(o)) if o.is_sweep_override() else 1
                     for o in _last_overrides(sweeper_params, task_overrides).values())


def swept_keys(sweeper_params: dict[str, str], task_overrides: Iterable[str]) -> list[str]:
    """The keys a sweep sweeps (more than one value), from its params and command line."""
    return [override_key(key) for key, o in _last_overrides(sweeper_params,
                                                             task_overrides).items()
            if o.is_sweep_override()]


def write_sweep_info(sweep_dir: Path, total: int, baseline: list[str],
                     overrides: list[str], swept: list[str] | None = None) -> Path:
    """Record the sweep's size, baseline, command line and swept keys in ``sweep.json``.

    A sweep that is run again into the same folder keeps its first ``created`` time.
    """
    path = Path(sweep_dir) / SWEEP_FILE
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if path.exists():
        with contextlib.suppress(OSError, ValueError):
            created = json.loads(path.read_text(encoding="utf-8")).get("created", created)
    return write_json({"created": created, "total_runs": int(total),
                       "baseline": list(baseline), "overrides": list(overrides),
                       "swept": list(swept or [])}, path)


def read_sweep_info(sweep_dir: Path) -> dict:
    """``sweep.json`` as a dict, or ``{}`` when the folder has none."""
    path = Path(sweep_dir) / SWEEP_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SweepError(f"{path} cannot be read: {exc}") from None


def record_failure(folder: Path, exc: BaseException, scenario: str | None, seed: int | None,
                   overrides: list[str]) -> Path:
    """Write ``error.json`` into a run folder: what failed, with its traceback."""
    return write_json({
        "status": "failed",
        "scenario": scenario,
        "seed": seed,
        "overrides": list(overrides),
        "error_type": type(exc).__name__,
        "error": str(exc),
        "traceback": "".join(traceback.format_exception(exc)),
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }, Path(folder) / FAILED)


def is_run_folder(path: Path) -> bool:
    """A sub-folder that Hydra made for a job (or that holds a run's result)."""
    return path.is_dir() and any(
        (path / name).exists() for name in (".hydra/overrides.yaml", FINISHED, FAILED))


def run_folders(sweep_dir: Path) -> list[Path]:
    """The run folders of a sweep, in job order (by the leading job number, then name)."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        return []
    folders = [p for p in sweep_dir.iterdir()
               if p.name not in (REPORT_DIR, ".submitit") and is_run_folder(p)]

    def order(p: Path) -> tuple[int, str]:
        head = p.name.split("_", 1)[0]
        return (int(head) if head.isdigit() else 1 << 30, p.name)

    return sorted(folders, key=order)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _failed_since_finished(folder: Path) -> bool:
    """Whether the folder's latest attempt failed after an earlier one finished (a job that
    finishes removes ``error.json``, so a newer one means the rerun was refused or raised)."""
    error = folder / FAILED
    try:
        return error.exists() and error.stat().st_mtime_ns >= (folder / FINISHED).stat().st_mtime_ns
    except OSError:
        return False


def read_run(folder: Path) -> Run:
    """Status, scenario, seed and overrides of one run folder."""
    folder = Path(folder)
    overrides_file = folder / ".hydra" / "overrides.yaml"
    overrides: list[str] = []
    if overrides_file.exists():
        overrides = yaml.safe_load(overrides_file.read_text(encoding="utf-8")) or []
    run = Run(name=folder.name, folder=folder, status="unfinished",
              overrides=parse_overrides(overrides))
    if (folder / FINISHED).exists() and not _failed_since_finished(folder):
        manifest = _read_json(folder / FINISHED)
        run.status = "finished"
        run.scenario = manifest.get("scenario")
        run.seed = manifest.get("seed")
        run.seeds = list(manifest.get("seeds") or ([run.seed] if run.seed is not None else []))
        run.git_commit = manifest.get("git_commit")
        run.config = manifest.get("config")
        damaged = damage(folder, manifest)
        if damaged:
            run.status = "damaged"
            run.error = "damaged: " + ", ".join(damaged)
    elif (folder / FAILED).exists():
        error = _read_json(folder / FAILED)
        run.status = "failed"
        run.scenario = error.get("scenario")
        run.seed = error.get("seed")
        first = (error.get("error") or "").strip().splitlines()
        run.error = f"{error.get('error_type', 'Error')}: {first[0] if first else ''}".strip()
        if not run.overrides:
            run.overrides = parse_overrides(error.get("overrides", []))
    if run.scenario is None:
        run.scenario = run.overrides.get("scenario")
    if run.seed is None and "seed" in run.overrides:
        try:
            run.seed = int(run.overrides["seed"])
        except ValueError:
            run.seed = None
    return run


def read_runs(sweep_dir: Path) -> list[Run]:
    """Every run folder of a sweep; raise :class:`SweepError` if it is not a sweep folder."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise SweepError(f"{sweep_dir} is not a folder")
    runs = [read_run(p) for p in run_folders(sweep_dir)]
    if not runs:
        raise SweepError(f"{sweep_dir} is not a sweep folder: it holds no run folders "
                         f"(sub-folders with .hydra/overrides.yaml, {FINISHED} or {FAILED})")
    return runs


def sweep_parameters(runs: list[Run]) -> tuple[list[str], dict[str, str]]:
    """Override keys whose values differ between runs (the sweep's parameters, in order of
    first appearance) and the overrides every run shares (key -> value)."""
    keys: list[str] = []
    for run in runs:
        keys += [k for k in run.overrides if k not in keys and not k.startswith("hydra")
                 and k.split(".")[0].split("/")[0] not in NOT_PARAMETERS]
    varying, constant = [], {}
    for key in keys:
        values = {run.overrides.get(key) for run in runs}
        if len(values) > 1:
            varying.append(key)
        else:
            constant[key] = values.pop()
    return varying, constant


def runs_table(runs: list[Run], parameters: list[str]) -> pd.DataFrame:
    """One row per job folder: folder, scenario, sweep parameters, (first) seed, number of
    seeds, status, error."""
    import pandas as pd

    rows = []
    for run in runs:
        row = {"run": run.name, "scenario": run.scenario}
        row.update({key: run.overrides.get(key) for key in parameters})
        row.update({"seed": run.seed, "n_seeds": len(run.seeds) if run.seeds else None,
                    "status": run.status, "error": run.error})
        rows.append(row)
    return pd.DataFrame(rows, columns=["run", "scenario", *parameters, "seed", "n_seeds",
                                       "status", "error"])


def monthly_table(run: Run) -> pd.DataFrame:
    """A finished job's monthly table with a ``seed`` column: an arm's ``monthly.parquet``, or
    a single run's ``monthly.csv`` with its seed."""
    import pandas as pd

    if len(run.seeds) > 1:
        return pd.read_parquet(run.folder / "monthly.parquet")
    monthly = pd.read_csv(run.folder / "monthly.csv", dtype={"month": str})
    if "seed" not in monthly:  # a single run's table
        monthly.insert(0, "seed", run.seed)
    return monthly


def tidy_table(runs: list[Run], parameters: list[str]) -> pd.DataFrame:
    """The monthly tables of all finished jobs stacked into one tidy table.

    Columns: ``run``, ``scenario``, one column per sweep parameter (the override's text),
    ``seed``, ``month`` (YYYY-MM), ``region``, and the counts of :data:`COUNTS` [events per
    month and region]. An arm contributes one block of rows per seed.
    """
    import pandas as pd

    frames = []
    for run in runs:
        if run.status != "finished":
            continue
        monthly = monthly_table(run)
        head = {"run": run.name, "scenario": run.scenario}
        head.update({key: run.overrides.get(key) for key in parameters})
        frames.append(monthly.assign(**head))
    columns = ["run", "scenario", *parameters, "seed", "month", "region", *COUNTS]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True)[columns]
    table["seed"] = table["seed"].astype("int64")
    table["month"] = table["month"].astype(str)
    return table


def count_done(sweep_dir: Path, since: float = 0.0) -> tuple[int, int]:
    """(finished, failed) runs in a sweep folder; a failure counts only if recorded at or
    after ``since`` (seconds since the epoch), so failures of an earlier attempt that this
    attempt re-runs are not counted twice."""
    finished = failed = 0
    for folder in run_folders(sweep_dir):
        if (folder / FINISHED).exists():
            finished += 1
        elif (folder / FAILED).exists():
            try:
                if (folder / FAILED).stat().st_mtime >= since:
                    failed += 1
            except OSError:
                pass
    return finished, failed
