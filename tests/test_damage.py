"""Damaged results are detected: every manifest records the sha256 of its files; a sweep run
again redoes a job whose files were truncated, emptied, deleted or edited; sim-compare
refuses, in one line with exit 2, a sweep folder with a damaged job or with runs of different
configs under one arm."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.running.integrity import damage, digests, file_sha256
from tests.conftest import SHORT, run_cli

FAST = [*SHORT, "output.plots=false", "hydra/launcher=basic"]


def test_damage_names_what_changed_and_what_is_missing(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "b.csv").write_text("y\n2\n")
    manifest = {"sha256": digests(tmp_path, ["a.csv", "b.csv"])}
    assert damage(tmp_path, manifest) == []
    assert damage(tmp_path, {"files": ["a.csv"]}) == []  # no digests recorded: nothing to check
    (tmp_path / "a.csv").write_text("x\n9\n")
    (tmp_path / "b.csv").unlink()
    assert damage(tmp_path, manifest) == ["a.csv changed", "b.csv missing"]
    assert file_sha256(tmp_path / "a.csv") != manifest["sha256"]["a.csv"]


def compare(folder, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.app.compare", str(folder)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


DAMAGES = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "emptied": lambda p: p.write_bytes(b""),
    "deleted": lambda p: p.unlink(),
    "edited": lambda p: p.write_text(p.read_text().replace("2021-0", "2021-1", 1)),
}


def test_damaged_runs_are_refused_by_compare_and_redone_by_the_sweep(tmp_path):
    """Four runs, each damaged another way (truncated, emptied, deleted, edited), and one
    left alone."""
    sweep = tmp_path / "sweep"
    args = ["-m", "scenario=as_happened", "seed=range(5)", *FAST, f"hydra.sweep.dir={sweep}"]
    assert run_cli(args, cwd=tmp_path).returncode == 0
    folders = sorted(sweep.glob("*_as_happened_seed*"))
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        assert set(manifest["sha256"]) == set(manifest["files"])
    untouched = (folders[4] / "manifest.json").stat().st_mtime_ns
    for folder, how in zip(folders, sorted(DAMAGES), strict=False):
        DAMAGES[how](folder / "monthly.csv")

    proc = compare(sweep, tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "4 damaged job folder(s)" in lines[0]
    assert "0_as_happened_seed0: damaged: monthly.csv missing" in lines[0]  # deleted

    proc = run_cli(args, cwd=tmp_path)  # the sweep again: the damaged runs are redone
    assert proc.returncode == 0, proc.stderr
    for folder in folders:
        assert damage(folder, json.loads((folder / "manifest.json").read_text())) == []
    assert (folders[4] / "manifest.json").stat().st_mtime_ns == untouched
    assert compare(sweep, tmp_path).returncode == 0


def test_runs_of_different_configs_under_one_arm_are_refused(tmp_path):
    """A rerun with another parameter into the same folder overwrites some runs: the report
    must not pair 3,000-fighter runs with 6,000-fighter ones."""
    sweep = tmp_path / "sweep"
    base = ["-m", "scenario=as_happened", *FAST, f"hydra.sweep.dir={sweep}"]
    assert run_cli([*base, "seed=0,1", "model.groups.ttp.fighters_start=3000"],
                   cwd=tmp_path).returncode == 0
    proc = run_cli([*base, "seed=0", "model.groups.ttp.fighters_start=6000"], cwd=tmp_path)
    assert proc.returncode != 0  # its own report refuses the folder, and the sweep says so
    assert "holds runs of different configs" in proc.stderr
    proc = compare(sweep, tmp_path)
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and "model.groups.ttp.fighters_start" in line


def test_a_damaged_arm_is_written_again_from_its_saved_seeds(tmp_path):
    out = tmp_path / "arm"
    args = ["scenario=as_happened", "ensemble.size=2", "ensemble.n_jobs=1", *SHORT,
            "output.plots=false", f"hydra.run.dir={out}"]
    assert run_cli(args, cwd=tmp_path).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    table = next(name for name in manifest["sha256"] if name.endswith(".parquet"))
    assert damage(out, manifest) == []
    DAMAGES["truncated"](out / table)
    assert damage(out, manifest) == [f"{table} changed"]
    proc = run_cli(args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rewritten = json.loads((out / "manifest.json").read_text())
    assert damage(out, rewritten) == [] and rewritten["seeds"] == manifest["seeds"]
    assert rewritten["ensemble"]["seeds_run"] == 0  # from the seeds it saved, none run again


def test_an_output_folder_that_cannot_be_made_is_refused_before_anything_runs(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    for key, args in (("hydra.run.dir", []), ("hydra.sweep.dir", ["-m", "seed=1,2"])):
        for target, says in ((blocker, "(it is a file)"),
                             (blocker / "sub", f"({blocker} is a file)")):
            proc = run_cli([*args, f"{key}={target}"], cwd=tmp_path)
            assert proc.returncode == 2
            line = proc.stderr.strip()
            assert "\n" not in line and line.startswith(f"sim: config error: {key}=")
            assert says in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_a_full_disk_is_one_line_and_leaves_no_finished_run(tmp_path, monkeypatch, capsys):
    import errno

    import sim.app.run
    import sim.running.outputs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "run"
    monkeypatch.setattr(sim.running.outputs, "write_run", full)
    monkeypatch.setattr(sys, "argv", ["sim", *SHORT, "output.plots=false",
                                      f"hydra.run.dir={out}",
                                      "hydra.job_logging.root.handlers=[file]"])
    with pytest.raises(SystemExit) as info:
        sim.app.run.main()
    assert info.value.code == 4
    assert capsys.readouterr().err.strip() == (
        f"sim: error: cannot write the run's files into {out}: No space left on device")
    assert not (out / "manifest.json").exists() and (out / "error.json").exists()


def test_a_disk_without_room_is_refused_before_anything_runs(tmp_path, monkeypatch):
    import shutil as shutil_module

    import sim.app.run

    usage = shutil_module.disk_usage(tmp_path)
    monkeypatch.setattr(sim.app.run.shutil, "disk_usage",
                        lambda path: usage._replace(free=10 << 20))
    problem = sim.app.run.output_folder_problem([f"hydra.run.dir={tmp_path / 'run'}"])
    assert problem is not None and "at least 64 MiB free (10 MiB free)" in str(problem)
    monkeypatch.setattr(sim.app.run.shutil, "disk_usage", lambda path: usage._replace(
        free=1 << 30))
    assert sim.app.run.output_folder_problem([f"hydra.run.dir={tmp_path / 'run'}"]) is None
