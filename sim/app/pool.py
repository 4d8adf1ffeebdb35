"""Worker processes for sweeps and calibration, forked from a server that has imported sim.

Workers start from ``multiprocessing``'s fork server rather than by forking the main process:
a sweep's main process runs threads (sim's progress watcher, Hydra's logging), and forking a
threaded process can deadlock. The server imports :data:`PRELOAD` once, so every worker
forked from it starts with sim, Hydra, pandas and Mesa already imported (about a second
saved per worker). ``sim -m`` starts the server first thing (:func:`warm`), so it imports
while the main process composes and checks the sweep.

This module imports nothing heavy, so :func:`warm` can run before sim itself is imported.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import BaseContext

PRELOAD = ["sim.app.worker"]
"""Modules the fork server imports before it forks workers (sim.app.worker imports the rest)."""


def context() -> BaseContext:
    """The ``forkserver`` start context, preloading :data:`PRELOAD`.

    The preload list only counts until the server starts (once per process); workers import
    whatever else they need themselves, so results never depend on it.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm() -> None:
    """Start the fork server now, so that it imports sim while the caller goes on."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


N_JOBS_ALLOWED = "a whole number of worker processes: 1 or more, or -1 (or 0) for one per core"


def check_n_jobs(value: object, key: str = "hydra.launcher.n_jobs") -> int:
    """``value`` as a number of worker processes; :class:`sim.running.config.ConfigError` (a
    ValueError) naming ``key`` otherwise."""
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or int(text) < -1:
        from sim.running.config import ConfigError  # only now: this module stays light to import

        raise ConfigError(key, value, N_JOBS_ALLOWED)
    return int(text)


def n_workers(n_jobs: int, n_tasks: int | None = None) -> int:
    """Worker processes for ``n_jobs`` (-1 or 0: every core), at most one per task."""
    workers = cores() if n_jobs in (-1, 0) else max(1, n_jobs)
    return workers if n_tasks is None else max(1, min(workers, n_tasks))


def initialize_worker(payload: bytes) -> None:
    """Worker initializer for sim's launcher: :func:`sim.app.worker.initialize`.

    Imported from here, so that the launcher's own process never imports the model (it only
    names these two functions); workers have it imported already.
    """
    from sim.app import worker

    worker.initialize(payload)


def run_job(idx: int, overrides: list[str]) -> bytes:
    """Run one job of a sweep in a worker (:func:`sim.app.worker.run`); its ``JobReturn``
    pickled with cloudpickle, which also takes the classes Hydra's plugin scan loads twice
    (the plain pickle of the result queue refuses them)."""
    import cloudpickle

    from sim.app import worker

    return cloudpickle.dumps(worker.run(idx, overrides))
