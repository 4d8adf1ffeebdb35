"""Run parameter candidates over several seeds, in parallel worker processes."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from sim.running import pool
from sim.running.config import validate
from sim.running.runner import run


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
    """A copy of the plain config ``base`` with ``parameters`` set."""
    config = copy.deepcopy(base)
    for path, value in parameters.items():
        set_path(config, path, value)
    return config


def run_monthly(config: dict, seed: int) -> pd.DataFrame:
    """One run of a plain config with ``seed``: its monthly table."""
    config = {**config, "seed": int(seed)}
    return run(validate(config)).monthly


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
        self.pool = (ProcessPoolExecutor(self.workers, mp_context=pool.context())
                     if self.workers > 1 else None)

    def monthly(self, config: dict, seeds: Sequence[int]) -> list[pd.DataFrame]:
        if self.pool is None:
            return [run_monthly(config, s) for s in seeds]
        return list(self.pool.map(run_monthly, [config] * len(seeds), seeds))

    def tables(self, config: dict, seeds: Sequence[int]) -> list[dict[str, pd.DataFrame]]:
        """:func:`run_tables` for every seed."""
        if self.pool is None:
            return [run_tables(config, s) for s in seeds]
        return list(self.pool.map(run_tables, [config] * len(seeds), seeds))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
