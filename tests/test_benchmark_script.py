"""Smoke test of benchmarks/run.py (benchmarks are recorded, never pass/fail: only the shape
of what it writes is checked here)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def load_benchmark_module():
    spec = importlib.util.spec_from_file_location("sim_benchmarks_run", REPO / "benchmarks/run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_benchmark_writes_expected_json(tmp_path, capsys):
    bench = load_benchmark_module()
    bench.main(["--quick", "--repeats", "1", "--epstein-steps", "2", "--no-ensemble",
                "--results-dir", str(tmp_path)])
    latest = json.loads((tmp_path / "latest.json").read_text())
    stamped = [p for p in tmp_path.glob("*.json") if p.name != "latest.json"]
    assert len(stamped) == 1 and json.loads(stamped[0].read_text()) == latest

    assert latest["quick"] is True
    machine = latest["machine"]
    for key in ("cpu_model", "cores", "python", "packages", "git_commit", "date_utc"):
        assert key in machine
    assert {"mesa", "numpy", "hydra-core"} <= set(machine["packages"])

    default = latest["default_run"]
    for key in ("wall_s", "wall_s_all", "agent_steps", "agent_steps_per_s", "days"):
        assert key in default
    assert default["agent_steps"] > 7 * default["days"]  # cells + 7 state and border agents
    assert latest["x10_militants"]["ratio_to_default"] > 0
    assert latest["x10_militants"]["agent_steps"] > default["agent_steps"]
    assert latest["ensemble"]["parallel_wall_s"] is None and latest["ensemble"]["reason"]
    assert latest["mesa_epstein"]["agent_steps_per_s"] > 0
    assert latest["ours_to_epstein"] > 0
    assert latest["calibration"]["wall_s"] is None and latest["calibration"]["reason"]
    assert "agent-steps per second" in capsys.readouterr().out


def test_ensemble_figures_follow_their_definitions():
    bench = load_benchmark_module()
    # 100 runs of 0.3 s compute (0.35 s with outputs) on 2 cores in 20 s of wall time.
    figures = bench.ensemble_figures(parallel=20.0, serial=35.0, compute=30.0, n_runs=100,
                                     cores=2)
    assert figures["parallel_efficiency"] == pytest.approx(35.0 / 40.0)
    assert figures["hydra_overhead_per_run_s"] == pytest.approx(0.1)
    assert figures["hydra_overhead_share_of_run"] == pytest.approx(0.1 / 0.3)
    cfg = bench.compose([])
    overrides = bench.x10_overrides(cfg)
    start = cfg.model.groups.ttp.fighters_start
    assert f"model.groups.ttp.fighters_start={10 * start}" in overrides
    assert len(overrides) == 2 * len(cfg.model.groups)
