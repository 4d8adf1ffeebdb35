"""Writing a run's folder: tidy tables, the manifest, atomically.

Every file is written to a temporary name in the same folder and renamed into place, so a
crash never leaves a half-written file that looks whole.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import secrets
import subprocess
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from sim.data import reported
from sim.running.integrity import DIGESTS, digests

if TYPE_CHECKING:
    import pandas as pd

    from sim.running.config import RunConfig
    from sim.running.runner import SimulationResult

PACKAGES = ("sim", "mesa", "numpy", "pandas", "matplotlib", "hydra-core", "omegaconf", "pyarrow")


def _new_temporary_file(path: Path) -> Path:
    """Create an empty, uniquely named file beside ``path`` with the mode the umask allows.

    Unlike :func:`tempfile.mkstemp` (always mode 0600), the file gets ``0666 & ~umask``, as
    any file a program creates, so colleagues sharing a results folder can read it.
    """
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    The file's mode follows the umask (``0666 & ~umask``), like any newly created file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _new_temporary_file(path)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_json(data: dict, path: Path) -> Path:
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@cache
def git_commit() -> str | None:
    """The commit of the source tree sim runs from, when it is a git checkout (asked once per
    process: a sweep's runs share it)."""
    source = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty else "")


@cache
def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


RANDOM_STREAMS = ("numpy SeedSequence(seed).spawn per purpose (sim.model.rng.STREAMS); "
                  "levers: SeedSequence(seed, spawn_key=(1000, crc32(name)))")
"""How a run's random streams are split off its seed, as every manifest states it."""


def provenance(config: RunConfig) -> dict:
    """What every manifest (a run's or an arm's) records besides its own facts: scenario,
    window, random stream layout, sim's version, git commit, package versions, the reported
    figures' sha256 and when it was written."""
    return {
        "sim_version": package_versions()["sim"],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": config.scenario.name,
        "random_streams": RANDOM_STREAMS,
        "window": {"start": str(config.calendar.start), "end": str(config.calendar.end)},
        "git_commit": git_commit(),
        "packages": package_versions(),
        "reported_figures_sha256": reported.sha256(),
    }


def manifest(result: SimulationResult, files: list[str], sha256: dict[str, str] | None = None
             ) -> dict:
    """Everything needed to reproduce and trust a run's outputs, with the digest of every file
    written (:mod:`sim.running.integrity`)."""
    cfg = result.config
    return {**provenance(cfg), "seed": cfg.seed, "config": cfg.resolved, "files": files,
            DIGESTS: dict(sha256 or {})}


def write_run(result: SimulationResult, folder: Path,
              figures: Callable[[SimulationResult, Path], list[Path]] | None = None
              ) -> list[Path]:
    """Write a run's tables, its figures and its manifest into ``folder``; the manifest last.

    The tables: the simulated events (``monthly.csv``, ``annual.csv``), the state, the lever
    events, the crossings, and the monitors' views of the events (``monitors_monthly.csv``,
    ``monitors_annual.csv``); with ``output.parquet``, the monthly and the monitor tables
    also as Parquet.

    ``figures(result, folder)`` draws the run's figures and returns their paths (the app
    passes :func:`sim.analysis.plots.overview_figures`; running knows nothing of plots). It is
    called only when ``output.plots`` is on.
    """
    folder = Path(folder)
    written = [
        write_csv(result.monthly, folder / "monthly.csv"),
        write_csv(result.annual, folder / "annual.csv"),
        write_csv(result.state, folder / "state.csv"),
        write_csv(result.lever_events, folder / "levers.csv"),
        write_csv(result.crossings, folder / "crossings.csv"),
        write_csv(result.monitors_monthly, folder / "monitors_monthly.csv"),
        write_csv(result.monitors_annual, folder / "monitors_annual.csv"),
    ]
    if result.config.output.parquet:
        written.append(write_parquet(result.monthly, folder / "monthly.parquet"))
        written.append(write_parquet(result.monitors_monthly, folder / "monitors_monthly.parquet"))
        written.append(write_parquet(result.monitors_annual, folder / "monitors_annual.parquet"))
    if figures is not None and result.config.output.plots:
        written += figures(result, folder)
    names = [p.name for p in written]
    written.append(write_json(manifest(result, names, digests(folder, names)),
                              folder / "manifest.json"))
    return written


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as CSV or Parquet, by the suffix of ``path``, with pyarrow (several
    times faster than pandas' writers on large tables); strings are quoted in CSV, NaN is
    written as an empty field."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    if Path(path).suffix == ".parquet":
        return atomic_write(path, lambda tmp: pq.write_table(table, tmp))
    return atomic_write(path, lambda tmp: pcsv.write_csv(table, tmp))
