"""Hydra callbacks for sweeps (configured under ``hydra.callbacks`` in conf/config.yaml).

* :class:`SweepProgress` logs how far a sweep is: jobs (arms or single runs) done of total,
  elapsed time and an estimate of the time left. Jobs may run in other processes (joblib
  workers, submitit jobs), so it watches the sweep folder from the main process: a job is
  done when its folder holds ``manifest.json`` (finished) or ``error.json`` (failed). Each
  arm logs its own progress over seeds in its log (``ensemble progress: ...``).
* :class:`SweepReport` records the sweep's size and baseline in ``sweep.json`` when the
  sweep starts and writes the comparison report (:func:`sim.analysis.compare.build_report`) when it
  ends.

Both act only on multiruns (``sim -m``); a single run ignores them.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.running.progress import format_progress
from sim.running.sweep import count_done, sweep_size, swept_keys, write_sweep_info

log = logging.getLogger("sim.sweep")
OUTCOME: dict[str, str] = {}
"""What went wrong in the sweep that just ended (``problem``), for the command's exit status;
empty when every job finished and the report was written."""


def _sweep_dir(config: DictConfig) -> Path:
    return Path(config.hydra.sweep.dir)


def _sweeper_params(config: DictConfig) -> dict[str, str]:
    """The sweep preset's ``hydra.sweeper.params`` as override text."""
    params = config.hydra.sweeper.get("params")
    params = OmegaConf.to_container(params, resolve=True) if params else {}
    return {k: str(v) for k, v in params.items()}


def _total(config: DictConfig) -> int:
    return sweep_size(_sweeper_params(config), list(config.hydra.overrides.task))


def sweep_progress_line(done: int, failed: int, total: int, elapsed: float,
                        pace: float | None) -> str:
    """One progress line: jobs done of total, elapsed time [s] and, given the ``pace`` of
    recent jobs [s per job], the estimated time left."""
    return format_progress("sweep", done, total, elapsed, pace, unit="jobs", failed=failed)


class SweepProgress(Callback):
    """Log sweep progress from the main process while the jobs run.

    Args:
        every_seconds: least time between two progress lines [s]; the last line (all runs
            done) is always logged.
        poll_seconds: how often the sweep folder is checked [s].
    """

    def __init__(self, every_seconds: float = 10.0, poll_seconds: float = 1.0):
        self.every_seconds = float(every_seconds)
        self.poll_seconds = float(poll_seconds)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __getstate__(self) -> dict:
        # Launchers pickle the callbacks to send them to the workers (joblib, submitit); the
        # watcher thread stays in the main process.
        return {"every_seconds": self.every_seconds, "poll_seconds": self.poll_seconds}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        folder, total = _sweep_dir(config), _total(config)
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, args=(folder, total),
                                        name="sim-sweep-progress", daemon=True)
        self._thread.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _watch(self, folder: Path, total: int) -> None:
        start = time.time()
        done_before = sum(count_done(folder, since=start))
        last_logged, last_done = 0.0, -1
        first: tuple[float, int] | None = None  # time and count when a job first finished
        log.info("sweep: %d jobs into %s (%d already done)", total, folder, done_before)
        while True:
            stopping = self._stop.wait(self.poll_seconds)
            finished, failed = count_done(folder, since=start)
            done = finished + failed
            now = time.time()
            if first is None and done > done_before:
                first = (now, done)
            # Pace from the first finished job on: start-up (composing every job's config,
            # starting workers) is not part of it.
            pace = ((now - first[0]) / (done - first[1])
                    if first is not None and done > first[1] else None)
            due = done != last_done and (now - last_logged >= self.every_seconds
                                         or done >= total)
            if due or (stopping and done != last_done):
                log.info(sweep_progress_line(done, failed, total, now - start, pace))
                last_logged, last_done = now, done
            if stopping:
                return


class SweepReport(Callback):
    """Write ``sweep.json`` when a sweep starts and the comparison report when it ends.

    Args:
        baseline: ``key=value`` overrides that pick the arm every other arm is compared
            with, seed by seed (default: ``scenario=as_happened``).
        enabled: set false to skip the report (``sim-compare`` can build it later).
    """

    def __init__(self, baseline: list[str] | None = None, enabled: bool = True):
        self.baseline = list(baseline or ["scenario=as_happened"])
        self.enabled = bool(enabled)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        OUTCOME.clear()
        folder = _sweep_dir(config)
        folder.mkdir(parents=True, exist_ok=True)
        task = list(config.hydra.overrides.task)
        write_sweep_info(folder, _total(config), self.baseline, task,
                         swept_keys(_sweeper_params(config), task))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if not self.enabled:
            return
        from sim.analysis.compare import build_report

        try:
            report = build_report(_sweep_dir(config), self.baseline)
        except Exception as exc:  # the jobs' results stay; the command must still fail
            OUTCOME["problem"] = (f"the sweep report failed ({type(exc).__name__}: "
                                  f"{str(exc).splitlines()[0] if str(exc) else ''})")
            log.error(OUTCOME["problem"])
            return
        if report.failed:
            for run in report.failed:
                log.warning("failed job %s: %s", run.name, run.error)
            OUTCOME["problem"] = (f"{len(report.failed)} of "
                                  f"{report.expected or report.n_runs} jobs failed")
            log.error(report.summary())
        else:
            log.info(report.summary())
