"""The output contract of a run folder and of the Python API."""

import json

import pandas as pd

from sim.data import reported
from sim.model.events import METRICS
from tests.conftest import SHORT, run_cli

CONTRACT = ["month", "region", *METRICS]


def test_cli_run_writes_the_contract(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(["scenario=as_happened", "seed=4", f"hydra.run.dir={out}"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    monthly = pd.read_csv(out / "monthly.csv")
    assert list(monthly.columns[: len(CONTRACT)]) == CONTRACT
    assert monthly["month"].iloc[0] == "2019-01" and monthly["month"].iloc[-1] == "2026-12"
    assert len(monthly) == 96 * 7 and monthly["region"].nunique() == 7
    annual = pd.read_csv(out / "annual.csv")
    assert list(annual.columns[:7]) == ["year", "region", *METRICS]
    assert annual.groupby("year")["attacks"].sum().sum() == monthly["attacks"].sum()
    assert (out / "overview.png").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["scenario"] == "as_happened"
    assert manifest["reported_figures_sha256"] == reported.sha256()
    assert manifest["config"]["levers"]["border_closure_2025"]["start"] == "2025-10-11"
    assert {"mesa", "numpy", "pandas", "hydra-core", "python"} <= set(manifest["packages"])
    assert "git_commit" in manifest
    assert manifest["files"] == ["monthly.csv", "annual.csv", "state.csv", "levers.csv",
                                 "crossings.csv", "monitors_monthly.csv", "monitors_annual.csv",
                                 "overview.png"]
    assert "seeds" not in manifest and not (out / "seeds").exists()  # ensemble.size=1
    assert sorted(p.name for p in out.iterdir()) == [
        ".hydra", "annual.csv", "crossings.csv", "levers.csv", "manifest.json",
        "monitors_annual.csv", "monitors_monthly.csv", "monthly.csv", "overview.png", "sim.log",
        "state.csv"]
    monitors = pd.read_csv(out / "monitors_monthly.csv")
    assert list(monitors.columns[:3]) == ["month", "region", "monitor"]
    assert set(monitors["monitor"]) == {"crss", "picss", "pips"}
    assert len(monitors) == 3 * len(monthly)
    assert not list(out.glob(".*.tmp"))


def test_python_module_entry_point_runs_from_any_directory(tmp_path):
    out = tmp_path / "elsewhere" / "run"
    proc = run_cli([*SHORT, "output.plots=false", f"hydra.run.dir={out}"], cwd=tmp_path,
                   module=True)
    assert proc.returncode == 0, proc.stderr
    assert (out / "monthly.csv").exists() and not (out / "overview.png").exists()


def test_api_result_matches_file_columns(default_result):
    assert list(default_result.monthly.columns[: len(CONTRACT)]) == CONTRACT
    assert list(default_result.annual.columns[:2]) == ["year", "region"]
    assert {"taliban_takeover_2021", "ceasefire_2022", "border_closure_2025",
            "strikes_2025_11", "deportation_2023", "urumqi_pledge_2026"} <= set(
        default_result.lever_events["lever"])
    assert (default_result.monthly[list(METRICS)] >= 0).all().all()


def test_default_model_has_the_reported_order_of_magnitude(default_result):
    """Uncalibrated sanity: hundreds to low thousands a year, concentrated in KP+Balochistan."""
    annual = default_result.annual
    national = annual.groupby("year")["fatalities_total"].sum()
    for year in range(2019, 2026):
        assert 200 <= national[year] <= 8000, (year, national[year])
    assert national[2025] > national[2020]
    in_2025 = annual[annual["year"] == 2025].set_index("region")["fatalities_total"]
    share = (in_2025["Khyber Pakhtunkhwa"] + in_2025["Balochistan"]) / in_2025.sum()
    assert share > 0.85


def test_written_files_follow_the_umask(tmp_path):
    """Results are readable by colleagues when the umask allows it (not mkstemp's 0600)."""
    import os
    import stat

    from sim.running.outputs import atomic_write

    old = os.umask(0o022)
    try:
        shared = atomic_write(tmp_path / "shared.txt", lambda tmp: tmp.write_text("x"))
        os.umask(0o077)
        private = atomic_write(tmp_path / "private.txt", lambda tmp: tmp.write_text("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_run_folder_is_readable_by_the_group_under_umask_002(tmp_path):
    import os
    import stat
    import subprocess
    import sys

    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *SHORT, "seed=1", f"hydra.run.dir={out}"],
        cwd=tmp_path, capture_output=True, text=True, preexec_fn=lambda: os.umask(0o002),
    )
    assert proc.returncode == 0, proc.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o664, path
