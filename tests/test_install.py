"""Hydra finds conf/ and scenarios/ from a regular (non-editable) install, from any directory,
and an ensemble runs from it on worker processes."""

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import REPO

SHORT = ["output.plots=false", "window.end=2020-12-31", "levers.border_closure_2025=null",
         "levers.ceasefire_2022=null", "levers.taliban_takeover_2021=null"]


def test_regular_install_runs_a_run_and_an_ensemble(tmp_path):
    # Build from a clean copy of the sources: a build/ folder left in the checkout by an
    # earlier build could carry modules that no longer exist.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "outputs", "*.egg-info", "__pycache__",
        ".pytest_cache", ".ruff_cache", ".hypothesis"))
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    assert not (target / "hydra_plugins").exists()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=env)
    assert where.stdout.strip().startswith(str(target)), where.stdout
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "scenario=no_closure", "seed=2", *SHORT,
         f"hydra.run.dir={out}"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "monthly.csv").exists()
    arm = tmp_path / "arm"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "ensemble.size=3", "ensemble.n_jobs=2", "seed=2", *SHORT,
         f"hydra.run.dir={arm}"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 to run on 2 worker processes" in proc.stdout + proc.stderr
    assert json.loads((arm / "manifest.json").read_text())["seeds"] == [2, 3, 4]
    listing = subprocess.run([sys.executable, "-m", "sim", "scenario=nope"], cwd=tmp_path,
                             capture_output=True, text=True, env=env)
    assert listing.returncode == 2 and "no_closure" in listing.stderr
