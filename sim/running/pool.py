"""Worker processes for ensembles and calibration: how many, and how they start.

Workers start from ``multiprocessing``'s fork server, not by forking the calling process:
the caller may run threads (Hydra's sweep progress watcher, Optuna, pytest), and forking a
threaded process can deadlock. The server imports :data:`PRELOAD` once, so every worker it
forks starts with the model, pandas and pyarrow imported.

This module imports nothing heavy, so :func:`warm` can run before sim itself is imported, and
config validation uses it to check ``ensemble.n_jobs``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

PRELOAD = ["sim.running.ensemble", "sim.running.runner"]
"""Modules the fork server imports before it forks workers: the ensemble's worker side and the
model."""
N_JOBS_PER_CORE = 4
"""Most worker processes per usable core that ``ensemble.n_jobs`` may ask for."""
ORPHAN_CHECK_SECONDS = 0.5
"""How often a worker checks that the process that made its pool is still there."""


def usable_cores() -> int:
    """CPU cores this process may use: its CPU affinity (``os.sched_getaffinity``), and no
    more than a SLURM task was given (``SLURM_CPUS_PER_TASK``) when it runs inside one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    slurm = os.environ.get("SLURM_CPUS_PER_TASK", "")
    if slurm.isdigit() and int(slurm) > 0:
        cores = min(cores, int(slurm))
    return max(1, cores)


def n_jobs_allowed() -> str:
    """What ``ensemble.n_jobs`` may be on this machine, for error messages."""
    return (f"-1 (one worker per usable core) or a whole number of worker processes in "
            f"1..{N_JOBS_PER_CORE * usable_cores()}")


def n_jobs_is_allowed(n_jobs: object) -> bool:
    """Whether ``n_jobs`` is -1 or a whole number in 1..4 x usable cores."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int):
        return False
    return n_jobs == -1 or 1 <= n_jobs <= N_JOBS_PER_CORE * usable_cores()


def n_workers(n_jobs: int, n_tasks: int | None = None) -> int:
    """Worker processes for ``n_jobs`` (-1 or 0: every usable core), never more than
    ``n_tasks``."""
    workers = usable_cores() if n_jobs in (-1, 0) else max(1, n_jobs)
    return workers if n_tasks is None else max(1, min(workers, n_tasks))


def context() -> BaseContext:
    """The ``forkserver`` start context, preloading :data:`PRELOAD`.

    Inside a worker of another pool (a joblib/loky worker running a Hydra job), the process's
    global start method is that pool's own (``loky``), which the fork server's children would
    try and fail to set up; it is set to ``forkserver`` first. The preload list only counts
    until the server starts (once per process); workers import whatever else they need, so
    results never depend on it.
    """
    if multiprocessing.get_start_method(allow_none=True) not in (
            None, *multiprocessing.get_all_start_methods()):
        multiprocessing.set_start_method("forkserver", force=True)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm() -> None:
    """Start the fork server in the background, so that it imports :data:`PRELOAD` while the
    caller goes on (about a second saved before an ensemble's first seed runs).

    A short-lived thread starts, and waits for, a process that does nothing; starting it
    starts the server, which then stays up for the ensemble's workers.
    """
    def start() -> None:
        process = context().Process(target=os.getpid, name="sim-fork-server-warm-up")
        process.start()
        process.join()

    threading.Thread(target=start, name="sim-fork-server-warm-up", daemon=True).start()


def executor(workers: int, initializer: Callable | None = None,
             initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes from the fork server whose workers end themselves, and
    the fork server, when the process that made the pool is gone, even if it was killed
    (SIGKILL runs no clean-up: the fork server and its workers would stay, blocked on pipes
    nobody writes to). ``initializer(*initargs)`` runs in each worker after the watch
    starts."""
    return ProcessPoolExecutor(workers, mp_context=context(), initializer=_start_worker,
                               initargs=(os.getpid(), initializer, initargs))


def _owner_is_gone(owner: int) -> bool:
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # pragma: no cover - the pid was reused by another user
        return True
    return False


def _start_worker(owner: int, initializer: Callable | None, initargs: tuple) -> None:
    def watch() -> None:
        while True:
            time.sleep(ORPHAN_CHECK_SECONDS)
            if _owner_is_gone(owner):
                os.kill(os.getppid(), signal.SIGTERM)  # the fork server serves no one now
                os._exit(1)

    threading.Thread(target=watch, name="sim-orphan-watch", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)
