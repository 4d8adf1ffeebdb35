"""Same seed, same bytes; different seeds differ; serial and parallel agree."""

import pandas as pd
import pytest

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


@pytest.mark.parametrize("draws", ["true", "false"])
def test_one_validation_runs_every_seed_like_validating_each(draws):
    """An ensemble checks its config once and runs ``for_seed(config, s)`` (with that seed's
    posterior draw, when parameters are drawn): the same config and results as validating
    each seed, with the setup prepared once."""
    from sim.model.setup import model_setup
    from sim.running.compose import compose_config
    from sim.running.config import check_config
    from sim.running.runner import run
    from sim.running.validation import for_seed, validate

    overrides = [*SHORT, f"parameters.draw_from_posterior={draws}"]
    config = check_config(compose_config(overrides))
    for seed in (0, 1):
        alone = validate(compose_config([*overrides, f"seed={seed}"]))
        assert for_seed(config, seed) == alone
        pd.testing.assert_frame_equal(run(for_seed(config, seed)).monthly, run(alone).monthly)
    assert (for_seed(config, 0).params == for_seed(config, 1).params) == (draws == "false")
    assert model_setup(config.params, config.calendar) is model_setup(config.params,
                                                                      config.calendar)


def test_prepared_setup_follows_a_changed_parameter():
    from sim.model.setup import model_setup
    from sim.running.compose import compose_config
    from sim.running.validation import validate

    config = validate(compose_config(SHORT))
    before = model_setup(config.params, config.calendar)
    config.params.groups["ttp"].attack_rate *= 2
    after = model_setup(config.params, config.calendar)
    ttp = after.group_keys.index("ttp")
    assert after.tables.groups.attack_rate[ttp] == 2 * before.tables.groups.attack_rate[ttp]


def test_compiled_day_loop_is_keyed_by_the_sources_it_compiles_in():
    """numba's cache sees only the day loop's own file; its key also holds the rules' sources,
    so editing a rule (or the regions) recompiles it instead of running stale code."""
    from sim.model import kernel

    (cell,) = kernel.simulate_days.py_func.__closure__
    assert cell.cell_contents == kernel._sources_fingerprint()
    assert {m.__name__ for m in kernel.COMPILED_SOURCES} >= {
        "sim.model.militant_rules", "sim.model.state_rules", "sim.model.sampling"}
