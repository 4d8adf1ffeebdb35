"""Smoke test of benchmarks/run.py (benchmarks are recorded, never pass/fail: only the shape
of what it writes and the arithmetic of its ratios are checked here)."""

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
    bench.main(["--quick", "--repeats", "1", "--epstein-steps", "2",
                "--results-dir", str(tmp_path)])
    latest = json.loads((tmp_path / "latest.json").read_text())
    stamped = [p for p in tmp_path.glob("*.json") if p.name != "latest.json"]
    assert len(stamped) == 1 and json.loads(stamped[0].read_text()) == latest

    assert latest["quick"] is True
    machine = latest["machine"]
    for key in ("cpu_model", "cores", "cores_usable", "python", "packages", "git_commit"):
        assert key in machine
    assert {"mesa", "numpy", "numba", "hydra-core"} <= set(machine["packages"])

    step = latest["epstein"]["step_s"]
    default = latest["default_run"]
    assert step > 0 and default["wall_s"] > 0
    assert default["epstein_steps"] == pytest.approx(default["wall_s"] / step)
    assert default["agent_steps_approx"] > 7 * default["days"]
    assert latest["x10_militants"]["ratio_to_default"] > 0
    assert latest["compiled_code"]["compile_s"] > latest["compiled_code"]["cached_load_s"]

    ensembles = latest["ensembles"]
    small, large = ensembles["small"], ensembles["large"]
    assert (small["size"], large["size"]) == (4, 8)
    assert ensembles["marginal_run_s"] == pytest.approx(
        ensembles["cores"] * (large["wall_s"] - small["wall_s"]) / 4)
    assert "big" not in ensembles and "study" not in latest
    assert latest["calibration"]["wall_s"] is None
    assert "in Epstein steps" in capsys.readouterr().out


def test_ten_times_the_militants_overrides():
    bench = load_benchmark_module()
    cfg = bench.compose([])
    overrides = bench.x10_overrides(cfg)
    start = cfg.model.groups.ttp.fighters_start
    assert f"model.groups.ttp.fighters_start={10 * start}" in overrides
    assert len(overrides) == 2 * len(cfg.model.groups)
