"""The ``seeds/`` folder of an ensemble: finished seeds, saved in chunks as they finish.

Layout inside an arm folder::

    seeds/ensemble.json              what the saved seeds are runs of (see :meth:`SeedStore.claim`)
    seeds/seeds_000000-000024/       one chunk: seeds 0 to 24 (inclusive), one Parquet file
        monthly.parquet ...          per table of sim.running.seed_tables, each with a seed column
    seeds/.tmp-seeds_...             a chunk being written; removed when the next attempt starts
    seeds/.lock                      locked by the process that runs the ensemble

A chunk is written into a temporary folder, each file is flushed to disk (``fsync``), and the
folder is then renamed to its final name, so a chunk either exists whole or not at all: a
process killed at any moment leaves only whole chunks, and a new attempt runs the other seeds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.running.outputs import write_json

IDENTITY_FILE = "ensemble.json"
LOCK_FILE = ".lock"
_CHUNK = re.compile(r"^seeds_(\d+)-(\d+)$")
_held: set[Path] = set()
"""Seed folders whose lock this process holds (the lock is re-entrant within a process)."""


class SeedFolderConflict(ValueError):
    """An arm folder that holds seeds of another config, or that another process is writing;
    ``str()`` is one line that names the folder."""


@dataclass(frozen=True, order=True)
class Chunk:
    """Saved seeds ``first`` to ``last`` (inclusive) in ``path``."""

    first: int
    last: int
    path: Path

    @property
    def seeds(self) -> range:
        return range(self.first, self.last + 1)


def chunk_name(first: int, last: int) -> str:
    """``seeds_000000-000024`` for seeds 0 to 24."""
    return f"seeds_{first:06d}-{last:06d}"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def first_difference(old: object, new: object, path: str = "") -> str | None:
    """The first key path where two plain configs differ, with both values; None if equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                return f"{where} is only in the {'new' if key in new else 'saved'} config"
            found = first_difference(old[key], new[key], where)
            if found:
                return found
        return None
    if old != new:
        return f"{path or 'config'}: saved {old!r}, now {new!r}"
    return None


class SeedStore:
    """The ``seeds/`` folder of the arm folder ``arm``."""

    def __init__(self, arm: Path):
        self.arm = Path(arm)
        self.folder = self.arm / "seeds"

    def chunks(self) -> list[Chunk]:
        """Saved chunks, by first seed (then last)."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            match = _CHUNK.match(path.name)
            if match and path.is_dir():
                found.append(Chunk(int(match[1]), int(match[2]), path))
        return sorted(found)

    def saved_seeds(self, within: range) -> set[int]:
        """Seeds of ``within`` that are saved."""
        saved: set[int] = set()
        for chunk in self.chunks():
            lo, hi = max(chunk.first, within.start), min(chunk.last, within.stop - 1)
            saved.update(range(lo, hi + 1))
        return saved

    def table_names(self) -> list[str]:
        """Names of the tables in the saved chunks (those of the first chunk)."""
        chunks = self.chunks()
        if not chunks:
            return []
        return sorted(p.name.removesuffix(".parquet") for p in chunks[0].path.glob("*.parquet"))

    @staticmethod
    def read(chunk: Chunk, table: str) -> pa.Table:
        """One table of a chunk (read on this thread: a third of the time of
        ``pq.read_table`` for files this small)."""
        return pq.ParquetFile(chunk.path / f"{table}.parquet").read(use_threads=False)

    def write_chunk(self, first: int, last: int, tables: dict[str, pa.Table]) -> Path:
        """Save seeds ``first`` to ``last`` durably and atomically; return the chunk folder.

        If the same chunk is already saved (another process finished it first), it is kept.
        """
        final = self.folder / chunk_name(first, last)
        tmp = self.folder / f".tmp-{final.name}-{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir(parents=True)
        try:
            for name, table in tables.items():
                path = tmp / f"{name}.parquet"
                pq.write_table(table, path)
                _fsync(path)
            _fsync(tmp)
            try:
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():
                    raise
                shutil.rmtree(tmp)
            _fsync(self.folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def remove_unfinished(self) -> None:
        """Delete chunks that an earlier, killed attempt left half-written."""
        if self.folder.is_dir():
            for path in self.folder.glob(".tmp-*"):
                shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock: a second process running the same arm is refused. The lock
        goes with the process, however it ends; within a process it may be taken again."""
        self.folder.mkdir(parents=True, exist_ok=True)
        key = self.folder.resolve()
        if key in _held:
            yield
            return
        with open(self.folder / LOCK_FILE, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SeedFolderConflict(
                    f"{self.arm} is being written by another sim process; wait for it to end "
                    "or choose another output folder") from None
            except OSError:  # a file system without locks: go on unlocked
                pass
            _held.add(key)
            try:
                yield
            finally:
                _held.discard(key)

    def claim(self, identity: dict, digest: str) -> None:
        """Record that the seeds saved here are runs of ``identity`` (sha256 ``digest``), or
        raise :class:`SeedFolderConflict` if they are runs of another config."""
        path = self.folder / IDENTITY_FILE
        if path.exists():
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            if saved.get("identity_sha256") != digest:
                where = first_difference(saved.get("identity"), identity) or "unreadable record"
                raise SeedFolderConflict(
                    f"{self.arm} holds seeds of another config ({where}); delete that folder "
                    "to start over, or choose another output folder")
            return
        if self.chunks():
            raise SeedFolderConflict(f"{self.arm} holds seeds without a record of their config "
                                     f"({path} is missing); delete that folder to start over")
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json({"identity_sha256": digest, "identity": identity,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}, path)
