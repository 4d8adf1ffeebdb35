"""Same seed, same bytes; different seeds differ; serial and parallel agree."""

import pandas as pd

import sim
from tests.conftest import SHORT, run_cli


def test_same_seed_gives_byte_identical_monthly_csv(tmp_path, default_result):
    again = sim.simulate(seed=0)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    default_result.monthly.to_csv(a, index=False)
    again.monthly.to_csv(b, index=False)
    assert a.read_bytes() == b.read_bytes()
    pd.testing.assert_frame_equal(default_result.state, again.state)


def test_different_seeds_differ(default_result):
    other = sim.simulate(seed=1)
    assert not default_result.monthly.equals(other.monthly)


def test_cli_serial_and_parallel_runs_are_identical(tmp_path):
    """One run, the same seed in a sweep of single runs on Hydra's joblib launcher, and the
    same seed in an ensemble on worker processes."""
    serial = tmp_path / "serial"
    proc = run_cli([*SHORT, "seed=5", "output.plots=false", f"hydra.run.dir={serial}"],
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    sweep = tmp_path / "sweep"
    proc = run_cli(["-m", *SHORT, "seed=5,6", "output.plots=false", "hydra/launcher=joblib",
                    f"hydra.sweep.dir={sweep}"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (parallel,) = [p for p in sweep.glob("*seed5") if p.is_dir()]
    assert (serial / "monthly.csv").read_bytes() == (parallel / "monthly.csv").read_bytes()
    arm = tmp_path / "arm"
    proc = run_cli([*SHORT, "seed=4", "ensemble.size=2", "ensemble.n_jobs=2",
                    "output.plots=false", f"hydra.run.dir={arm}"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    monthly = pd.read_parquet(arm / "monthly.parquet")
    ours = monthly[monthly["seed"] == 5].drop(columns="seed").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, pd.read_csv(serial / "monthly.csv"), check_dtype=False)
