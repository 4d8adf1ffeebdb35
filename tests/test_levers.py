"""Lever time rules: start inclusive, end exclusive, restore after, stacking, records."""

import numpy as np
import pytest

from sim.model.calendar import SimCalendar
from sim.model.lever_configs import (
    BorderClosureConfig,
    MediationConfig,
    OperationsConfig,
    PressureConfig,
    TalibanRuleConfig,
)
from sim.model.levers import build_levers, daily_effects
from sim.model.space import CROSSING_KEYS

CAL = SimCalendar.from_strings("2025-01-01", "2025-12-31")
GROUPS = ("ttp", "baloch", "iskp")


def effects_on(levers, date):
    """The levers' effects on ``date``, from the table of every day the model builds."""
    return daily_effects(levers, CAL.n_days, len(GROUPS)).on(CAL.step_of(date))


def test_window_is_start_inclusive_end_exclusive_and_restores():
    cfg = BorderClosureConfig(kind="border_closure", start="2025-03-01", end="2025-04-01",
                              crossings=["all"], leakage=0.25)
    (lever,) = build_levers({"c": cfg}, CAL, seed=1, group_keys=GROUPS)
    assert not lever.in_window(CAL.step_of("2025-02-28"))
    assert lever.in_window(CAL.step_of("2025-03-01"))
    assert lever.in_window(CAL.step_of("2025-03-31"))
    assert not lever.in_window(CAL.step_of("2025-04-01"))
    days = daily_effects([lever], CAL.n_days, len(GROUPS))
    assert np.allclose(days.on(CAL.step_of("2025-02-28")).permeability, 1.0)
    assert np.allclose(days.on(CAL.step_of("2025-03-01")).permeability, 0.25)
    assert np.allclose(days.on(CAL.step_of("2025-03-31")).permeability, 0.25)
    assert np.allclose(days.on(CAL.step_of("2025-04-01")).permeability, 1.0)  # restored
    assert [(str(d), e) for d, e in lever.events] == [("2025-03-01", "start"),
                                                       ("2025-04-01", "end")]


def test_open_end_runs_to_the_end_of_the_simulation():
    (lever,) = build_levers(
        {"c": BorderClosureConfig(kind="border_closure", start="2025-10-11")}, CAL, 1, GROUPS
    )
    assert lever.in_window(CAL.n_days - 1)
    days = daily_effects([lever], CAL.n_days, len(GROUPS))
    assert np.allclose(days.permeability[-1], 0.2)
    assert [e for _, e in lever.events] == ["start"]


def test_closures_stack_multiplicatively_and_only_on_named_crossings():
    levers = build_levers(
        {
            "a": BorderClosureConfig(kind="border_closure", start="2025-01-01",
                                     crossings=["torkham", "chaman"], leakage=0.5),
            "b": BorderClosureConfig(kind="border_closure", start="2025-01-01",
                                     crossings=["torkham"], leakage=0.5),
        },
        CAL, 1, GROUPS,
    )
    perm = dict(zip(CROSSING_KEYS, effects_on(levers, "2025-02-01").permeability, strict=True))
    assert perm["torkham"] == pytest.approx(0.25)
    assert perm["chaman"] == pytest.approx(0.5)
    assert perm["waziristan"] == pytest.approx(1.0)


def test_mediation_sets_ceasefire_operations_and_taliban_role():
    cfg = MediationConfig(kind="mediation", start="2025-06-01", end="2025-07-01",
                          compliance={"ttp": 0.7, "iskp": 0.2}, state_compliance=0.4)
    strong = MediationConfig(kind="mediation", start="2025-06-15", end="2025-06-20",
                             mediator="qatar", compliance={"ttp": 0.9}, state_compliance=0.0)
    levers = build_levers({"m": cfg, "n": strong}, CAL, 1, GROUPS)
    before = effects_on(levers, "2025-05-31")
    assert before.ceasefire.tolist() == [0, 0, 0] and before.operations == 1.0
    inside = effects_on(levers, "2025-06-10")
    assert inside.ceasefire.tolist() == [0.7, 0.0, 0.2]
    assert inside.operations == pytest.approx(0.6) and inside.taliban_mediating
    overlap = effects_on(levers, "2025-06-16")
    assert overlap.ceasefire.tolist() == [0.9, 0.0, 0.2]  # strongest compliance holds


def test_mediation_breakdown_ends_talks_early_and_is_reproducible():
    cfg = MediationConfig(kind="mediation", start="2025-01-01", end="2025-12-31",
                          breakdown_per_month=0.5)

    def talks(seed):
        (lever,) = build_levers({"talks": cfg}, CAL, seed, GROUPS)
        return lever, daily_effects([lever], CAL.n_days, len(GROUPS))

    lever, days = talks(3)
    (broke,) = [d for d, e in lever.events if e == "breakdown"]
    assert [e for _, e in lever.events] == ["start", "breakdown", "end"]
    assert lever.events[2][0] == broke and "2025-01-01" < broke.isoformat() < "2025-12-31"
    assert talks(3)[0].events == lever.events  # the lever's own stream: same seed, same day
    step = CAL.step_of(broke)
    assert days.ceasefire[step - 1].max() > 0 and days.ceasefire[step:].max() == 0.0
    assert days.operations[step - 1] < 1.0 and np.all(days.operations[step:] == 1.0)
    dates = {talks(seed)[0].events[1][0] for seed in range(5)}
    assert len(dates) > 1  # different seeds, different days


def test_pressure_ramps_to_its_level():
    cfg = PressureConfig(kind="pressure", start="2025-01-01", level=0.8, ramp_days=100,
                         on_tolerance=0.5, on_finance=0.25)
    (lever,) = build_levers({"p": cfg}, CAL, 1, GROUPS)
    half = effects_on([lever], "2025-02-19")  # day 50 of the ramp
    assert half.tolerance_cut == pytest.approx(0.8 * 0.5 * 0.5)
    full = effects_on([lever], "2025-08-01")
    assert full.tolerance_cut == pytest.approx(0.4)
    assert full.finance_cut == pytest.approx(0.2)


def test_disabled_levers_are_not_built_and_operations_multiply():
    levers = build_levers(
        {
            "off": TalibanRuleConfig(kind="taliban_rule", start="2025-01-01", enabled=False),
            "ops1": OperationsConfig(kind="operations", start="2025-01-01", intensity=2.0),
            "ops2": OperationsConfig(kind="operations", start="2025-01-01", intensity=1.5),
        },
        CAL, 1, GROUPS,
    )
    assert [lv.name for lv in levers] == ["ops1", "ops2"]
    effects = effects_on(levers, "2025-03-01")
    assert effects.operations == pytest.approx(3.0) and not effects.taliban_in_power
