"""Sweeps from the command line: sweeps of arms (ensembles) and of single runs on Hydra's
launchers, presets, progress, resume, failures, report."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra

from sim.app.callbacks import sweep_progress_line
from sim.running.compose import available_scenarios, register
from sim.running.sweep import sweep_size
from tests.conftest import REPO, run_cli

SHORT = ["window.start=2025-01-01", "window.end=2026-12-31",
         "levers.taliban_takeover_2021=null", "levers.ceasefire_2022=null",
         "output.plots=false"]


def finished(folder) -> dict[str, float]:
    """Job folder name -> mtime of its manifest, for the finished jobs of a sweep."""
    return {p.parent.name: p.stat().st_mtime_ns for p in folder.glob("*/manifest.json")}


def test_sweep_size_counts_like_the_basic_sweeper():
    assert sweep_size({"scenario": "a,b,c", "seed": "range(0,30)"}, []) == 90
    assert sweep_size({"scenario": "a,b", "seed": "range(0,30)"}, ["seed=1,2"]) == 4
    assert sweep_size({}, ["scenario=a,b", "x.y=null", "seed=range(3)"]) == 6
    scenarios = len(available_scenarios())
    assert scenarios >= 7
    assert sweep_size({"scenario": "glob(*)"}, []) == scenarios
    assert sweep_size({"scenario": "glob(*,exclude=combined)"}, ["seed=1,2"]) == \
        2 * (scenarios - 1)


def test_progress_line():
    line = sweep_progress_line(30, 2, 120, 65.0, pace=2.0)
    assert line == ("sweep progress: 30/120 jobs done (25%), 2 failed, elapsed 01:05, "
                    "about 03:00 left")
    assert "left" not in sweep_progress_line(0, 0, 4, 1.0, pace=None)


@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_sweep_of_arms_reports_and_shows_progress(tmp_path, launcher):
    """Two arms of 3 seeds each, one Hydra job per arm; the report pairs them seed by seed."""
    sweep = tmp_path / "sweep"
    args = ["-m", "scenario=as_happened,no_closure", "seed=5", "ensemble.size=3", *SHORT,
            f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep}"]
    done = run_cli(args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    log = done.stdout + done.stderr
    assert "sweep progress: 2/2 jobs done (100%)" in log
    assert "sweep report: 2 finished of 2 jobs (6 seeds), 0 failed" in log
    assert len(finished(sweep)) == 2
    for arm in sweep.glob("*_seed5"):
        assert "ensemble progress: 3/3 seeds done (100%)" in (arm / "sim.log").read_text()
    table = pd.read_parquet(sweep / "report" / "sweep_monthly.parquet")
    assert sorted(table.groupby(["scenario", "seed"]).size().index.tolist()) == [
        (scenario, seed) for scenario in ("as_happened", "no_closure") for seed in (5, 6, 7)]
    assert len(table) == 6 * 24 * 7
    cum = pd.read_csv(sweep / "report" / "fatalities_2026.csv")
    assert set(cum["arm"]) == {"no_closure"} and (cum["n_pairs"] == 3).all()


def test_a_failing_run_is_recorded_and_running_again_completes_the_sweep(tmp_path,
                                                                          monkeypatch, capsys):
    """In-process sweep (basic launcher) where the run of seed 1 raises; then the same sweep
    again, fixed: the finished runs are skipped and the failed one completes."""
    import sim.app.cli
    import sim.app.run
    import sim.running.runner

    real_run = sim.running.runner.run

    def flaky(config):
        if config.seed == 1:
            raise RuntimeError("simulated failure for seed 1")
        return real_run(config)

    sweep = tmp_path / "sweep"
    argv = ["sim", "-m", "hydra/launcher=basic", "scenario=as_happened", "seed=0,1,2", *SHORT,
            f"hydra.sweep.dir={sweep}", "hydra.job_logging.root.handlers=[file]"]
    monkeypatch.setattr(sim.running.runner, "run", flaky)
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        sim.app.cli.main()  # a sweep with a failed job exits non-zero, saying so last
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "sim: error: sweep incomplete: 1 of 3 jobs failed (see the log above)")
    failed = list(sweep.glob("*/error.json"))
    assert [p.parent.name for p in failed] == ["1_as_happened_seed1"]
    assert "simulated failure for seed 1" in failed[0].read_text()
    assert len(finished(sweep)) == 2
    runs = pd.read_csv(sweep / "report" / "runs.csv").set_index("seed")
    assert runs.loc[1, "status"] == "failed"
    assert runs.loc[1, "error"] == "RuntimeError: simulated failure for seed 1"
    assert "1 failed" in (sweep / "report" / "report.md").read_text()

    first = finished(sweep)
    monkeypatch.setattr(sim.running.runner, "run", real_run)  # fixed: running again completes it
    sim.app.cli.main()  # exits normally
    assert not list(sweep.glob("*/error.json"))
    second = finished(sweep)
    assert len(second) == 3 and {k: second[k] for k in first} == first  # not run again
    assert pd.read_csv(sweep / "report" / "runs.csv")["status"].eq("finished").all()


def test_submitit_local_launcher_runs_two_small_arms(tmp_path):
    """The code path of the SLURM preset (submitit), with its local executor: 2 arms of 2
    seeds, one task each."""
    sweep = tmp_path / "sweep"
    done = run_cli(["-m", "hydra/launcher=submitit_local", "scenario=as_happened,no_closure",
                    "seed=3", "ensemble.size=2", *SHORT, f"hydra.sweep.dir={sweep}",
                    "hydra.launcher.timeout_min=5", "hydra.launcher.cpus_per_task=1"],
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(finished(sweep)) == 2
    cum = pd.read_csv(sweep / "report" / "fatalities_2026.csv")
    assert (cum["n_pairs"] == 2).all()


def test_study_and_slurm_presets_compose():
    register()
    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="sim.conf", version_base=None):
        cfg = compose(config_name="config", overrides=["hydra/launcher=slurm", "+sweep=study"],
                      return_hydra_config=True)
    GlobalHydra.instance().clear()
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.launcher.cpus_per_task == 8
    assert cfg.hydra.sweeper.params.scenario == "glob(*)"  # every file in scenarios/
    assert cfg.hydra.sweep.dir == "outputs/study"
    assert cfg.ensemble.size == 100
    assert cfg.hydra.callbacks.sweep_report.baseline == ["scenario=as_happened"]


def test_basic_launcher_is_the_default():
    register()
    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="sim.conf", version_base=None):
        cfg = compose(config_name="config", return_hydra_config=True)
    GlobalHydra.instance().clear()
    assert cfg.hydra.launcher._target_.endswith(".BasicLauncher")
    assert cfg.hydra.sweeper._target_.endswith("BasicSweeper")


@pytest.mark.parametrize("args,message", [
    (["-m", "+sweep=no_such_preset"], "sweep='no_such_preset' is not allowed"),
    (["-m", "+sweep=pressure_grid", "seed=-1"], "seed=-1 is not allowed"),
    (["-m", "scenario=as_happened,no_closure", "ensemble.size=10,0"],
     "ensemble.size=0 is not allowed: a whole number of seeds in 1..1,000,000"),
])
def test_bad_sweep_input_is_one_line_and_exit_2(tmp_path, args, message):
    done = run_cli(args + [f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "sweep").exists()


def test_makefile_runs_the_study():
    text = (REPO / "Makefile").read_text()
    assert "sim -m +sweep=study" in text.split("\nrun:", 1)[1].split("\n\n", 1)[0]


def test_a_rerun_that_failed_after_an_earlier_finish_counts_as_failed(tmp_path):
    """A folder whose earlier attempt finished and whose latest one was refused (e.g. another
    config's seeds) is failed: the sweep that refused it must not say "0 failed"."""
    import os

    from sim.running.sweep import FAILED, FINISHED, read_run, record_failure

    folder = tmp_path / "0_as_happened"
    folder.mkdir()
    (folder / FINISHED).write_text('{"scenario": "as_happened", "seeds": [0, 1]}')
    assert read_run(folder).status == "finished"
    record_failure(folder, ValueError("holds seeds of another config"), "as_happened", 0, [])
    os.utime(folder / FINISHED, ns=(1, 1))  # the manifest is older than the error
    run = read_run(folder)
    assert run.status == "failed" and run.error == "ValueError: holds seeds of another config"
    os.utime(folder / FAILED, ns=(0, 0))  # an error older than the manifest is history
    assert read_run(folder).status == "finished"
