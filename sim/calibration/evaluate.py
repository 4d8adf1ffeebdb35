"""Run parameter candidates over several seeds, in parallel worker processes."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.analysis.summary import OTHER_MONITOR_PREFIXES
from sim.calibration import coordinates
from sim.model.observation import COLUMNS, COUNTED
from sim.running import pool
from sim.running.runner import run
from sim.running.validation import validate


def set_path(config: dict, path: str, value) -> None:
    """Set a dotted ``path`` (e.g. ``model.groups.ttp.attack_rate``) in a nested dict."""
    *parents, leaf = path.split(".")
    node = config
    for key in parents:
        if key not in node or not isinstance(node[key], dict):
            raise KeyError(f"{path}: no such config key ({key!r} missing)")
        node = node[key]
    if leaf not in node:
        raise KeyError(f"{path}: no such config key ({leaf!r} missing)")
    node[leaf] = value


def with_parameters(base: dict, parameters: dict[str, float]) -> dict:
    """A copy of the plain config ``base`` with ``parameters`` set (calibration coordinates
    set the model parameters they stand for: :mod:`sim.calibration.coordinates`)."""
    config = copy.deepcopy(base)
    for path, value in coordinates.to_model(parameters, base).items():
        set_path(config, path, value)
    return config


CALIBRATION_MONITOR = "crss"
"""The monitor whose figures the calibration targets are (the seed articles report CRSS)."""


def monitor_view(monitors_monthly: pd.DataFrame, monitor: str = CALIBRATION_MONITOR
                 ) -> pd.DataFrame:
    """One monitor's monthly view as a table shaped like the events' monthly table (month,
    region, the counted columns; NaN where the monitor does not count a quantity)."""
    rows = monitors_monthly["monitor"] == monitor
    return monitors_monthly.loc[rows].drop(columns="monitor").reset_index(drop=True)


OTHER_MONITORS: tuple[str, ...] = tuple(prefix[:-1] for prefix in OTHER_MONITOR_PREFIXES)
"""The monitors whose counts ride along in the calibration view as prefixed columns."""


def calibration_view(monitors_monthly: pd.DataFrame) -> pd.DataFrame:
    """CRSS's monthly view (:func:`monitor_view`) with every other monitor's counted columns
    beside it, named ``<monitor>_<column>`` (e.g. ``picss_attacks``, ``pips_fatalities_in_attacks``;
    only the columns that monitor counts: :data:`sim.model.observation.COUNTED`). Each
    monitor's figures are then compared with its own view of the same run, on its own
    definition (:func:`sim.analysis.summary.run_summary`)."""
    view = monitor_view(monitors_monthly)
    monitors = monitors_monthly["monitor"].to_numpy()
    labels = {key: monitors_monthly[key].to_numpy() for key in ("month", "region")}
    crss_rows = np.flatnonzero(monitors == CALIBRATION_MONITOR)
    columns = {}
    for monitor in OTHER_MONITORS:
        rows = np.flatnonzero(monitors == monitor)
        if len(rows) != len(crss_rows) or any(
                not np.array_equal(values[rows], values[crss_rows]) for values in labels.values()):
            raise ValueError(f"the {monitor} view's months and regions differ from CRSS's")
        for column in COLUMNS:
            if column in COUNTED[monitor]:
                columns[f"{monitor}_{column}"] = monitors_monthly[column].array[rows]
    return pd.concat([view, pd.DataFrame(columns, index=view.index)], axis=1)


def run_monthly(config: dict, seed: int) -> pd.DataFrame:
    """One run of a plain config with ``seed``: the monthly figures CRSS would report of it
    (:data:`CALIBRATION_MONITOR`), with PICSS's and PIPS's beside them
    (:func:`calibration_view`): what the calibration targets are compared with."""
    config = {**config, "seed": int(seed)}
    return calibration_view(run(validate(config)).monitors_monthly)


def run_tables(config: dict, seed: int) -> dict[str, pd.DataFrame]:
    """One run of a plain config with ``seed``: its monthly events, monthly state and the
    monitors' monthly views."""
    result = run(validate({**config, "seed": int(seed)}))
    return {"monthly": result.monthly, "state": result.state,
            "monitors_monthly": result.monitors_monthly}


class Evaluator:
    """Runs a config over seeds on a pool of worker processes (or inline with 1 worker)."""

    def __init__(self, n_jobs: int = -1):
        self.workers = pool.n_workers(n_jobs)
        # Workers start from sim's fork server (sim.running.pool), not by forking this process:
        # it runs threads (Hydra, Optuna, pytest), and forking a threaded process can deadlock.
        self.pool = pool.executor(self.workers) if self.workers > 1 else None

    def map(self, function: Callable, *arguments: Sequence) -> list:
        """``function`` over the arguments (one sequence per parameter), in order, on the
        workers (inline with one worker)."""
        if self.pool is None:
            return [function(*args) for args in zip(*arguments, strict=True)]
        return list(self.pool.map(function, *arguments))

    def monthly(self, config: dict, seeds: Sequence[int]) -> list[pd.DataFrame]:
        """:func:`run_monthly` for every seed."""
        return self.map(run_monthly, [config] * len(seeds), seeds)

    def tables(self, config: dict, seeds: Sequence[int]) -> list[dict[str, pd.DataFrame]]:
        """:func:`run_tables` for every seed."""
        return self.map(run_tables, [config] * len(seeds), seeds)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
