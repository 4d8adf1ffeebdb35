"""Face validity: the calibrated history reproduces patterns it was not fitted to.

None of these figures is a calibration target (conf/calibration/default.yaml). Each test
compares an ensemble of ``as_happened`` (N_SEEDS runs, each drawing its parameters from the
committed posterior, as every run does by default) with a
reported figure read from sim/data/reported_figures.yaml, at a tolerance written here, and fails
if the model misses:

- the 2022 truce: PICSS counted about 1.35 times as many attacks a month in June-November 2022
  as in January-May (the Baloch groups and ISKP were not party to it: no fall), and the talks
  brought TTP fighters home: more than the 'hundreds' reported, fewer than the 5,000 the
  government had planned for (MECH_TTP_RESETTLED_2021_2022, MECH_TTP_RESETTLEMENT_PLAN);
- S1's order of the groups attacking security forces in 2025: the TTP, then the Baloch groups
  (BLA, BLF; one group in the model), then ISKP ('Daesh's regional chapter');
- Punjab and Sindh together under 3% of 2025 casualties (S1; the model counts deaths only);
- Azad Jammu and Kashmir from 0 fatalities in 2024 to 15 in 2025 (S1);
- PICSS's monthly attack counts vary more than Poisson: the model's monthly counts, measured
  the same way (variance-to-mean after trend and season, :func:`sim.data.season.fit_season`),
  must put PICSS's value inside their 5-95% range;
- the no-closure counterfactual does not reproduce the November-December 2025 fall on its own.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibration.evaluate import Evaluator
from sim.data import reported
from sim.data.season import fit_season, picss_monthly_attacks, picss_season
from sim.running.compose import compose_config

N_SEEDS = 30
TRUCE_RATIO_TOLERANCE = 0.30
"""How far the model's June-November over January-May 2022 ratio may be from PICSS's 1.35."""
AJK_2024_AT_MOST = 5
AJK_2025_RANGE = (5, 40)
"""AJK's 15 deaths in 2025 are a handful of incidents: any count from 5 to 40 is 'about 15'."""


def history(scenario: str = "as_happened", *overrides: str) -> list[dict]:
    from omegaconf import OmegaConf

    config = OmegaConf.to_container(compose_config([f"scenario={scenario}", *overrides]),
                                    resolve=True)
    config.pop("hydra", None)
    with Evaluator(n_jobs=-1) as evaluator:
        return evaluator.tables(config, list(range(N_SEEDS)))


@pytest.fixture(scope="module")
def runs() -> list[dict]:
    return history()


def picss_attacks(run: dict):
    """National monthly attacks as PICSS would count them."""
    monitors = run["monitors_monthly"]
    picss = monitors[monitors["monitor"] == "picss"]
    return picss.groupby("month")["attacks"].sum()


def annual(run: dict, column: str, year: int, regions=None) -> float:
    monthly = run["monthly"]
    rows = monthly["month"].str.startswith(str(year))
    if regions is not None:
        rows &= monthly["region"].isin(regions)
    return float(monthly.loc[rows, column].sum())


def test_the_2022_truce_did_not_lower_attacks(runs):
    before = reported.value("DERIVED_PICSS_2022_PRECEASEFIRE_RATE")
    during = reported.value("DERIVED_PICSS_2022_CEASEFIRE_RATE")
    want = during / before  # 34.2 / 25.4 = 1.35
    ratios = []
    for run in runs:
        attacks = picss_attacks(run)
        ratios.append(attacks["2022-06":"2022-11"].mean() / attacks["2022-01":"2022-05"].mean())
    got = float(np.median(ratios))
    assert got >= 1.0, f"attacks fell during the truce: ratio {got:.2f}"
    assert abs(got - want) <= TRUCE_RATIO_TOLERANCE, f"ratio {got:.2f} vs PICSS {want:.2f}"


def test_the_2022_talks_brought_hundreds_to_thousands_of_fighters_home(runs):
    """TTP fighters inside Pakistan at the end of November 2022 with the talks' homecoming,
    minus the same seeds without it: between the reported 'hundreds' and the planned 5,000."""
    at_least = reported.value("MECH_TTP_RESETTLED_2021_2022")  # "hundreds": 200
    at_most = reported.value("MECH_TTP_RESETTLEMENT_PLAN")  # the plan: 5,000
    stayed_away = history("as_happened", "levers.ceasefire_2022.homecoming.ttp=1.0",
                          "levers.ceasefire_2022_lapsing.homecoming.ttp=1.0")

    def in_pakistan(run):
        state = run["state"].set_index("month")
        return float(state.loc["2022-11", "fighters_ttp_in_pakistan"])

    came_home = float(np.median([in_pakistan(a) - in_pakistan(b)
                                 for a, b in zip(runs, stayed_away, strict=True)]))
    assert at_least <= came_home <= at_most, f"{came_home:.0f} fighters came home"


def test_groups_attack_security_forces_in_the_reported_order(runs):
    def attacks_on_security(group: str) -> float:
        values = []
        for run in runs:
            state = run["state"]
            in_2025 = state["month"].str.startswith("2025")
            values.append(state.loc[in_2025, f"attacks_on_security_{group}"].sum())
        return float(np.median(values))

    ttp, baloch, iskp = (attacks_on_security(g) for g in ("ttp", "baloch", "iskp"))
    assert ttp > baloch > iskp > 0, (ttp, baloch, iskp)


def test_punjab_and_sindh_keep_under_three_percent_of_2025_deaths(runs):
    bound = reported.value("punjab_sindh_share_of_casualties_2025")  # "< 3%"
    shares = [annual(r, "fatalities_total", 2025, ["Punjab", "Sindh"])
              / annual(r, "fatalities_total", 2025) for r in runs]
    got = float(np.median(shares))
    assert got < bound, f"Punjab + Sindh {got:.1%} of 2025 deaths (S1: under {bound:.0%})"
    assert got > 0, "some violence reaches Punjab and Sindh"


@pytest.mark.xfail(strict=True, reason=(
    "known gap, not fitted: militant spillover gives Azad Kashmir about 2 deaths in 2025, not "
    "CRSS's 15. What CRSS counted there is not in the data: the India-Pakistan hostilities of "
    "May 2025 killed 32 in AJK by the AJK disaster authority's count (Dawn, 13 May 2025), not "
    "15, and the model simulates neither that war nor unrest in AJK. Fitting the spillover "
    "weight to 15 would make the figure explain itself"))
def test_azad_kashmir_goes_from_none_to_a_few(runs):
    assert reported.value("fatalities_ajk_2024") == 0
    assert reported.value("fatalities_ajk_2025") == 15
    ajk = ["Azad Jammu and Kashmir"]
    in_2024 = float(np.median([annual(r, "fatalities_total", 2024, ajk) for r in runs]))
    in_2025 = float(np.median([annual(r, "fatalities_total", 2025, ajk) for r in runs]))
    assert in_2024 <= AJK_2024_AT_MOST, f"AJK 2024: {in_2024:.0f} (reported 0)"
    low, high = AJK_2025_RANGE
    assert low <= in_2025 <= high, f"AJK 2025: {in_2025:.0f} (reported 15)"


def test_monthly_attacks_are_as_overdispersed_as_picss_counts(runs):
    months = [str(m) for m in picss_monthly_attacks().index]
    observed = picss_season().dispersion  # about 3.1
    simulated = []
    for run in runs:
        attacks = picss_attacks(run).loc[months]
        simulated.append(fit_season(months, attacks.to_numpy()).dispersion)
    low, high = np.quantile(simulated, [0.05, 0.95])
    assert low <= observed <= high, f"PICSS {observed:.2f} outside the model's {low:.2f}-{high:.2f}"
    assert np.median(simulated) > 1.5, "the model's monthly counts are barely overdispersed"


def test_without_the_closure_the_late_2025_fall_does_not_happen():
    """The reported changes (-9% in November, -17% in December: -24.5% from October to
    December) are not the fighting season's: without the closure, attacks fall by less than
    half as much over those two months, and the closure's calibration check fails."""
    nov = reported.value("attacks_change_2025_11")
    dec = reported.value("attacks_change_2025_12")
    reported_two_months = (1 + nov) * (1 + dec) - 1
    runs = history("no_closure")
    mean = sum(r["monthly"].groupby("month")["attacks"].sum() for r in runs) / len(runs)
    got_nov = mean["2025-11"] / mean["2025-10"] - 1
    got_dec = mean["2025-12"] / mean["2025-11"] - 1
    got_two_months = mean["2025-12"] / mean["2025-10"] - 1
    assert got_two_months > reported_two_months / 2, (
        f"no closure: {got_two_months:+.1%} from October to December "
        f"(reported {reported_two_months:+.1%})")
    assert abs(got_nov - nov) > 0.08 or abs(got_dec - dec) > 0.08, (got_nov, got_dec)
