"""sim-calibrate and sim-validate in quick mode, the posterior switch, target arithmetic."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.calibration.targets import Target, load_targets, loss
from sim.calibration.validity import crps_ensemble, interval_score
from tests.conftest import REPO, SHORT

CONF = REPO / "conf"


def run_app(name: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / name
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_quick_calibration_writes_its_posterior_and_report_and_leaves_conf_alone(tmp_path):
    before = {p: p.read_bytes() for p in CONF.rglob("*") if p.is_file()}
    out = tmp_path / "cal"
    proc = run_app("sim-calibrate", ["quick=true", "calibration.method.sampler=abc_smc",
                                     f"hydra.run.dir={out}"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("posterior.csv", "generations.csv", "marginals.csv", "correlations.csv",
                 "coverage.csv", "report.csv", "report.md", "report.png", "calibrated.yaml",
                 "manifest.json"):
        assert (out / name).exists(), name
    report = pd.read_csv(out / "report.csv")
    spec = yaml.safe_load((CONF / "calibration" / "default.yaml").read_text())
    assert len(report) == len(spec["targets"])
    assert {"median", "q10", "q90", "passes"} <= set(report.columns)
    sample = pd.read_csv(out / "posterior.csv")
    assert len(sample) == 12 and math.isclose(sample["weight"].sum(), 1.0)
    assert {"distance", "levers.border_closure_2025.leakage"} <= set(sample.columns)
    # the growth coordinates are recorded beside the model parameters they set
    assert {"coordinates.ttp_growth_after_takeover",
            "model.groups.ttp.recruitment_sanctuary_per_year"} <= set(sample.columns)
    coverage = pd.read_csv(out / "coverage.csv")
    figures = [t for t in spec["targets"].values() if t["kind"] != "peak"]
    assert len(coverage) == len(figures) and "covers_0.9" in coverage
    assert (out / "calibrated.yaml").read_text().startswith("# @package _global_")
    after = {p: p.read_bytes() for p in CONF.rglob("*") if p.is_file()}
    assert after == before


def test_quick_search_calibration_keeps_its_weighted_best_set(tmp_path):
    out = tmp_path / "cal"
    proc = run_app("sim-calibrate", ["quick=true", "calibration.method.sampler=tpe",
                                     "calibration.method.trials=3", f"hydra.run.dir={out}"],
                   tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("trials.csv", "candidates.csv", "posterior.csv", "report.csv"):
        assert (out / name).exists(), name
    candidates = pd.read_csv(out / "candidates.csv")
    assert math.isclose(candidates["weight"].sum(), 1.0)


def test_quick_validation_scores_the_model_and_naive_baselines(tmp_path):
    out = tmp_path / "val"
    proc = run_app("sim-validate", ["quick=true", "calibration.method.trials=2",
                                    f"hydra.run.dir={out}"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(out / "validity.csv")
    assert "fatalities_national_2025" in set(table["figure"])
    row = table.set_index("figure").loc["fatalities_national_2025"]
    assert row["repeat_2024"] == sim.data.reported.value("fatalities_national_2024")
    assert "Coverage:" in (out / "validity.md").read_text()


def test_posterior_draws_are_seeded_and_vary(tmp_path):
    posterior = tmp_path / "posterior.csv"
    pd.DataFrame({"weight": [0.5, 0.5], "model.groups.ttp.attack_rate": [0.01, 0.05]}).to_csv(
        posterior, index=False)
    args = [*SHORT, "parameters.draw_from_posterior=true",
            f"parameters.posterior_file={posterior}"]
    drawn = {s: sim.simulate(args, seed=s).config.params.groups["ttp"].attack_rate
             for s in range(8)}
    assert set(drawn.values()) == {0.01, 0.05}
    again = sim.simulate(args, seed=3)
    assert again.config.params.groups["ttp"].attack_rate == drawn[3]
    assert again.config.resolved["parameters"]["drawn"]["model.groups.ttp.attack_rate"] == drawn[3]


def test_missing_posterior_file_is_a_config_error(tmp_path):
    with pytest.raises(sim.ConfigError, match="parameters.posterior_file"):
        sim.simulate([*SHORT, "parameters.draw_from_posterior=true",
                      f"parameters.posterior_file={tmp_path / 'none.csv'}"])


def test_target_errors_and_loss():
    rel = Target("x", "fatalities_national_2024", "relative", 0.1, 2.0, 1000.0)
    assert rel.error({"x": 1100.0}) == pytest.approx(1.0) and rel.passes({"x": 1100.0})
    assert not rel.passes({"x": 1101.0})
    floor = Target("s", "kp_balochistan_share_of_fatalities_2025", "at_least", 0.06, 1.0, 0.96)
    assert floor.passes({"s": 0.91}) and not floor.passes({"s": 0.89})
    assert floor.error({"s": 0.852}) == pytest.approx(1.0)
    assert loss({"x": 1200.0}, [rel]) == pytest.approx(2.0 * 4.0)


def test_holdout_drops_2025_targets():
    from omegaconf import OmegaConf

    spec = OmegaConf.to_container(OmegaConf.load(CONF / "calibration" / "default.yaml"))
    targets = load_targets(spec["targets"], holdout_after=2024)
    assert targets and all((t.year or 0) <= 2024 for t in targets)
    assert len(load_targets(spec["targets"])) > len(targets)


def test_scores():
    assert interval_score(10, 20, 15, 0.2) == 10
    assert interval_score(10, 20, 25, 0.2) == 10 + 10 * 5
    assert crps_ensemble(np.array([3.0, 3.0]), 3.0) == 0.0
    assert crps_ensemble(np.array([0.0]), 2.0) == 2.0
