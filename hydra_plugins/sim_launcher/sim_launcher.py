"""sim's Hydra launcher: a sweep's jobs on a pool of warm worker processes.

``hydra/launcher=sim`` (the default in conf/config.yaml) runs every job the way Hydra's
``run_job`` does (:func:`sim.app.worker.run_job` follows it step for step), so each job's folder,
``.hydra/`` files, logging and callbacks are those of Hydra's joblib launcher, and so are the
results, byte for byte (tests/test_launcher.py). It differs in what it costs per job:

* the sweep's context (Hydra's config loader, the sweep config, the task function, Hydra's
  global state) is sent to each worker once, not with every job;
* a worker composes one config for all the jobs that differ only in plain values such as the
  seed, and derives each job's config from it (:class:`sim.app.jobs.JobComposer`), instead of
  composing every job from the config files;
* Hydra's job set-up copies the config less and writes ``.hydra/`` with libyaml;
* workers are forked from a server that has already imported sim (:mod:`sim.app.pool`), which
  ``sim -m`` starts before it composes the sweep.

Settings (``hydra.launcher.<key>``):
    n_jobs: worker processes; -1 (default) or 0 is one per usable core. Never more than the
        jobs.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import cloudpickle
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

log = logging.getLogger(__name__)


class SimLauncher(Launcher):
    """Run a batch of jobs on ``n_jobs`` worker processes (see the module docstring)."""

    def __init__(self, n_jobs: int = -1) -> None:
        from sim.app.pool import check_n_jobs

        self.n_jobs = check_n_jobs(n_jobs)
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        self.config = config
        self.task_function = task_function
        self.hydra_context = hydra_context

    def launch(self, job_overrides: Sequence[Sequence[str]],
               initial_job_idx: int) -> Sequence[JobReturn]:
        from sim.app import pool
        from sim.app.jobs import JobComposer

        assert self.config is not None and self.hydra_context is not None
        assert self.task_function is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        workers = pool.n_workers(self.n_jobs, len(job_overrides))
        log.info("sim launcher: %d jobs on %d worker processes, sweep output dir: %s",
                 len(job_overrides), workers, sweep_dir)
        for idx, overrides in enumerate(job_overrides):
            log.info("\t#%d : %s", initial_job_idx + idx, " ".join(filter_overrides(overrides)))
        # Compose the first jobs' configs here while the fork server imports sim (this process
        # would otherwise wait), and send them to every worker with the sweep's context.
        composer = JobComposer(self.hydra_context.config_loader, self.config)
        for overrides in job_overrides[:workers]:
            composer.prepare(list(overrides))
        payload = cloudpickle.dumps((self.hydra_context, composer, self.task_function,
                                     Singleton.get_state()))
        executor = ProcessPoolExecutor(workers, mp_context=pool.context(),
                                       initializer=pool.initialize_worker, initargs=(payload,))
        futures: list[Future] = []
        try:
            futures = [executor.submit(pool.run_job, initial_job_idx + idx, list(overrides))
                       for idx, overrides in enumerate(job_overrides)]
            return [pickle.loads(future.result()) for future in futures]
        except BrokenProcessPool as exc:
            done = sum(f.done() and not f.cancelled() and f.exception() is None
                       for f in futures)
            raise RuntimeError(
                f"sim launcher: a worker process died ({exc}); {done} of {len(futures)} "
                "jobs had finished and their runs are saved; run the same command again to "
                "run the rest") from None
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
