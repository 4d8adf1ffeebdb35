"""The scenario library: every file composes, documents itself, and pairs with as_happened."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.data import reported
from sim.running.compose import available_scenarios, compose_config, scenario_files
from sim.running.validation import validate

REQUIRED = ("as_happened", "no_closure", "closure_lifted_2026q1", "permanent_closure",
            "mediation_2026", "pressure_2026", "combined")
SHORT = ["window.start=2025-01-01", "window.end=2026-12-31",
         "levers.taliban_takeover_2021=null", "levers.ceasefire_2022=null"]
"""Two simulated years (2025-2026) that keep every 2025-2026 lever."""


def config(name: str, *extra: str):
    return validate(compose_config([f"scenario={name}", *extra]))


def enabled(cfg) -> dict:
    return {k: v for k, v in cfg.levers.items() if v.enabled}


def effective_leakage(cfg, date: str) -> float:
    """Product of the leakage of every closure of all crossings acting on ``date``."""
    day = pd.Timestamp(date)
    out = 1.0
    for lever in enabled(cfg).values():
        if lever.kind == "border_closure" and "all" in lever.crossings and pd.Timestamp(
                lever.start) <= day and (
                lever.end is None or day < pd.Timestamp(lever.end)):
            out *= lever.leakage
    return out


def test_the_library_holds_the_required_scenarios():
    assert set(REQUIRED) <= set(available_scenarios())


@pytest.mark.parametrize("name", REQUIRED)
def test_scenario_documents_itself(name):
    text = scenario_files()[name].read_text(encoding="utf-8")
    assert text.lstrip().startswith(f"# {name}:"), "the file opens with a comment naming it"
    cfg = config(name)
    assert cfg.scenario.name == name
    assert len(cfg.scenario.description) > 20
    assert cfg.scenario.sources and set(cfg.scenario.sources) <= set(reported.sources())
    for lever_name, lever in enabled(cfg).items():
        assert lever.note, f"{name}: lever {lever_name} says where its values come from"
    if name not in ("as_happened", "no_closure"):
        assert "ASSUMPTION" in text or "assum" in text.lower(), "assumptions are labelled"


def test_closure_scenarios_differ_in_what_a_researcher_expects():
    history = config("as_happened")
    assert history.levers["border_closure_2025"].end is None  # held to the end of the run
    calibrated = history.levers["border_closure_2025"].leakage  # conf/model/calibrated.yaml
    assert effective_leakage(history, "2026-06-01") == pytest.approx(calibrated)
    assert "border_closure_2025" not in enabled(config("no_closure"))
    lifted = config("closure_lifted_2026q1").levers["border_closure_2025"]
    assert lifted.start == "2025-10-11"
    assert "2026-01-01" <= lifted.end <= "2026-03-31"
    permanent = config("permanent_closure")
    assert effective_leakage(permanent, "2025-12-01") == pytest.approx(calibrated)
    assert effective_leakage(permanent, "2026-06-01") < effective_leakage(history, "2026-06-01")
    assert all(v.end is None for v in enabled(permanent).values()
               if v.kind == "border_closure" and "all" in v.crossings and v.start >= "2025-10")


def test_mediation_pressure_and_combined():
    talks = [v for v in enabled(config("mediation_2026")).values()
             if v.kind == "mediation" and v.start >= "2026-01-01"]
    assert len(talks) == 1
    (talk,) = talks
    groups = set(config("mediation_2026").params.groups)
    assert talk.mediator and set(talk.compliance) == groups
    assert 0 < talk.breakdown_per_month < 1
    pressure = [v for v in enabled(config("pressure_2026")).values()
                if v.kind == "pressure" and v.start >= "2026-01-01" and v.level > 0.5]
    assert len(pressure) == 1 and pressure[0].on_tolerance > 0 and pressure[0].on_finance > 0
    combined = enabled(config("combined"))
    for part in ("mediation_2026", "pressure_2026", "as_happened"):
        for lever_name, lever in enabled(config(part)).items():
            assert combined[lever_name] == lever, f"combined keeps {part}'s {lever_name}"
    assert {v.kind for v in combined.values()} >= {"border_closure", "mediation", "pressure"}


@pytest.fixture(scope="module")
def short_runs():
    return {name: sim.simulate([f"scenario={name}", *SHORT], seed=11).monthly
            for name in REQUIRED}


def test_every_scenario_runs(short_runs):
    for name, monthly in short_runs.items():
        assert len(monthly) == 24 * 7, name
        assert monthly["fatalities_total"].sum() > 0, name


def _split(monthly: pd.DataFrame, month: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    monthly = monthly.sort_values(["month", "region"]).reset_index(drop=True)
    return monthly[monthly["month"] < month], monthly[monthly["month"] >= month]


@pytest.mark.parametrize("name,first_month", [
    ("no_closure", "2025-10"), ("closure_lifted_2026q1", "2026-02"),
    ("permanent_closure", "2026-01"), ("pressure_2026", "2026-01"),
    ("mediation_2026", "2026-03"), ("combined", "2026-01"),
])
def test_paired_runs_identical_until_first_difference(short_runs, name, first_month):
    """Same seed: a scenario and as_happened draw the same numbers until they differ."""
    before_a, after_a = _split(short_runs["as_happened"], first_month)
    before_b, after_b = _split(short_runs[name], first_month)
    pd.testing.assert_frame_equal(before_a.reset_index(drop=True),
                                  before_b.reset_index(drop=True))
    assert not after_a.reset_index(drop=True).equals(after_b.reset_index(drop=True))
