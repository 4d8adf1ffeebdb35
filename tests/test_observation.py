"""The observation model: each monitor's view of the same simulated events."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.events import (
    ATTACKERS_KILLED,
    ATTACKS,
    CIVILIANS_IN_ATTACKS,
    EVENTS,
    MILITANTS_IN_OPERATIONS,
    SECURITY_IN_ATTACKS,
    tidy,
)
from sim.model.observation import COLUMNS, COUNTED, MONITORS, observe, observed_annual
from sim.model.params import CrssMonitorParams, MonitorParams, ObservationParams
from sim.model.space import N_PAKISTAN
from tests.conftest import SHORT

MONITOR_COLUMNS = ["month", "region", "monitor", *COLUMNS]
TOLERANCE = 0.02
"""Relative tolerance of the proportions measured over :data:`MANY` months of large counts
(their sampling error is about 0.3%)."""
MANY = 240


def months(n: int) -> list[str]:
    return [str(p) for p in pd.period_range("2000-01", periods=n, freq="M")]


def poisson_sums(n_months: int, mean: float = 20.0, seed: int = 0) -> np.ndarray:
    """Made-up event counts [month, region, event]."""
    return np.random.default_rng(seed).poisson(mean, (n_months, N_PAKISTAN, len(EVENTS)))


def constant_sums(n_months: int, value: int = 100) -> np.ndarray:
    return np.full((n_months, N_PAKISTAN, len(EVENTS)), value, dtype=np.int64)


def monitor(completeness: float = 1.0, concentration: float = math.inf, claims: float = 1.0,
            crss: bool = False, operations_share: float = 1.0) -> MonitorParams:
    values = {"completeness_frontier": completeness, "completeness_interior": completeness,
              "concentration": concentration, "claims_factor": claims}
    if crss:
        return CrssMonitorParams(**values, operations_share=operations_share)
    return MonitorParams(**values)


def everyone(**kwargs) -> ObservationParams:
    """The same completeness, concentration and claims factor for every monitor."""
    operations_share = kwargs.pop("operations_share", 1.0)
    return ObservationParams(crss=monitor(crss=True, operations_share=operations_share, **kwargs),
                             picss=monitor(**kwargs), pips=monitor(**kwargs),
                             claims_concentration=math.inf)


def rows(view: pd.DataFrame, name: str) -> pd.DataFrame:
    return view[view["monitor"] == name].reset_index(drop=True)


def counts(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


# --- definitions ------------------------------------------------------------------------------


@pytest.mark.parametrize("concentration", [math.inf, 1e12])
def test_a_complete_crss_view_is_the_events(concentration):
    """Completeness 1, a (near) fixed completeness and claims at face value: CRSS reports the
    events exactly, PICSS and PIPS report their parts of them exactly."""
    sums, labels = poisson_sums(36), months(36)
    view = observe(sums, labels, everyone(concentration=concentration),
                   np.random.default_rng(1))
    events = tidy(sums, labels, "month")
    assert list(view.columns) == MONITOR_COLUMNS
    assert view["monitor"].tolist() == list(MONITORS) * (36 * N_PAKISTAN)
    crss = rows(view, "crss")
    assert crss["month"].tolist() == events["month"].tolist()
    assert crss["region"].tolist() == events["region"].tolist()
    for column in COUNTED["crss"]:
        np.testing.assert_array_equal(counts(crss, column), events[column], err_msg=column)
    assert crss["fatalities_in_attacks"].isna().all()
    picss, pips = rows(view, "picss"), rows(view, "pips")
    for column in COUNTED["picss"]:
        np.testing.assert_array_equal(counts(picss, column), events[column], err_msg=column)
    assert picss["operations"].isna().all() and pips["operations"].isna().all()
    np.testing.assert_array_equal(counts(pips, "fatalities_total"), events["fatalities_in_attacks"])
    np.testing.assert_array_equal(counts(pips, "militants_killed_in_operations"),
                                  events["militants_killed_in_operations"])


def test_pips_never_counts_the_deaths_in_operations():
    """Deaths in operations only: PIPS's fatalities are all 0, its militants killed in
    operations are a separate number; CRSS and PICSS count the deaths."""
    sums = poisson_sums(60)
    sums[:, :, [CIVILIANS_IN_ATTACKS, SECURITY_IN_ATTACKS, ATTACKERS_KILLED]] = 0
    view = observe(sums, months(60), ObservationParams(), np.random.default_rng(2))
    pips = rows(view, "pips")
    for column in ("fatalities_civilian", "fatalities_security", "fatalities_militant",
                   "fatalities_total", "fatalities_in_attacks"):
        assert (pips[column] == 0).all(), column
    assert pips["militants_killed_in_operations"].sum() >= sums[:, :, MILITANTS_IN_OPERATIONS].sum()
    for name in ("crss", "picss"):
        assert (rows(view, name)["fatalities_total"] > 0).mean() > 0.9
    # with deaths in attacks too, PIPS's total is always its deaths in attacks
    view = observe(poisson_sums(60), months(60), ObservationParams(), np.random.default_rng(3))
    pips = rows(view, "pips")
    assert (pips["fatalities_total"] == pips["fatalities_in_attacks"]).all()
    assert (pips["fatalities_militant"] <= pips["fatalities_in_attacks"]).all()


def test_each_monitors_totals_add_up_in_every_row():
    view = observe(poisson_sums(48), months(48), ObservationParams(), np.random.default_rng(4))
    parts = view[["fatalities_civilian", "fatalities_security", "fatalities_militant"]].sum(axis=1)
    assert (parts == view["fatalities_total"]).all()
    picss = rows(view, "picss")
    assert (picss["fatalities_in_attacks"] <= picss["fatalities_total"]).all()
    assert (picss["militants_killed_in_operations"] <= picss["fatalities_militant"]).all()


def test_claims_factor_inflates_militants_killed_in_operations():
    sums = constant_sums(MANY)
    params = everyone(completeness=0.8, concentration=50.0)
    params = dataclasses.replace(params, crss=dataclasses.replace(params.crss, claims_factor=1.5),
                                 claims_concentration=10.0)
    view = observe(sums, months(MANY), params, np.random.default_rng(5))
    true = sums[:, :, MILITANTS_IN_OPERATIONS].sum()
    crss = rows(view, "crss")["militants_killed_in_operations"]
    pips = rows(view, "pips")["militants_killed_in_operations"]
    assert (crss >= 100).all() and crss.sum() / true == pytest.approx(1.5, rel=TOLERANCE)
    assert (pips == 100).all()  # factor 1: the claims as they are, not thinned


# --- completeness and overdispersion ----------------------------------------------------------


def test_lower_completeness_lowers_counts_in_proportion():
    """Over many months, recorded attacks are completeness x the events, and halving the
    completeness halves them; deaths follow completeness ** fatalities_exponent."""
    sums, labels = constant_sums(MANY), months(MANY)
    totals = {}
    for completeness in (0.8, 0.4):
        view = observe(sums, labels, everyone(completeness=completeness, concentration=50.0,
                                              operations_share=completeness),
                       np.random.default_rng(6))
        totals[completeness] = rows(view, "crss")[list(COUNTED["crss"])].sum()
    true = sums[:, :, ATTACKS].sum()
    assert totals[0.8]["attacks"] / true == pytest.approx(0.8, rel=TOLERANCE)
    assert totals[0.4]["attacks"] / totals[0.8]["attacks"] == pytest.approx(0.5, rel=TOLERANCE)
    assert totals[0.4]["operations"] / totals[0.8]["operations"] == pytest.approx(
        0.5, rel=TOLERANCE)
    in_attacks_ratio = 0.5 ** ObservationParams().fatalities_exponent
    assert totals[0.4]["fatalities_civilian"] / totals[0.8]["fatalities_civilian"] == \
        pytest.approx(in_attacks_ratio, rel=TOLERANCE)


def test_lower_concentration_raises_the_monthly_variance_to_mean_ratio():
    sums, labels = constant_sums(MANY), months(MANY)

    def variance_to_mean(concentration: float) -> float:
        view = observe(sums, labels, everyone(completeness=0.8, concentration=concentration),
                       np.random.default_rng(7))
        attacks = rows(view, "picss")["attacks"].to_numpy(dtype=float)
        return attacks.var() / attacks.mean()

    fixed, loose, overdispersed = (variance_to_mean(c) for c in (math.inf, 500.0, 5.0))
    assert fixed == pytest.approx(0.2, rel=0.15)  # binomial thinning alone: 1 - p
    assert fixed < loose < overdispersed
    assert overdispersed > 5 * loose


def test_defaults_reproduce_pips_share_of_picss_attacks_and_the_frontier_gap():
    """PIPS records about 0.65 of PICSS's attacks (2021-2025); KP and Balochistan are recorded
    less completely than the other regions."""
    view = observe(constant_sums(MANY), months(MANY), ObservationParams(),
                   np.random.default_rng(8))
    attacks = view.groupby("monitor")["attacks"].sum()
    assert attacks["pips"] / attacks["picss"] == pytest.approx(0.65, rel=TOLERANCE)
    assert attacks["crss"] / attacks["picss"] == pytest.approx(1.0, rel=TOLERANCE)
    by_region = rows(view, "picss").groupby("region", sort=False)["attacks"].mean()
    assert by_region["Khyber Pakhtunkhwa"] < by_region["Punjab"]
    assert by_region["Balochistan"] < by_region["Sindh"]


def test_annual_view_is_the_monthly_view_summed_by_year():
    view = observe(poisson_sums(36), months(36), ObservationParams(), np.random.default_rng(9))
    annual = observed_annual(view)
    assert list(annual.columns) == ["year", "region", "monitor", *COLUMNS]
    assert annual["year"].unique().tolist() == [2000, 2001, 2002]
    assert len(annual) == 3 * N_PAKISTAN * len(MONITORS)
    for name in MONITORS:
        ours = rows(annual, name)
        for column in COLUMNS:
            if column in COUNTED[name]:
                expected = rows(view, name)[column].to_numpy(dtype=float).reshape(
                    3, 12, N_PAKISTAN).sum(axis=1).ravel()
                np.testing.assert_array_equal(counts(ours, column), expected)
            else:
                assert ours[column].isna().all(), (name, column)


# --- runs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_run():
    return sim.simulate(SHORT, seed=3)


def test_same_seed_gives_identical_monitor_tables(short_run):
    again = sim.simulate(SHORT, seed=3)
    pd.testing.assert_frame_equal(again.monitors_monthly, short_run.monitors_monthly)
    pd.testing.assert_frame_equal(again.monitors_annual, short_run.monitors_annual)
    other = sim.simulate(SHORT, seed=4)
    assert not other.monitors_monthly.equals(short_run.monitors_monthly)


def test_observing_draws_nothing_from_the_models_streams(short_run):
    """Other observation parameters give other monitor tables, but the same events."""
    changed = sim.simulate([*SHORT, "model.observation.pips.completeness_frontier=0.3"], seed=3)
    pd.testing.assert_frame_equal(changed.monthly, short_run.monthly)
    pd.testing.assert_frame_equal(changed.state, short_run.state)
    assert not changed.monitors_monthly.equals(short_run.monitors_monthly)


def test_a_complete_crss_in_a_run_reports_the_run_s_events():
    crss = "model.observation.crss"
    result = sim.simulate([*SHORT, f"{crss}.completeness_frontier=1",
                           f"{crss}.completeness_interior=1", f"{crss}.concentration=1e12",
                           f"{crss}.operations_share=1", f"{crss}.claims_factor=1"], seed=3)
    ours = rows(result.monitors_monthly, "crss")
    assert ours["month"].tolist() == result.monthly["month"].tolist()
    for column in COUNTED["crss"]:
        np.testing.assert_array_equal(counts(ours, column), result.monthly[column],
                                      err_msg=column)
    assert len(result.monitors_annual) == 2 * N_PAKISTAN * len(MONITORS)


def test_a_single_run_writes_the_monitor_tables(short_run, tmp_path):
    from sim.running.outputs import write_run

    result = dataclasses.replace(short_run, config=dataclasses.replace(
        short_run.config, output=dataclasses.replace(short_run.config.output, parquet=True)))
    written = [p.name for p in write_run(result, tmp_path)]
    assert {"monitors_monthly.csv", "monitors_annual.csv", "monitors_monthly.parquet",
            "monitors_annual.parquet"} <= set(written)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "monitors_monthly.csv" in manifest["files"]
    monthly = pd.read_csv(tmp_path / "monitors_monthly.csv", dtype={"month": str})
    assert list(monthly.columns) == MONITOR_COLUMNS
    assert set(monthly["monitor"]) == set(MONITORS) and len(monthly) == 24 * N_PAKISTAN * 3
    annual = pd.read_csv(tmp_path / "monitors_annual.csv")
    assert list(annual.columns) == ["year", "region", "monitor", *COLUMNS]
    assert set(annual["monitor"]) == set(MONITORS)
    first = (tmp_path / "monitors_monthly.csv").read_text().splitlines()[1]
    assert first.startswith("2021-01,Khyber Pakhtunkhwa,crss,") and ".0" not in first
    parquet = pd.read_parquet(tmp_path / "monitors_monthly.parquet")
    pd.testing.assert_frame_equal(parquet, short_run.monitors_monthly, check_dtype=False)


def test_an_ensemble_writes_the_monitor_tables_for_every_seed(tmp_path):
    from omegaconf import OmegaConf

    from sim.running import arm_outputs
    from sim.running.compose import compose_config
    from sim.running.ensemble import run_ensemble

    config = OmegaConf.to_container(compose_config([*SHORT, "ensemble.size=3",
                                                    "ensemble.n_jobs=1"]), resolve=True)
    run_ensemble(config, tmp_path)
    tables = arm_outputs.write_arm_tables(tmp_path, range(3))
    names = {p.name for p in tables.files}
    for table in ("monitors_monthly", "monitors_annual"):
        assert {f"{table}.parquet", f"{table}.csv"} <= names
    monthly = pd.read_parquet(tmp_path / "monitors_monthly.parquet")
    assert list(monthly.columns) == ["seed", *MONITOR_COLUMNS]
    assert sorted(monthly["seed"].unique()) == [0, 1, 2]
    assert set(monthly["monitor"]) == set(MONITORS)
    assert tables.rows["monitors_monthly"] == 3 * 24 * N_PAKISTAN * 3
    annual = pd.read_parquet(tmp_path / "monitors_annual.parquet")
    assert list(annual.columns) == ["seed", "year", "region", "monitor", *COLUMNS]
    assert tables.rows["monitors_annual"] == 3 * 2 * N_PAKISTAN * 3
    csv = pd.read_csv(tmp_path / "monitors_monthly.csv", dtype={"month": str})
    pd.testing.assert_frame_equal(csv, monthly, check_dtype=False)
    single = sim.simulate(config, seed=1)
    ours = monthly[monthly["seed"] == 1].drop(columns="seed").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, single.monitors_monthly, check_dtype=False)
    ours = annual[annual["seed"] == 1].drop(columns="seed").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, single.monitors_annual, check_dtype=False)
