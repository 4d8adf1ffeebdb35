"""An arm folder's tables and manifest, built from the seeds an ensemble saved.

An arm is one config run over the seeds ``seed .. seed+size-1`` (``ensemble.size > 1``). Its
folder holds, besides ``seeds/`` (:mod:`sim.running.seed_chunks`) and Hydra's ``.hydra/``:

=================================== ================================================================
``monthly.parquet``, .csv           ``seed``, ``month`` (YYYY-MM), ``region``, counts [events per
                                    month and region]: the simulated events, the single run's
                                    monthly.csv with a seed column
``monitors_monthly.parquet``, .csv  ``seed``, ``month``, ``region``, ``monitor`` (crss, picss,
                                    pips), what each monitor would report of the events [events or
                                    people per month and region; empty where it does not count
                                    them]: the single run's monitors_monthly.csv with a seed column
``monitors_annual.parquet``, .csv   ``seed``, ``year``, ``region``, ``monitor``, the same
                                    observation summed by year
``state.parquet``, .csv             ``seed``, ``month``, militant strength, tolerance, permeability,
                                    ceasefire level, cells (month-end values)
``levers.parquet``, .csv            ``seed``, lever, kind, event, date
``crossings.parquet``, .csv         ``seed``, ``month``, crossing, cells in, cells out [cells per
                                    month]
``parameters.parquet``, .csv        when parameters are drawn (the default): ``seed``, the
                                    posterior ``row`` drawn and the parameter values
``fan.csv``, ``fan.png``            national monthly fatalities over seeds (written by the app)
``manifest.json``                   written last: the config, every seed, versions, files
=================================== ================================================================

Rows are in seed order, and within a seed in the run's own order. Tables are streamed from
the saved chunks in blocks of exactly :data:`ROWS_PER_BLOCK` rows (one Parquet row group each),
so the bytes of every file depend only on the seeds' results, not on how the seeds were
chunked, on how many workers ran them, or on whether the ensemble was interrupted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sim.running.config import RunConfig
from sim.running.ensemble import EnsembleRun, identity_sha256
from sim.running.integrity import DIGESTS, damage
from sim.running.outputs import atomic_write, provenance, write_json
from sim.running.seed_chunks import SeedStore
from sim.running.seed_tables import SEED
from sim.running.sweep import FINISHED

log = logging.getLogger("sim")

ROWS_PER_BLOCK = 1 << 20
"""Rows per Parquet row group and per block written to the CSV file."""
TABLE_ORDER = ("monitors_monthly", "monthly", "crossings", "state", "monitors_annual", "levers",
               "parameters")
"""Tables in the order they are written (largest first) and listed in the manifest."""


@dataclass
class ArmTables:
    """What :func:`write_arm_tables` wrote."""

    files: list[Path]
    rows: dict[str, int]
    """Rows of each table."""
    national: pd.DataFrame
    """National monthly fatalities per seed: ``seed``, ``month``, ``fatalities_total``."""
    levers: pd.DataFrame
    """Every seed's lever events: ``seed``, lever, kind, event, date."""


def atomic_write_all(paths: list[Path], write: Callable[[list[Path]], None]) -> None:
    """:func:`~sim.running.outputs.atomic_write` of several files written together: ``write``
    gets one temporary path per file; each file appears only once all are written."""
    if not paths:
        write([])
        return

    def inner(tmp: Path) -> None:
        atomic_write_all(paths[1:], lambda rest: write([tmp, *rest]))

    atomic_write(paths[0], inner)


def _seed_pieces(store: SeedStore, table: str, seeds: range) -> Iterator[pa.Table]:
    """The saved rows of ``seeds`` in ``table``, chunk by chunk in seed order; a seed saved
    twice (overlapping chunks) is taken once."""
    following = seeds.start
    for chunk in store.chunks():
        if chunk.last < following or chunk.first >= seeds.stop:
            continue
        if chunk.first > following:
            raise ValueError(f"{store.folder}: seeds {following}-{chunk.first - 1} are not saved")
        piece = store.read(chunk, table)
        if chunk.first < following or chunk.last >= seeds.stop:
            keep = pc.and_(pc.greater_equal(piece[SEED], following),
                           pc.less(piece[SEED], seeds.stop))
            piece = piece.filter(keep)
        following = min(chunk.last + 1, seeds.stop)
        yield piece
    if following < seeds.stop:
        raise ValueError(f"{store.folder}: seeds {following}-{seeds.stop - 1} are not saved")


def blocks(pieces: Iterable[pa.Table], rows: int = ROWS_PER_BLOCK) -> Iterator[pa.Table]:
    """The rows of ``pieces`` in the same order, re-cut into contiguous blocks of exactly
    ``rows`` rows (the last one may be shorter)."""
    pending: list[pa.Table] = []
    count = 0
    for piece in pieces:
        pending.append(piece)
        count += piece.num_rows
        while count >= rows:
            joined = pa.concat_tables(pending)
            yield joined.slice(0, rows).combine_chunks()
            rest = joined.slice(rows)
            pending, count = [rest], rest.num_rows
    if count:
        yield pa.concat_tables(pending).combine_chunks()


def _national(piece: pa.Table) -> pa.Table:
    return piece.group_by([SEED, "month"], use_threads=False).aggregate(
        [("fatalities_total", "sum")]).rename_columns([SEED, "month", "fatalities_total"])


def write_table(store: SeedStore, table: str, seeds: range, folder: Path,
                on_piece: Callable[[pa.Table], None] | None = None) -> tuple[list[Path], int]:
    """Stream ``table`` of ``seeds`` from the saved chunks into ``folder/<table>.parquet`` and
    ``.csv``; call ``on_piece`` with every piece read. Returns the files and the row count."""
    paths = [folder / f"{table}.parquet", folder / f"{table}.csv"]
    rows = 0

    def write(tmp: list[Path]) -> None:
        nonlocal rows
        parquet_writer = csv_writer = None
        schema = None
        try:
            for block in blocks(_with_callback(_seed_pieces(store, table, seeds), on_piece)):
                if parquet_writer is None:
                    schema = block.schema
                    parquet_writer = pq.ParquetWriter(tmp[0], schema)
                    csv_writer = pcsv.CSVWriter(tmp[1], schema)
                parquet_writer.write_table(block, row_group_size=ROWS_PER_BLOCK)
                csv_writer.write_table(block)
                rows += block.num_rows
            if parquet_writer is None:  # no rows at all: the schema of the first chunk
                empty = store.read(store.chunks()[0], table).slice(0, 0)
                pq.write_table(empty, tmp[0])
                pcsv.write_csv(empty, tmp[1])
        finally:
            if parquet_writer is not None:
                parquet_writer.close()
                csv_writer.close()

    atomic_write_all(paths, write)
    return paths, rows


def _with_callback(pieces: Iterable[pa.Table], on_piece) -> Iterator[pa.Table]:
    for piece in pieces:
        if on_piece is not None:
            on_piece(piece)
        yield piece


def write_arm_tables(folder: Path, seeds: range, threads: int | None = None) -> ArmTables:
    """Write the arm's tables (see the module docstring) for ``seeds`` from ``folder/seeds``.

    Tables are written side by side on ``threads`` threads (default: one per usable core, at
    most one per table): pyarrow reads and writes without holding the GIL, so the cores that
    ran the seeds also write their tables.
    """
    from sim.running.pool import usable_cores

    store = SeedStore(folder)
    names = [n for n in TABLE_ORDER if n in store.table_names()]
    national: list[pa.Table] = []

    def collect(piece: pa.Table) -> None:
        national.append(_national(piece))

    threads = max(1, min(len(names), threads or usable_cores()))
    with ThreadPoolExecutor(threads, thread_name_prefix="sim-arm-table") as executor:
        futures = {name: executor.submit(write_table, store, name, seeds, folder,
                                         collect if name == "monthly" else None)
                   for name in names}
    files: list[Path] = []
    rows: dict[str, int] = {}
    for name in names:
        written, rows[name] = futures[name].result()
        files += written
    nat = (pa.concat_tables(national).to_pandas() if national
           else pd.DataFrame(columns=[SEED, "month", "fatalities_total"]))
    levers = (pq.read_table(folder / "levers.parquet").to_pandas() if "levers" in names
              else pd.DataFrame(columns=[SEED, "lever", "kind", "event", "date"]))
    return ArmTables(files=files, rows=rows, national=nat, levers=levers)


def arm_manifest(config: dict, run_config: RunConfig, ensemble: EnsembleRun,
                 files: list[str], rows: dict[str, int], tables_seconds: float,
                 sha256: dict[str, str] | None = None) -> dict:
    """Everything needed to reproduce and trust an arm: what a single run's manifest holds
    (:func:`sim.running.outputs.manifest`), with every seed instead of one; and what the arm
    cost: wall and CPU times of running the seeds, and the wall time of writing its tables
    and plots (``tables_seconds``) [s]."""
    seeds = ensemble.seeds
    return {
        **provenance(run_config),
        "seed": seeds.start,
        "seeds": list(seeds),
        "ensemble": {
            "size": len(seeds), "first_seed": seeds.start, "last_seed": seeds[-1],
            "identity_sha256": ensemble.identity_sha256,
            "seeds_saved_before": ensemble.already_saved, "seeds_run": ensemble.ran,
            "workers": ensemble.workers, "run_seconds": round(ensemble.seconds, 3),
            "worker_cpu_seconds": round(ensemble.worker_cpu_seconds, 3),
            "main_cpu_seconds": round(ensemble.main_cpu_seconds, 3),
            "tables_seconds": round(tables_seconds, 3),
        },
        "config": {k: v for k, v in config.items() if k != "hydra"},
        "files": files,
        DIGESTS: dict(sha256 or {}),
        "rows": rows,
    }


def write_arm_manifest(folder: Path, manifest: dict) -> Path:
    """Write the arm's manifest: last, since it marks the arm finished."""
    return write_json(manifest, Path(folder) / FINISHED)


def is_finished(folder: Path, config: dict, seeds: range) -> bool:
    """Whether ``folder`` holds a finished arm of exactly this config and these seeds."""
    path = Path(folder) / FINISHED
    if not path.exists():
        return False
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    ensemble = saved.get("ensemble") or {}
    if not (ensemble.get("identity_sha256") == identity_sha256(config)
            and saved.get("seeds") == list(seeds)):
        return False
    damaged = damage(folder, saved)
    if damaged:
        log.warning("%s: the finished arm's files are damaged (%s); writing them again",
                    folder, ", ".join(damaged))
        Path(folder, FINISHED).unlink(missing_ok=True)
    return not damaged
