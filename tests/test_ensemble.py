"""Ensembles: one Hydra job runs seeds seed..seed+size-1 of one arm into one folder; the same
bytes serial or parallel, after a SIGKILL and a re-run, however the seeds were chunked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import sim
from sim.model.events import TABLE_COLUMNS
from sim.running import arm_outputs, runner
from sim.running.compose import compose_config
from sim.running.ensemble import ChunkPlanner, ChunkReceipt, consecutive_ranges, run_ensemble
from sim.running.seed_chunks import SeedFolderConflict, SeedStore
from tests.conftest import run_cli

ONE_YEAR = ["window.start=2020-01-01", "window.end=2020-12-31", "levers.border_closure_2025=null",
            "levers.ceasefire_2022=null", "levers.taliban_takeover_2021=null",
            "levers.counter_terrorism_campaign_2024=null"]
"""A one-year run without levers (about 0.1 s)."""
SIZE = 24
TABLES = ["monthly", "state", "levers", "crossings", "monitors_monthly", "monitors_annual"]
FILES = [f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")]


def arm_command(folder: Path, *extra: str) -> list[str]:
    return [f"ensemble.size={SIZE}", "seed=3", *ONE_YEAR, f"hydra.run.dir={folder}", *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted arm of SIZE seeds on 2 workers."""
    root = tmp_path_factory.mktemp("ensemble")
    done = run_cli(arm_command(root / "reference", "ensemble.n_jobs=2"), cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"0 already done, {SIZE} to run on 2 worker processes" in done.stdout + done.stderr
    return root / "reference"


# --- chunks ------------------------------------------------------------------------------------


def test_chunks_cover_every_seed_once_and_grow_to_the_target_time():
    assert consecutive_ranges([7, 3, 4, 5, 9, 10]) == [(3, 5), (7, 7), (9, 10)]
    planner = ChunkPlanner([*range(0, 100), *range(200, 300)], workers=2, target_seconds=1.0)
    first = planner.next()
    assert first == (0, 0)  # before any timing: one seed
    planner.record(ChunkReceipt(0, 0, seconds=0.1))
    chunks = [first]
    while (chunk := planner.next()) is not None:
        chunks.append(chunk)
    covered = [s for lo, hi in chunks for s in range(lo, hi + 1)]
    assert covered == [*range(0, 100), *range(200, 300)]
    assert max(hi - lo + 1 for lo, hi in chunks) == 10  # 1 s / 0.1 s per seed
    assert chunks[-1][1] - chunks[-1][0] + 1 <= 2  # the last chunks shrink


def fake_tables(seeds: range) -> dict[str, pa.Table]:
    """Tables of ``seeds`` as a worker saves them: 3 rows per seed; no lever events."""
    rows = [(s, m, s * 10 + m) for s in seeds for m in range(3)]
    return {"monthly": pa.table({"seed": pa.array([r[0] for r in rows], pa.int64()),
                                 "month": pa.array([f"2020-0{r[1] + 1}" for r in rows]),
                                 "fatalities_total": pa.array([r[2] for r in rows], pa.int64())}),
            "levers": pa.table({"seed": pa.array([], pa.int64()),
                                "lever": pa.array([], pa.string())})}


def test_arm_tables_do_not_depend_on_how_seeds_were_chunked(tmp_path, monkeypatch):
    """Three chunkings of seeds 0-19 (one overlapping, one with extra seeds) give the same
    bytes, also when the tables are cut into several Parquet row groups."""
    monkeypatch.setattr(arm_outputs, "ROWS_PER_BLOCK", 7)
    layouts = {"a": [(0, 19)], "b": [(0, 0), (1, 6), (7, 7), (8, 19)],
               "c": [(0, 4), (3, 12), (13, 25)]}
    written = {}
    for name, chunks in layouts.items():
        store = SeedStore(tmp_path / name)
        for lo, hi in chunks:
            store.write_chunk(lo, hi, fake_tables(range(lo, hi + 1)))
        tables = arm_outputs.write_arm_tables(tmp_path / name, range(0, 20))
        assert tables.rows == {"monthly": 60, "levers": 0}
        written[name] = {p.name: p.read_bytes() for p in tables.files}
    assert written["a"] == written["b"] == written["c"]
    monthly = pd.read_parquet(tmp_path / "a" / "monthly.parquet")
    assert monthly["seed"].tolist() == [s for s in range(20) for _ in range(3)]
    assert (tmp_path / "a" / "levers.csv").read_text().strip() == '"seed","lever"'
    with pytest.raises(ValueError, match="seeds 20-29 are not saved"):
        arm_outputs.write_arm_tables(tmp_path / "a", range(0, 30))


# --- one arm from the command line --------------------------------------------------------------


def test_an_arm_folder_holds_one_table_per_kind_with_every_seed(reference):
    seeds = list(range(3, 3 + SIZE))
    monthly = pd.read_parquet(reference / "monthly.parquet")
    assert list(monthly.columns) == ["seed", "month", "region", *TABLE_COLUMNS]
    assert sorted(monthly["seed"].unique()) == seeds and len(monthly) == SIZE * 12 * 7
    state = pd.read_parquet(reference / "state.parquet")
    assert list(state.columns[:3]) == ["seed", "month", "fighters_ttp"]
    assert len(state) == SIZE * 12
    csv = pd.read_csv(reference / "monthly.csv", dtype={"month": str, "region": str})
    pd.testing.assert_frame_equal(csv, monthly, check_dtype=False)
    # each seed's rows are exactly that seed's single run
    single = sim.simulate(ONE_YEAR, seed=7)
    ours = monthly[monthly["seed"] == 7].drop(columns="seed").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, single.monthly, check_dtype=False)

    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["seeds"] == seeds and manifest["seed"] == 3
    assert manifest["ensemble"]["size"] == SIZE and manifest["ensemble"]["workers"] == 2
    assert manifest["config"]["window"]["end"] == "2020-12-31"
    for key in ("git_commit", "packages", "reported_figures_sha256", "sim_version", "window"):
        assert key in manifest
    # parameters are drawn from the posterior by default: the draws are a table of the arm
    assert set(manifest["files"]) == {*FILES, "parameters.parquet", "parameters.csv",
                                      "fan.csv", "fan.png"}
    assert manifest["rows"]["monthly"] == SIZE * 84
    assert manifest["rows"]["monitors_monthly"] == SIZE * 84 * 3
    assert manifest["rows"]["monitors_annual"] == SIZE * 7 * 3
    fan = pd.read_csv(reference / "fan.csv", dtype={"month": str})
    assert list(fan.columns) == ["month", "q025", "q10", "median", "q90", "q975", "n"]
    assert (fan["n"] == SIZE).all() and (fan["q025"] <= fan["median"]).all()
    assert (reference / "fan.png").read_bytes()[:4] == b"\x89PNG"
    log = (reference / "sim.log").read_text()
    assert f"ensemble progress: {SIZE}/{SIZE} seeds done (100%)" in log
    assert not list(reference.rglob(".tmp-*"))


def test_serial_and_parallel_arms_have_the_same_bytes(reference, tmp_path):
    done = run_cli(arm_command(tmp_path / "serial", "ensemble.n_jobs=1", "output.plots=false"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "on 1 worker process" in done.stdout + done.stderr
    for name in [*FILES, "fan.csv"]:
        assert (tmp_path / "serial" / name).read_bytes() == (reference / name).read_bytes(), name


def _saved_chunks(folder: Path) -> list[Path]:
    return sorted((folder / "seeds").glob("seeds_*"))


def test_a_killed_arm_resumes_and_ends_with_the_same_bytes(reference, tmp_path):
    """SIGKILL the whole process group once a chunk is saved; the same command then runs only
    the other seeds, and the arm's tables are byte for byte those of an uninterrupted run."""
    folder = tmp_path / "killed"
    command = [str(Path(sys.executable).parent / "sim"),
               *arm_command(folder, "ensemble.n_jobs=2")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _saved_chunks(folder) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    saved = SeedStore(folder).saved_seeds(range(3, 3 + SIZE))
    assert 1 <= len(saved) < SIZE and not (folder / "manifest.json").exists()
    (folder / "seeds" / ".tmp-seeds_000099-000099-1-x").mkdir()  # as a kill mid-chunk leaves

    done = run_cli(arm_command(folder, "ensemble.n_jobs=2"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (f"{SIZE} seeds (3-{SIZE + 2}) of scenario as_happened in {folder}: {len(saved)} "
            f"already done, {SIZE - len(saved)} to run") in done.stdout + done.stderr
    assert not list((folder / "seeds").glob(".tmp-*"))
    for name in [*FILES, "fan.csv"]:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["ensemble"]["seeds_saved_before"] == len(saved)


def test_a_finished_arm_is_left_alone_and_a_larger_one_extends_it(reference, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(reference, folder)
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    done = run_cli(arm_command(folder), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "already finished" in done.stdout + done.stderr
    after = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
             and ".hydra" not in p.parts and p.name != "sim.log"}
    assert after == {p: t for p, t in before.items() if p in after}

    done = run_cli(arm_command(folder, f"ensemble.size={SIZE + 2}", "output.plots=false"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{SIZE} already done, 2 to run" in done.stdout + done.stderr
    assert json.loads((folder / "manifest.json").read_text())["seeds"] == list(
        range(3, 3 + SIZE + 2))


def test_another_config_into_the_same_folder_is_refused_with_one_line(reference, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(reference, folder)
    done = run_cli(arm_command(folder, "model.season.amplitude=0.05"), cwd=tmp_path)
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sim: error: {folder} holds seeds of "
                                                   "another config (model.season.amplitude")
    assert (folder / "manifest.json").read_bytes() == (reference / "manifest.json").read_bytes()


@pytest.mark.parametrize("override,allowed", [
    ("ensemble.size=0", "a whole number of seeds in 1..1,000,000"),
    ("ensemble.n_jobs=0", "-1 (one worker per usable core) or a whole number of worker "
                          "processes in 1.."),
])
def test_bad_ensemble_settings_are_refused_before_anything_runs(tmp_path, override, allowed):
    done = run_cli([override, f"hydra.run.dir={tmp_path / 'out'}"], cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"sim: config error: {override} is not allowed: {allowed}")
    assert not (tmp_path / "out").exists()


# --- in this process -------------------------------------------------------------------------


def test_a_failing_seed_keeps_the_saved_ones(tmp_path, monkeypatch):
    real_run = runner.run

    def flaky(run_config):
        if run_config.seed == 2:
            raise RuntimeError("simulated failure for seed 2")
        return real_run(run_config)

    config = _plain([*ONE_YEAR, "ensemble.size=4", "ensemble.n_jobs=1"])
    monkeypatch.setattr(runner, "run", flaky)
    with pytest.raises(RuntimeError, match="seed 2"):
        run_ensemble(config, tmp_path)
    saved = SeedStore(tmp_path).saved_seeds(range(4))  # whole chunks before the failing one
    assert 0 in saved and 2 not in saved and 3 not in saved
    monkeypatch.setattr(runner, "run", real_run)
    done = run_ensemble(config, tmp_path)
    assert (done.already_saved, done.ran) == (len(saved), 4 - len(saved))
    with pytest.raises(SeedFolderConflict, match="holds seeds of another config"):
        run_ensemble({**config, "window": {**config["window"], "end": "2020-11-30"}}, tmp_path)


def test_parameters_drawn_from_the_posterior_differ_by_seed(tmp_path):
    from sim.running import posterior

    config = _plain([*ONE_YEAR, "ensemble.size=3", "ensemble.n_jobs=1",
                     "parameters.draw_from_posterior=true"])
    run_ensemble(config, tmp_path)
    arm_outputs.write_arm_tables(tmp_path, range(3))
    drawn = pd.read_parquet(tmp_path / "parameters.parquet").set_index("seed")
    table = posterior.load()
    for seed in range(3):
        row, values = posterior.draw(table, seed)
        values = {p: v for p, v in values.items() if not p.startswith("levers.")}  # none left
        assert drawn.loc[seed, "row"] == row
        assert set(drawn.columns) == {"row", *values}
        for path, value in values.items():
            assert drawn.loc[seed, path] == pytest.approx(value)
    assert drawn["row"].nunique() > 1  # seeds 0, 1, 2 draw rows 0, 3, 3
    single = sim.simulate(config, seed=1)
    monthly = pd.read_parquet(tmp_path / "monthly.parquet")
    ours = monthly[monthly["seed"] == 1].drop(columns="seed").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, single.monthly, check_dtype=False)


def test_workers_follow_the_cores_of_a_slurm_task(monkeypatch):
    from sim.running import pool

    cores = len(os.sched_getaffinity(0))
    monkeypatch.delenv("SLURM_CPUS_PER_TASK", raising=False)
    assert pool.usable_cores() == cores == pool.n_workers(-1)
    assert pool.n_workers(-1, n_tasks=1) == 1 and pool.n_workers(3) == 3
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "1")
    assert pool.usable_cores() == 1 == pool.n_workers(-1)
    assert pool.n_jobs_is_allowed(4) and not pool.n_jobs_is_allowed(5)
    assert not pool.n_jobs_is_allowed(0) and not pool.n_jobs_is_allowed(True)


def test_a_folder_another_process_writes_is_refused(tmp_path):
    import fcntl

    store = SeedStore(tmp_path)
    store.folder.mkdir(parents=True)
    with open(store.folder / ".lock", "a") as other:  # as another process holds it
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SeedFolderConflict, match="being written by another sim process"), \
                store.locked():
            pass
    with store.locked(), store.locked():  # taken again within one process
        pass


def _plain(overrides: list[str]) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(compose_config(overrides), resolve=True)
