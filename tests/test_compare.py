"""The sweep report, on synthetic sweep folders whose numbers are known: arm folders (one per
arm, a seed column) and old-style single-run folders (one per seed) give the same report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis.compare import Arm, build_report, make_arms, pair_arms
from sim.app.compare import main
from sim.running.sweep import COUNTS, read_runs, sweep_parameters

MONTHS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]
REGIONS = ["Khyber Pakhtunkhwa", "Balochistan"]


def monthly(extra: int = 0) -> pd.DataFrame:
    """A run's monthly table: every count is 10 per month and region, plus ``extra`` in every
    2026 month in Khyber Pakhtunkhwa (civilian fatalities only)."""
    rows = []
    for month in MONTHS:
        for region in REGIONS:
            bump = extra if (month >= "2026-01" and region == REGIONS[0]) else 0
            row = {"month": month, "region": region, "attacks": 10, "operations": 10,
                   "fatalities_civilian": 10 + bump, "fatalities_security": 10,
                   "fatalities_militant": 10}
            row["fatalities_total"] = 30 + bump
            rows.append(row)
    return pd.DataFrame(rows)


LEVERS = pd.DataFrame([{"lever": "border_closure_2025", "kind": "border_closure",
                        "event": "start", "date": "2025-10-11"}])


def job_folder(sweep: Path, name: str, overrides: list[str], status: str) -> Path | None:
    """A job folder with Hydra's overrides.yaml; for a failed job also error.json. Returns the
    folder if the job is finished (its results are still to be written)."""
    folder = sweep / name
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    if status == "failed":
        scenario = overrides[0].partition("=")[2]
        (folder / "error.json").write_text(json.dumps(
            {"scenario": scenario, "seed": 0, "error_type": "RuntimeError",
             "error": "boom\nmore", "overrides": []}))
    return folder if status == "finished" else None


def fake_run(sweep: Path, name: str, scenario: str, seed: int, extra: int = 0,
             overrides: tuple[str, ...] = (), status: str = "finished") -> Path:
    """A single-run folder as sim writes it (``ensemble.size=1``), with :func:`monthly`."""
    folder = job_folder(sweep, name, [f"scenario={scenario}", f"seed={seed}", *overrides],
                        status)
    if folder is None:
        return sweep / name
    monthly(extra).to_csv(folder / "monthly.csv", index=False)
    LEVERS.to_csv(folder / "levers.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps(
        {"scenario": scenario, "seed": seed, "git_commit": "abc"}))
    return folder


def fake_arm(sweep: Path, name: str, scenario: str, seeds: range, extra=lambda seed: 0,
             overrides: tuple[str, ...] = (), status: str = "finished") -> Path:
    """An arm folder as sim writes it (``ensemble.size=len(seeds)``): the monthly table of
    every seed (:func:`monthly` with ``extra(seed)``) with a seed column."""
    folder = job_folder(sweep, name, [f"scenario={scenario}", f"ensemble.size={len(seeds)}",
                                      *overrides], status)
    if folder is None:
        return sweep / name
    table = pd.concat([monthly(extra(seed)).assign(seed=seed) for seed in seeds])
    table = table[["seed", *[c for c in table.columns if c != "seed"]]]
    table.to_parquet(folder / "monthly.parquet", index=False)
    table.to_csv(folder / "monthly.csv", index=False)
    pd.concat([LEVERS.assign(seed=seed) for seed in seeds]).to_csv(folder / "levers.csv",
                                                                    index=False)
    (folder / "manifest.json").write_text(json.dumps(
        {"scenario": scenario, "seed": seeds[0], "seeds": list(seeds), "git_commit": "abc"}))
    return folder


@pytest.fixture(scope="module", params=["arms", "runs"])
def sweep(request, tmp_path_factory):
    """as_happened and no_closure for seeds 0-9, as two arm folders or as 20 single-run
    folders; no_closure adds ``seed`` fatalities per 2026 month; plus one failed and one
    unfinished job. The report is built once per layout."""
    folder = tmp_path_factory.mktemp("compare") / "sweep"
    n = 0
    for scenario in ("as_happened", "no_closure"):
        extra = (lambda seed: seed) if scenario == "no_closure" else (lambda seed: 0)
        if request.param == "arms":
            fake_arm(folder, f"{n}_{scenario}_seed0", scenario, range(10), extra)
            n += 1
            continue
        for seed in range(10):
            fake_run(folder, f"{n}_{scenario}_seed{seed}", scenario, seed, extra(seed))
            n += 1
    fake_run(folder, f"{n}_mediation_2026_seed0", "mediation_2026", 0, status="failed")
    fake_run(folder, f"{n + 1}_mediation_2026_seed1", "mediation_2026", 1, status="unfinished")
    (folder / "sweep.json").write_text(json.dumps({"total_runs": n + 3,
                                                   "baseline": ["scenario=as_happened"]}))
    return folder, build_report(folder), n


def test_report_numbers_are_the_paired_quantiles(sweep):
    sweep, report, n = sweep
    out = sweep / "report"
    assert report.finished == n and report.unfinished == 1 and report.expected == n + 3
    assert report.seeds == 20
    assert [r.name for r in report.failed] == [f"{n}_mediation_2026_seed0"]
    assert (f"{n} finished of {n + 3} jobs (20 seeds), 1 failed ({n}_mediation_2026_seed0), "
            "1 unfinished") in report.summary()

    table = pd.read_parquet(out / "sweep_monthly.parquet")
    assert list(table.columns) == ["run", "scenario", "seed", "month", "region", *COUNTS]
    assert len(table) == 20 * len(MONTHS) * len(REGIONS)
    assert sorted(table.groupby(["scenario", "seed"]).size().index) == [
        (scenario, seed) for scenario in ("as_happened", "no_closure") for seed in range(10)]
    csv = pd.read_csv(out / "sweep_monthly.csv", dtype={"month": str})
    pd.testing.assert_frame_equal(table, csv, check_dtype=False)

    cum = pd.read_csv(out / "fatalities_2026.csv").set_index(["arm", "actor"])
    added = 12 * np.arange(10)  # per seed: `seed` more civilians in each 2026 month
    total = cum.loc[("no_closure", "total")]
    assert total["n_pairs"] == 10
    for name, q in (("median", 0.5), ("q10", 0.1), ("q90", 0.9), ("q025", 0.025),
                    ("q975", 0.975)):
        assert total[name] == pytest.approx(np.quantile(added, q))
    assert cum.loc[("no_closure", "civilian"), "median"] == pytest.approx(54)
    assert cum.loc[("no_closure", "security"), "q975"] == 0
    assert cum.loc[("no_closure", "total"), "baseline_median"] == 12 * 2 * 30

    diff = pd.read_csv(out / "difference.csv", dtype={"month": str})
    assert (diff.loc[diff["month"] < "2026-01", ["q025", "median", "q975"]] == 0).all().all()
    assert diff.loc[diff["month"] == "2026-05", "median"].item() == pytest.approx(4.5)

    fan = pd.read_csv(out / "fan.csv", dtype={"month": str})
    assert set(fan["arm"]) == {"as_happened", "no_closure"}
    assert (fan.loc[fan["arm"] == "as_happened", "median"] == 60).all()

    runs = pd.read_csv(out / "runs.csv")
    assert runs["status"].value_counts().to_dict() == {"finished": n, "failed": 1,
                                                       "unfinished": 1}
    assert runs.loc[runs["status"] == "finished", "n_seeds"].sum() == 20
    assert runs.loc[runs["status"] == "failed", "error"].item() == "RuntimeError: boom"
    text = (out / "report.md").read_text()
    assert "1 failed" in text and f"{n}_mediation_2026_seed0" in text
    for png in ("fan_as_happened.png", "fan_no_closure.png", "difference.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_sim_compare_rebuilds_from_saved_outputs(sweep, capsys):
    sweep, _, n = sweep
    before = (sweep / "report" / "fatalities_2026.csv").read_text()
    for path in (sweep / "report").iterdir():
        path.unlink()
    main([str(sweep)])
    assert f"{n} finished of {n + 3} jobs (20 seeds), 1 failed" in capsys.readouterr().out
    assert (sweep / "report" / "fatalities_2026.csv").read_text() == before
    main([str(sweep), "--baseline", "scenario=no_closure"])
    cum = pd.read_csv(sweep / "report" / "fatalities_2026.csv")
    assert set(cum["arm"]) == {"as_happened"}
    assert cum.set_index("actor").loc["total", "median"] == pytest.approx(-54)


def test_sim_compare_refuses_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    exe = Path(sys.executable).parent / "sim-compare"  # the console script
    done = subprocess.run([str(exe), str(tmp_path / "empty")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("sim-compare: error: ")
    assert "is not a sweep folder" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path / "missing")])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == f"sim-compare: error: {tmp_path / 'missing'} is " \
        "not a folder"


def test_arms_pair_with_the_baseline_that_shares_their_parameters(tmp_path):
    folder = tmp_path / "grid"
    n = 0
    for end in ("2026-01-01", "null"):
        for leakage in ("0.2", "1.0"):
            fake_run(folder, f"{n}_as_happened_seed0", "as_happened", 0,
                     overrides=(f"levers.border_closure_2025.end={end}",
                                f"levers.border_closure_2025.leakage={leakage}"))
            n += 1
    runs = read_runs(folder)
    parameters, constant = sweep_parameters(runs)
    assert parameters == ["levers.border_closure_2025.end", "levers.border_closure_2025.leakage"]
    arms = [Arm(scenario="as_happened", params={k: r.overrides[k] for k in parameters},
                label=r.name) for r in runs]
    pair_arms(arms, ["scenario=as_happened", "levers.border_closure_2025.leakage=1"], constant)
    assert [a.is_baseline for a in arms] == [False, True, False, True]
    assert arms[0].baseline is arms[1] and arms[2].baseline is arms[3]
    labels = [a.label for a in make_arms(runs, parameters).values()]
    assert labels[0] == "as_happened end=2026-01-01 leakage=0.2"


def test_two_folders_of_one_arm_with_the_same_seeds_count_each_seed_once(tmp_path):
    """An arm re-run into a second folder (seeds 0-5 and 3-8): the paired numbers use each
    seed once, and the report says how many were left out."""
    folder = tmp_path / "sweep"
    fake_arm(folder, "0_as_happened_seed0", "as_happened", range(6))
    fake_arm(folder, "1_as_happened_seed3", "as_happened", range(3, 9))
    fake_arm(folder, "2_no_closure_seed0", "no_closure", range(9), extra=lambda seed: 2)
    report = build_report(folder)
    assert report.duplicate_seeds == 3
    cum = pd.read_csv(folder / "report" / "fatalities_2026.csv").set_index("actor")
    assert cum.loc["total", "n_pairs"] == 9
    assert cum.loc["total", "median"] == pytest.approx(24)
    assert "3 seeds held by two folders" in (folder / "report" / "report.md").read_text()


def test_the_fan_draws_crss_view_from_the_monitor_tables(tmp_path):
    """The annual panel's purple band is CRSS's national view (its regions summed, other
    monitors left out); a single run's table gets its seed, a folder without one gives None."""
    from sim.analysis.fan import monitor_national_annual, plot_fan, read_monitor_annual

    rows = [{"year": 2024, "region": region, "monitor": monitor, "fatalities_total": value}
            for region, monitor, value in (("Khyber Pakhtunkhwa", "crss", 100),
                                           ("Balochistan", "crss", 50),
                                           ("Khyber Pakhtunkhwa", "picss", 999))]
    pd.DataFrame(rows).to_csv(tmp_path / "monitors_annual.csv", index=False)
    table = read_monitor_annual(tmp_path, seed=7)
    view = monitor_national_annual(table)
    assert view.to_dict("records") == [{"seed": 7, "year": 2024, "fatalities_total": 150}]
    assert read_monitor_annual(tmp_path / "missing", seed=7) is None

    national = pd.DataFrame({"seed": 7, "month": [f"2024-{m:02d}" for m in range(1, 13)],
                             "fatalities_total": 10})
    path = plot_fan(national, [], "test", tmp_path / "fan.png", table)
    assert path.stat().st_size > 0
