"""Shared fixtures: runs are cached per session so the suite stays fast."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim

REPO = Path(__file__).resolve().parents[1]
SHORT = ["window.start=2021-01-01", "window.end=2022-12-31", "levers.border_closure_2025=null"]
"""Overrides for a two-year run (2021-2022) that keeps the takeover and the 2022 ceasefire."""


@pytest.fixture(scope="session")
def default_result():
    """The default study: scenario as_happened, seed 0, full window."""
    return sim.simulate(seed=0)


def run_cli(args: list[str], cwd: Path, module: bool = False) -> subprocess.CompletedProcess:
    """Run the ``sim`` command (or ``python -m sim``) in ``cwd`` and capture its output."""
    exe = Path(sys.executable)
    command = [str(exe), "-m", "sim"] if module else [str(exe.parent / "sim")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    return subprocess.run(command + args, cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)
