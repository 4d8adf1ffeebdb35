"""One Hydra job that runs an arm: an ensemble of seeds of one config into one folder.

``sim scenario=no_closure ensemble.size=30`` runs seeds ``seed .. seed+29`` on every usable
core (:func:`sim.running.ensemble.run_ensemble`), then writes the arm's tables
(:func:`sim.running.arm_outputs.write_arm_tables`), its fan chart (:mod:`sim.analysis.fan`) and,
last, its manifest. A folder that already holds the finished arm is left as it is; one that
holds some of its seeds (an interrupted job) gets only the others run.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sim.running.config import RunConfig
from sim.running.integrity import digests
from sim.running.outputs import write_frame

log = logging.getLogger("sim")


def run_arm(config: dict, run_config: RunConfig, folder: Path) -> str:
    """Run (or complete) the arm ``config`` describes in ``folder``; return the job's status,
    ``finished`` or ``skipped`` (already finished)."""
    from sim.running.arm_outputs import is_finished
    from sim.running.ensemble import seed_range
    from sim.running.seed_chunks import SeedStore

    seeds = seed_range(run_config)
    if is_finished(folder, config, seeds):
        log.info("arm %s, seeds %d-%d: already finished in %s; nothing to do",
                 run_config.scenario.name, seeds[0], seeds[-1], folder)
        return "skipped"
    with SeedStore(folder).locked():  # one process per arm folder, from its seeds to its manifest
        return _run_and_write(config, run_config, folder, seeds)


def _run_and_write(config: dict, run_config: RunConfig, folder: Path, seeds: range) -> str:
    from sim.analysis.fan import lever_lines, monthly_bands, plot_fan, read_monitor_annual
    from sim.running.arm_outputs import arm_manifest, write_arm_manifest, write_arm_tables
    from sim.running.ensemble import run_ensemble

    ensemble = run_ensemble(config, folder, run_config)
    start = time.perf_counter()
    tables = write_arm_tables(folder, seeds)
    files = list(tables.files)
    files.append(write_frame(monthly_bands(tables.national), folder / "fan.csv"))
    if run_config.output.plots:
        title = f"scenario {run_config.scenario.name}, seeds {seeds[0]}-{seeds[-1]}"
        files.append(plot_fan(tables.national, lever_lines(tables.levers), title,
                              folder / "fan.png", read_monitor_annual(folder)))
    seconds = time.perf_counter() - start
    names = [p.name for p in files]
    manifest = arm_manifest(config, run_config, ensemble, names, tables.rows, seconds,
                            digests(folder, names))
    write_arm_manifest(folder, manifest)
    log.info("arm %s: %d seeds -> %s (tables and plots in %.1f s)", run_config.scenario.name,
             len(seeds), folder, seconds)
    return "finished"
