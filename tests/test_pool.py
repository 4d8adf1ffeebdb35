"""Worker processes never outlive the command that started them.

An ensemble runs on worker processes forked by ``multiprocessing``'s fork server. When the
command is killed outright (SIGKILL: no clean-up runs), the fork server exits and each worker,
which watches its parent (:func:`sim.running.pool.executor`), ends itself within about a
second. Without the watch, the workers went on running their tasks for minutes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO


def children_of(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return status != "Z"


def test_a_killed_ensemble_leaves_no_worker_running(tmp_path):
    sim_command = Path(sys.executable).parent / "sim"
    command = subprocess.Popen(
        [str(sim_command), "ensemble.size=2000", "ensemble.n_jobs=2", "output.plots=false",
         f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 3:  # fork server + 2 workers
            time.sleep(0.5)
            workers = children_of(command.pid)
        assert len(workers) >= 3, f"the ensemble did not start its workers: {workers}"
        time.sleep(2)  # the workers are busy with seeds
        os.kill(command.pid, signal.SIGKILL)
        command.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p) for p in workers):
            time.sleep(0.5)
        survivors = [p for p in workers if alive(p)]
        assert not survivors, f"processes still running after the command was killed: {survivors}"
    finally:
        if command.poll() is None:
            command.kill()
        for pid in workers:  # a failed test leaves nothing running either
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
