"""Calibration tests: the committed calibration reproduces the reported figures.

Each check compares the ensemble median over N_SEEDS runs with a reported figure read from
sim/data/reported_figures.yaml, at the tolerance written here, twice: with the committed
posterior (each run draws its parameters from conf/calibration/posterior.csv by its seed,
what every run does by default) and with the point estimate (conf/model/calibrated.yaml,
``parameters.draw_from_posterior=false``). If the model misses, the test fails: fix the model
or recalibrate (sim-calibrate), never the figure or the tolerance. The figures the posterior
and the point estimate miss are strict expected failures, with the measured numbers (they
turn the suite red the day they pass): fitted to every monitor's figures, the model does not
meet CRSS's 2021 and 2024 totals, the years in which CRSS and PICSS disagree beyond what the
observation model allows, or the seed's 2025 security forces, a subset (the README's "What
the fit cannot do yet"). The posterior predictive check asks more: the same
N_SEEDS single histories, whose central 90% intervals must cover at least PPC_COVERAGE_FLOOR
of the calibration figures. A deliberately wrong posterior fails both.

The closure figures (-9% in November, -17% in December 2025) are read as month-on-month
changes in national attacks (November against October, December against November); the
data file records this choice. The model's change is that of the ensemble-mean monthly
attacks (the expected count, which the one reported change estimates), and "consistent with"
is taken as within 8 percentage points.
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis.summary import ensemble_attack_changes, run_summary
from sim.calibration.abc import history_statistics
from sim.calibration.evaluate import Evaluator, with_parameters
from sim.calibration.posterior_fit import coverage_summary, coverage_table
from sim.calibration.targets import Target, load_targets, peak_shortfall
from sim.data import reported
from sim.running.compose import compose_config

N_SEEDS = 100
"""Runs per ensemble, as in the calibration report. One month's national attacks vary about
1.8 times as much as Poisson counts (attack waves), so the change in the ensemble's mean
monthly attacks carries noise of about 0.05 at 30 seeds, most of the closure targets' 0.08
tolerance; at 100 seeds about 0.026."""
NATIONAL_TOLERANCE = 0.12
PROVINCE_TOLERANCE = 0.15
MILITANT_TOLERANCE = 0.15
SECURITY_TOLERANCE = 0.20
JOINT_SHARE_FLOOR = 0.90
CLOSURE_TOLERANCE = 0.08  # percentage points, as a fraction
WRONG_SEEDS = 40
"""Runs per ensemble of the deliberately wrong sets: they miss by far more than the noise of
40 runs, and fewer runs keep the suite inside its time budget."""
PPC_COVERAGE_FLOOR = 0.80
"""Share of the calibration figures the posterior predictive 90% intervals must cover."""


def base_config(*overrides: str) -> dict:
    config = compose_config(list(overrides))
    from omegaconf import OmegaConf

    plain = OmegaConf.to_container(config, resolve=True)
    plain.pop("hydra", None)
    return plain


def ensemble(config: dict, seeds: int = N_SEEDS) -> list:
    with Evaluator(n_jobs=-1) as evaluator:
        return evaluator.monthly(config, list(range(seeds)))


def median(monthly_by_seed, key: str) -> float:
    values = sorted(run_summary(m)[key] for m in monthly_by_seed)
    n = len(values)
    return (values[(n - 1) // 2] + values[n // 2]) / 2


def section2_checks(monthly_by_seed) -> dict[str, tuple[bool, str]]:
    """Every point of the calibration requirement: name -> (holds, explanation)."""
    checks: dict[str, tuple[bool, str]] = {}

    def relative(name: str, figure: str, tolerance: float) -> None:
        want = reported.value(figure)
        got = median(monthly_by_seed, name)
        checks[name] = (abs(got - want) <= tolerance * want,
                        f"median {got:.0f} vs reported {want} (±{tolerance:.0%})")

    for year in range(2021, 2026):
        relative(f"fatalities_national_{year}", f"fatalities_national_{year}", NATIONAL_TOLERANCE)
    for region in ("kp", "balochistan"):
        for year in (2024, 2025):
            name = f"fatalities_{region}_{year}"
            relative(name, name, PROVINCE_TOLERANCE)
    share = median(monthly_by_seed, "kp_balochistan_share_2025")
    checks["kp_balochistan_share_2025"] = (share > JOINT_SHARE_FLOOR,
                                           f"median share {share:.3f} > {JOINT_SHARE_FLOOR}")
    relative("fatalities_militant_2025", "fatalities_militant_2025", MILITANT_TOLERANCE)
    relative("fatalities_security_2025", "fatalities_security_2025", SECURITY_TOLERANCE)
    changes = ensemble_attack_changes(monthly_by_seed)
    for month in ("11", "12"):
        name = f"attacks_change_2025_{month}"
        want = reported.value(name)
        got = changes[name]
        checks[name] = (abs(got - want) <= CLOSURE_TOLERANCE,
                        f"change {got:+.3f} vs reported {want:+.3f} (±{CLOSURE_TOLERANCE})")
    peak = Target(name="peak", figure="security_fatalities_2022_12", kind="peak", tolerance=0,
                  weight=1, reported=0, series="fatalities_security", start="2020-01",
                  end="2022-12", peak_month="2022-12")
    shortfall = peak_shortfall(monthly_by_seed, peak)
    checks["security_peak_2022_12"] = (shortfall == 0.0,
                                       f"December 2022 short of the 2020-2022 peak by "
                                       f"{shortfall:.2f} x 10%")
    return checks


@pytest.fixture(scope="module")
def posterior_runs():
    return ensemble(base_config())


@pytest.fixture(scope="module")
def posterior_checks(posterior_runs):
    return section2_checks(posterior_runs)


@pytest.fixture(scope="module")
def point_checks():
    return section2_checks(ensemble(base_config("parameters.draw_from_posterior=false")))


def predictive_coverage(monthly_by_seed) -> tuple[dict[str, float], pd.DataFrame]:
    """Coverage of every calibration figure by the central intervals of single histories."""
    spec = yaml.safe_load(files("sim.conf").joinpath("calibration/default.yaml").read_text())
    targets = load_targets(spec["targets"])
    histories = pd.DataFrame([history_statistics(m, targets) for m in monthly_by_seed])
    table = coverage_table(histories, targets)
    return coverage_summary(table), table


CHECK_NAMES = [
    *(f"fatalities_national_{y}" for y in range(2021, 2026)),
    "fatalities_kp_2024", "fatalities_kp_2025", "fatalities_balochistan_2024",
    "fatalities_balochistan_2025", "kp_balochistan_share_2025", "fatalities_militant_2025",
    "fatalities_security_2025", "attacks_change_2025_11", "attacks_change_2025_12",
    "security_peak_2022_12",
]


CAUSE_2021_2024 = ("CRSS and PICSS part ways in these years: CRSS counted 1.37 times PICSS's "
                   "attacks in 2021, and in 2024 the same attacks and militants but 1.59 times "
                   "PICSS's civilians and security forces (1,612 against 1,016); the observation "
                   "model gives both the same completeness, and fitted to both the posterior lands "
                   "between them (README, 'What the fit cannot do yet')")
CAUSE_SECURITY = ("the seed's 590 counts the army, FC and police only (CRSS's own -5% on 2024 "
                  "gives about 651, 0.98 of PICSS's 667); the model's security forces are all "
                  "of them")
CLOSURE = ("one month's change in one history cannot pin the closure's leakage (0.09-0.56, "
           "5-95%), and over that range the closure barely bites")
POSTERIOR_MISSES = {
    "fatalities_national_2021": f"known gap: median 704 against 853 (-17%): {CAUSE_2021_2024}",
    "fatalities_national_2024": f"known gap: median 2,008 against 2,555 (-21%): {CAUSE_2021_2024}",
    "fatalities_kp_2024": f"known gap: median 1,292 against 1,620 (-20%): {CAUSE_2021_2024}",
    "fatalities_security_2025": f"known gap: median 719 against 590 (+22%): {CAUSE_SECURITY}",
    "attacks_change_2025_12": f"known gap: the December change is -0.02 against -0.17: {CLOSURE}",
    "security_peak_2022_12": "known gap: December 2022 falls 1.8% short of the 2020-2022 peak "
    "of security-force deaths",
}
"""Figures the committed posterior's ensemble misses (measured on 100 seeds, 2026-12-02)."""
POINT_MISSES = {
    "fatalities_national_2024": f"known gap: median 2,174 against 2,555 (-15%): {CAUSE_2021_2024}",
    "fatalities_national_2025": "known gap: median 4,074 against 3,417 (+19%): a point chosen "
    "on 16 seeds among 60 targets trades 2025's totals against the other monitors' figures",
    "fatalities_kp_2025": "known gap: median 2,910 against 2,331 (+25%), as 2025's total",
    "fatalities_security_2025": f"known gap: median 864 against 590 (+46%): {CAUSE_SECURITY}; "
    "this point overshoots PICSS's 667 as well",
    "attacks_change_2025_12": "known gap: the December change is -0.01 against -0.17 (the "
    "point estimate's leakage is 0.28)",
}
"""Figures the committed point estimate's ensemble misses (measured on 100 seeds)."""


def expected(names: list[str], misses: dict[str, str]) -> list:
    """``names`` as test parameters, the known misses marked as strict expected failures."""
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=misses[name]))
            if name in misses else name for name in names]


@pytest.mark.parametrize("name", expected(CHECK_NAMES, POSTERIOR_MISSES))
def test_the_posterior_reproduces_reported_figure(posterior_checks, name):
    holds, detail = posterior_checks[name]
    assert holds, f"{name}: {detail}"


@pytest.mark.parametrize("name", expected(CHECK_NAMES, POINT_MISSES))
def test_the_point_estimate_reproduces_reported_figure(point_checks, name):
    holds, detail = point_checks[name]
    assert holds, f"{name}: {detail}"


def test_a_wrong_parameter_set_fails_the_same_checks():
    """Twice the attack rates, an open 'closure' and no 2022 truce: the checks must catch it."""
    wrong = with_parameters(base_config("parameters.draw_from_posterior=false"), {
        "model.groups.ttp.attack_rate": 0.08,
        "model.groups.baloch.attack_rate": 0.1,
        "levers.border_closure_2025.leakage": 1.0,
        "levers.ceasefire_2022.compliance.ttp": 0.0,
    })
    checks = section2_checks(ensemble(wrong, WRONG_SEEDS))
    failed = {name for name, (holds, _) in checks.items() if not holds}
    assert {"fatalities_national_2024", "fatalities_national_2025",
            "attacks_change_2025_12"} <= failed, checks


def test_posterior_predictive_intervals_cover_the_calibration_figures(posterior_runs):
    coverage, table = predictive_coverage(posterior_runs)
    missed = table.loc[~table["covers_0.9"], "target"].tolist()
    assert coverage["0.9"] >= PPC_COVERAGE_FLOOR, f"90% intervals cover {coverage['0.9']:.0%}; " \
        f"missed: {missed}"


def test_a_wrong_posterior_fails_the_checks_and_the_coverage(tmp_path):
    """The committed sample with every attack rate doubled and an open 'closure'."""
    from sim.running import posterior

    wrong = posterior.load("").copy()
    for path in ("model.groups.ttp.attack_rate", "model.groups.baloch.attack_rate"):
        wrong[path] = wrong[path] * 2
    wrong["levers.border_closure_2025.leakage"] = 1.0
    path = tmp_path / "wrong.csv"
    wrong.to_csv(path, index=False)
    runs = ensemble(base_config("parameters.draw_from_posterior=true",
                                f"parameters.posterior_file={path}"), WRONG_SEEDS)
    checks = section2_checks(runs)
    failed = {name for name, (holds, _) in checks.items() if not holds}
    assert {"fatalities_national_2024", "fatalities_national_2025"} <= failed, checks
    coverage, _ = predictive_coverage(runs)
    assert coverage["0.9"] < PPC_COVERAGE_FLOOR, coverage
    assert np.isfinite(list(coverage.values())).all()
