"""An ensemble: seeds ``seed, seed+1, ..., seed+size-1`` of one config, on all usable cores,
saved as they finish and resumed after an interruption.

The config is checked once per arm. Each seed then runs as
``sim.running.runner.run(for_seed(run_config, s))``: the same config with seed ``s`` and, with
``parameters.draw_from_posterior=true``, the parameters that seed draws
(:func:`sim.running.validation.for_seed`). Seeds go to worker processes in chunks of
consecutive seeds, sized from the time per seed measured so far to take about
:data:`CHUNK_SECONDS` each; a worker saves its chunk itself (:class:`~sim.running.seed_chunks.
SeedStore`) and sends back only a receipt, so nothing per seed crosses between processes but
two integers. With one worker the chunks run in this process.

A new attempt into the same arm folder runs only the seeds that are not saved yet; a folder
whose saved seeds are runs of another config is refused (:class:`~sim.running.seed_chunks.
SeedFolderConflict`). What counts as "the same config" is :func:`identity`: everything but the
seed, the ``ensemble`` keys and the ``output`` keys, so a larger ``ensemble.size`` extends an
arm and a smaller one reuses its seeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from omegaconf import OmegaConf

from sim.running import pool
from sim.running.config import RunConfig, SimConfig, check_config
from sim.running.progress import format_progress
from sim.running.seed_chunks import SeedStore
from sim.running.seed_tables import seed_tables
from sim.running.sweep import FINISHED
from sim.running.validation import for_seed, validate

if TYPE_CHECKING:
    from sim.running.runner import SimulationResult

log = logging.getLogger(__name__)

CHUNK_SECONDS = 1.5
"""Work one chunk of seeds should take on one worker [s]: small enough that a killed job
loses little, large enough that saving a chunk (a few ms) is a small share of it."""
MAX_CHUNK_SEEDS = 500
"""Most seeds in one chunk (bounds a worker's memory when runs are very fast)."""
RECENT_CHUNKS = 8
"""Chunks whose time per seed sizes the next chunk."""
IN_FLIGHT_PER_WORKER = 2
"""Chunks handed to the pool per worker at a time, so that no worker waits for the next."""
NOT_IDENTITY = ("seed", "ensemble", "output", "hydra")
"""Top-level config keys that do not change what a seed's run gives."""


class EnsembleError(RuntimeError):
    """An ensemble that stopped before all its seeds were saved; one line."""


def identity(config: dict) -> dict:
    """What a seed's results depend on besides the seed: the config, completed with the
    schema's defaults, without :data:`NOT_IDENTITY` and any drawn parameters (and without
    ``parameters.keep`` unless parameters are drawn and it lists some); with the posterior
    file's sha256 when parameters are drawn from it."""
    plain = {k: v for k, v in config.items() if k not in NOT_IDENTITY}
    if isinstance(plain.get("parameters"), dict):
        plain["parameters"] = {k: v for k, v in plain["parameters"].items() if k != "drawn"}
    full = OmegaConf.to_container(OmegaConf.merge(OmegaConf.structured(SimConfig), plain),
                                  resolve=True)
    full = {k: v for k, v in full.items() if k not in NOT_IDENTITY}
    parameters = full["parameters"]
    if not (parameters.get("draw_from_posterior") and parameters.get("keep")):
        parameters.pop("keep", None)  # it only matters for draws
    if parameters.get("draw_from_posterior"):
        from sim.running import posterior

        source = posterior.source(parameters.get("posterior_file", ""))
        parameters["posterior_sha256"] = (hashlib.sha256(source.read_bytes()).hexdigest()
                                          if source.is_file() else None)
    return json.loads(json.dumps(full, sort_keys=True, default=str))


def identity_sha256(config: dict, known: dict | None = None) -> str:
    """sha256 of :func:`identity` as canonical JSON (``known``: that identity, if the caller
    has it already)."""
    text = json.dumps(known if known is not None else identity(config), sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seed_range(run_config: RunConfig) -> range:
    """The ensemble's seeds: ``seed`` to ``seed + ensemble.size - 1``."""
    return range(run_config.seed, run_config.seed + run_config.ensemble.size)


# --- in the worker ----------------------------------------------------------------------------


@dataclass
class _Worker:
    run_config: RunConfig
    """The checked config with nothing drawn: each seed draws its own parameters from it when
    the config asks for draws (:func:`sim.running.validation.for_seed`)."""
    store: SeedStore


_worker: _Worker | None = None


@dataclass(frozen=True)
class ChunkReceipt:
    """What a worker sends back for a saved chunk."""

    first: int
    last: int
    seconds: float
    """Time the worker spent on the chunk, runs and saving [s]."""
    cpu_seconds: float = 0.0
    """CPU time the worker used for the chunk [s] (:func:`time.process_time`)."""

    @property
    def n_seeds(self) -> int:
        return self.last - self.first + 1


def initialize_worker(run_config: RunConfig, arm: str) -> None:
    """Keep the ensemble's context in this process (sent once per worker, not per chunk)."""
    global _worker
    _worker = _Worker(run_config, SeedStore(Path(arm)))


def run_seed(seed: int) -> SimulationResult:
    """One seed of the ensemble this process was initialised with.

    The model is imported here, not with this module: the process that hands out the seeds
    never runs one (unless it runs them all itself), and workers have it preloaded.
    """
    from sim.running import runner

    assert _worker is not None, "initialize_worker was not called in this process"
    return runner.run(for_seed(_worker.run_config, seed))


def run_chunk(first: int, last: int) -> ChunkReceipt:
    """Run seeds ``first`` to ``last`` and save them as one chunk."""
    start, cpu = time.perf_counter(), time.process_time()
    results = [run_seed(seed) for seed in range(first, last + 1)]
    _worker.store.write_chunk(first, last, seed_tables(results))
    return ChunkReceipt(first, last, time.perf_counter() - start, time.process_time() - cpu)


# --- in the main process ----------------------------------------------------------------------


def consecutive_ranges(seeds: list[int]) -> list[tuple[int, int]]:
    """Sorted seeds as (first, last) runs of consecutive numbers."""
    ranges: list[tuple[int, int]] = []
    for seed in sorted(seeds):
        if ranges and seed == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], seed)
        else:
            ranges.append((seed, seed))
    return ranges


class ChunkPlanner:
    """Cuts the seeds to run into chunks of consecutive seeds.

    The first chunks hold one seed each; later ones are sized from the time per seed of the
    recent chunks (their median, so that a worker's slow first seed does not count for long)
    to take about ``target_seconds`` on one worker, and near the end they shrink so that the
    workers finish together. The chunking never changes what is saved for a seed.
    """

    def __init__(self, seeds: list[int], workers: int, target_seconds: float = CHUNK_SECONDS,
                 max_seeds: int = MAX_CHUNK_SEEDS):
        self._ranges = deque(consecutive_ranges(seeds))
        self.workers = workers
        self.target_seconds = target_seconds
        self.max_seeds = max_seeds
        self.remaining = len(seeds)
        self._per_seed: deque[float] = deque(maxlen=RECENT_CHUNKS)

    def record(self, receipt: ChunkReceipt) -> None:
        self._per_seed.append(receipt.seconds / receipt.n_seeds)

    def size(self) -> int:
        """Seeds in the next chunk."""
        if not self._per_seed:
            return 1
        per_seed = statistics.median(self._per_seed)
        wanted = max(1, min(self.max_seeds, round(self.target_seconds / max(per_seed, 1e-6))))
        balance = math.ceil(self.remaining / (IN_FLIGHT_PER_WORKER * self.workers))
        return max(1, min(wanted, balance))

    def next(self) -> tuple[int, int] | None:
        """The next chunk (first, last), or None when every seed has been handed out."""
        if not self._ranges:
            return None
        first, end = self._ranges[0]
        last = min(end, first + self.size() - 1)
        if last == end:
            self._ranges.popleft()
        else:
            self._ranges[0] = (last + 1, end)
        self.remaining -= last - first + 1
        return first, last


@dataclass
class EnsembleRun:
    """What :func:`run_ensemble` did."""

    seeds: range
    already_saved: int
    """Seeds found saved by an earlier attempt (not run again)."""
    ran: int
    """Seeds run now."""
    workers: int
    seconds: float
    """Wall time of running the seeds [s]."""
    worker_cpu_seconds: float = 0.0
    """CPU time the workers used for the seeds run now, runs and saving [s]."""
    main_cpu_seconds: float = 0.0
    """CPU time this process used meanwhile, handing out seeds and logging [s]."""
    identity_sha256: str = ""
    """:func:`identity_sha256` of the config the seeds are runs of."""


class _Progress:
    """Logs ``ensemble progress`` lines: at most every ``every_seconds``, and the last one."""

    def __init__(self, total: int, already: int, every_seconds: float):
        self.total, self.done, self.every = total, already, every_seconds
        self.start = time.perf_counter()
        self._ran = 0
        self._logged = self.start

    def add(self, n_seeds: int) -> None:
        self.done += n_seeds
        self._ran += n_seeds
        now = time.perf_counter()
        if now - self._logged >= self.every or self.done >= self.total:
            pace = (now - self.start) / self._ran
            log.info(format_progress("ensemble", self.done, self.total, now - self.start, pace,
                                     unit="seeds"))
            self._logged = now


def _run_in_process(planner: ChunkPlanner, payload: tuple,
                    on_saved: Callable[[ChunkReceipt], None]) -> None:
    global _worker
    initialize_worker(*payload)
    try:
        while (chunk := planner.next()) is not None:
            on_saved(run_chunk(*chunk))
    finally:
        _worker = None


def _run_on_pool(planner: ChunkPlanner, payload: tuple,
                 on_saved: Callable[[ChunkReceipt], None]) -> None:
    executor = pool.executor(planner.workers, initializer=initialize_worker, initargs=payload)
    running: set[Future] = set()
    try:
        while True:
            while len(running) < IN_FLIGHT_PER_WORKER * planner.workers:
                chunk = planner.next()
                if chunk is None:
                    break
                running.add(executor.submit(run_chunk, *chunk))
            if not running:
                return
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                on_saved(future.result())
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def run_ensemble(config: dict, folder: Path, run_config: RunConfig | None = None,
                 progress_seconds: float = 10.0) -> EnsembleRun:
    """Run every seed of the ensemble ``config`` describes that ``folder`` does not hold yet.

    Args:
        config: the plain (resolved) config, with ``seed`` the first seed and
            ``ensemble.size`` the number of seeds.
        folder: the arm folder; seeds are saved in ``folder/seeds/``.
        run_config: ``validate(config)``, if the caller has it already (it is not validated
            again).
        progress_seconds: least time between two progress lines in the log [s].

    Raises:
        ConfigError: the config is not valid.
        SeedFolderConflict: ``folder`` holds seeds of another config, or another process is
            running this arm.
        EnsembleError: a worker process died; the seeds saved so far are kept.
    """
    run_config = run_config or validate(config)
    seeds = seed_range(run_config)
    draws = run_config.parameters.draw_from_posterior
    base = check_config(config) if draws else run_config  # seeds draw from the undrawn config
    store = SeedStore(folder)
    with store.locked():
        ident = identity(config)
        digest = identity_sha256(config, ident)
        store.claim(ident, digest)
        (folder / FINISHED).unlink(missing_ok=True)  # unfinished until its tables are rewritten
        store.remove_unfinished()
        saved = store.saved_seeds(seeds)
        todo = [s for s in seeds if s not in saved]
        workers = pool.n_workers(run_config.ensemble.n_jobs, len(todo))
        log.info("ensemble: %d seeds (%d-%d) of scenario %s in %s: %d already done, %d to run "
                 "on %d worker process%s", len(seeds), seeds[0], seeds[-1],
                 run_config.scenario.name, folder, len(saved), len(todo), workers,
                 "" if workers == 1 else "es")
        start, cpu = time.perf_counter(), time.process_time()
        worker_cpu = 0.0
        if todo:
            planner = ChunkPlanner(todo, workers)
            progress = _Progress(len(seeds), len(saved), progress_seconds)

            def on_saved(receipt: ChunkReceipt) -> None:
                nonlocal worker_cpu
                log.debug("seeds %d-%d saved (%.3f s)", receipt.first, receipt.last,
                          receipt.seconds)
                worker_cpu += receipt.cpu_seconds
                planner.record(receipt)
                progress.add(receipt.n_seeds)

            payload = (base, str(folder))
            try:
                if workers == 1:
                    _run_in_process(planner, payload, on_saved)
                else:
                    _run_on_pool(planner, payload, on_saved)
            except BrokenProcessPool as exc:
                raise EnsembleError(
                    f"a worker process died ({exc}); {progress.done} of {len(seeds)} seeds are "
                    f"saved in {store.folder}; run the same command again to run the rest"
                ) from None
    main_cpu = time.process_time() - cpu
    if workers == 1:  # the seeds ran in this process: their time is the workers'
        main_cpu = max(0.0, main_cpu - worker_cpu)
    return EnsembleRun(seeds=seeds, already_saved=len(saved), ran=len(todo), workers=workers,
                       seconds=time.perf_counter() - start, worker_cpu_seconds=worker_cpu,
                       main_cpu_seconds=main_cpu, identity_sha256=digest)
