"""Hydra finds conf/, scenarios/ and sim's plugins from a regular (non-editable) install, from
any directory."""

import os
import re
import subprocess
import sys

from tests.conftest import REPO


def test_regular_install_finds_its_configs(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=env)
    assert where.stdout.strip().startswith(str(target)), where.stdout
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "scenario=no_closure", "seed=2", "output.plots=false",
         "window.end=2022-12-31", "levers.border_closure_2025=null", f"hydra.run.dir={out}"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "monthly.csv").exists()
    sweep = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "seed=2,3", "output.plots=false",
         "window.end=2022-12-31", "levers.border_closure_2025=null", f"hydra.sweep.dir={sweep}",
         "hydra.callbacks.sweep_report.enabled=false"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"sim launcher: 2 jobs on \d worker process", proc.stdout + proc.stderr)
    assert len(list(sweep.glob("*/manifest.json"))) == 2
    listing = subprocess.run([sys.executable, "-m", "sim", "scenario=nope"], cwd=tmp_path,
                             capture_output=True, text=True, env=env)
    assert listing.returncode == 2 and "no_closure" in listing.stderr
