"""sim's launcher (the default): the same runs and files as Hydra's own launchers, on warm
worker processes; a worker that dies is reported, with the finished runs kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import yaml

from hydra_plugins.sim_launcher.sim_launcher import SimLauncher
from sim.app.cli import sweeps_on_sim_launcher
from tests.conftest import run_cli

SHORT = ["window.start=2025-01-01", "window.end=2026-12-31",
         "levers.taliban_takeover_2021=null", "levers.ceasefire_2022=null",
         "output.plots=false"]
TABLES = ["monthly.csv", "annual.csv", "state.csv", "levers.csv", "crossings.csv"]


def hydra_settings(path) -> dict:
    """A job's .hydra/hydra.yaml without what differs by launcher and sweep folder."""
    hydra = yaml.safe_load(path.read_text())["hydra"]
    for key in ("launcher", "sweep"):
        hydra.pop(key)
    hydra["runtime"].pop("output_dir")
    hydra["runtime"]["choices"].pop("hydra/launcher")
    hydra["overrides"].pop("hydra")
    return hydra


def test_sim_launcher_gives_the_runs_and_files_of_hydras_joblib_launcher(tmp_path):
    folders = {}
    for launcher in ("sim", "joblib"):
        sweep = tmp_path / launcher
        done = run_cli(["-m", "scenario=as_happened,no_closure", "seed=5,6", *SHORT,
                        f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep}",
                        "hydra.callbacks.sweep_report.enabled=false"], cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        folders[launcher] = sorted(p for p in sweep.iterdir() if p.is_dir())
    names = [p.name for p in folders["sim"]]
    assert names == [p.name for p in folders["joblib"]] == [
        "0_as_happened_seed5", "1_as_happened_seed6", "2_no_closure_seed5", "3_no_closure_seed6"]
    for ours, theirs in zip(folders["sim"], folders["joblib"], strict=True):
        for name in [*TABLES, ".hydra/config.yaml", ".hydra/overrides.yaml"]:
            assert (ours / name).read_bytes() == (theirs / name).read_bytes(), (ours.name, name)
        assert hydra_settings(ours / ".hydra/hydra.yaml") == hydra_settings(
            theirs / ".hydra/hydra.yaml")
        manifests = [yaml.safe_load((f / "manifest.json").read_text()) for f in (ours, theirs)]
        assert manifests[0]["config"] == manifests[1]["config"]
        assert "scenario=" in (ours / "sim.log").read_text()  # per-job log file, as Hydra's


CRASHING_APP = textwrap.dedent('''
    """A Hydra app on sim's launcher whose job x=crash_on kills its worker process."""
    import os

    import hydra
    from hydra.core.config_store import ConfigStore

    from sim.app.run import register_plugins

    ConfigStore.instance().store(name="app", node={
        "x": 0, "crash_on": -1,
        "hydra": {"launcher": {"_target_": "hydra_plugins.sim_launcher.sim_launcher.SimLauncher"},
                  "sweep": {"dir": "sweep", "subdir": "x${x}"}}})


    @hydra.main(version_base=None, config_name="app")
    def app(cfg):
        if cfg.x == cfg.crash_on:
            os._exit(3)
        print(f"job x={cfg.x} done", flush=True)


    if __name__ == "__main__":
        register_plugins()
        app()
''')


def test_sim_launcher_runs_any_hydra_app_and_reports_a_dead_worker(tmp_path):
    script = tmp_path / "crashing_app.py"
    script.write_text(CRASHING_APP)

    def launch(*args):
        return subprocess.run([sys.executable, str(script), "-m", "x=0,1,2,3", *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)

    done = launch()
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(line for line in done.stdout.splitlines() if line.startswith("job")) == [
        f"job x={x} done" for x in range(4)]
    assert len(list((tmp_path / "sweep").glob("x*/.hydra/config.yaml"))) == 4

    crashed = launch("crash_on=1")
    assert crashed.returncode != 0
    assert "sim launcher: a worker process died" in crashed.stderr
    assert "run the same command again to run the rest" in crashed.stderr


def test_the_command_warms_workers_only_for_sweeps_on_sim_launcher():
    assert sweeps_on_sim_launcher(["-m", "seed=range(3)"])
    assert sweeps_on_sim_launcher(["--multirun", "hydra/launcher=sim"])
    assert not sweeps_on_sim_launcher(["seed=3"])
    assert not sweeps_on_sim_launcher(["-m", "hydra/launcher=joblib"])
    assert not sweeps_on_sim_launcher(["-m", "hydra/launcher=slurm", "+sweep=study"])


def test_a_bad_number_of_workers_is_refused_with_one_line(tmp_path):
    done = run_cli(["-m", "seed=1,2", "hydra.launcher.n_jobs=two"], cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "sim: config error: hydra.launcher.n_jobs='two' is not allowed: a whole number of "
        "worker processes: 1 or more, or -1 (or 0) for one per core"]
    assert not (tmp_path / "outputs").exists()
    with pytest.raises(ValueError, match=r"hydra.launcher.n_jobs=-3 is not allowed"):
        SimLauncher(n_jobs=-3)
    assert SimLauncher(n_jobs="2").n_jobs == 2
