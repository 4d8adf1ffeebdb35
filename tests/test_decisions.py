"""The agents' decisions, one at a time, on small models: each test can fail if the decision
is dropped or its sign is wrong.

- the Taliban's restraint responds to pressure, trade lost to closures, talks and strikes;
- the Taliban fight ISKP: its sanctuary access does not follow their tolerance, and their raids
  kill its fighters only while they rule;
- the security forces run operations where they believe militants are;
- militant cells aim at softer targets, and withdraw, where the security forces press them;
  talks that let fighters home bring cells from the sanctuary into Pakistan, and keep them;
- attacks have heavy-tailed lethality and come in waves;
- strikes kill in the sanctuary and are withheld under an interstate ceasefire; deportations
  cut local support.
"""

import numpy as np
import pytest

from sim.model.events import ATTACKS, ATTACKS_ON_SECURITY, EVENTS, OPERATIONS
from sim.model.lever_configs import (
    DeportationConfig,
    InterstateCeasefireConfig,
    MediationConfig,
    StrikesConfig,
)
from sim.model.levers import build_levers, daily_effects
from sim.model.militant_rules import attack, lethality, move, wave_size
from sim.model.space import CROSSING_KEYS, N_PAKISTAN, region_index
from sim.model.state_rules import (
    restraint_target,
    sanctuary_access,
    security_operations,
    strike_sanctuaries,
    taliban_decides,
)
from tests.test_agents import NO_HOMECOMING, fighters, make_model


def today() -> np.ndarray:
    return np.zeros((N_PAKISTAN, len(EVENTS)), dtype=np.int64)


def settle(model, days=2000, **situation):
    """The Taliban's state after ``days`` days in a fixed situation."""
    state = model.agent_state.taliban
    args = {"in_power": True, "tolerance_cut": 0.0, "mediating": False, "talks": False,
            "trade_lost": 0.0, **situation}
    for _ in range(days):
        taliban_decides(state, model.setup.tables.taliban, args["in_power"],
                        args["tolerance_cut"], args["mediating"], args["talks"],
                        args["trade_lost"])
    return model.taliban.tolerance


@pytest.mark.parametrize("situation", [{"tolerance_cut": 0.5}, {"trade_lost": 1.0},
                                       {"talks": True}, {"mediating": True}])
def test_taliban_restrain_the_ttp_under_pressure_trade_loss_and_talks(situation):
    free = settle(make_model())
    pressed = settle(make_model(), **situation)
    assert pressed < free - 0.01


def test_restraint_follows_in_months_where_affinity_moves_in_years():
    model = make_model("model.taliban.response_days=60", "model.taliban.adjustment_days=1500")
    settle(model)
    before = model.taliban.tolerance
    after_pressure = settle(model, days=120, tolerance_cut=0.6)
    assert after_pressure < 0.6 * before  # most of the cut within four months


def test_strikes_turn_restraint_into_defiance():
    taliban = make_model().setup.tables.taliban
    calm = restraint_target(taliban, 0.5, False, False, 0.0, 0.0)
    struck = restraint_target(taliban, 0.5, False, False, 0.0, 30.0)
    assert 0 < struck < calm


def test_the_taliban_fight_iskp_rather_than_shelter_it():
    model = make_model()
    groups, taliban = model.setup.tables.groups, model.setup.tables.taliban
    iskp, ttp = model.group_keys.index("iskp"), model.group_keys.index("ttp")
    access = np.zeros(len(model.group_keys))
    sanctuary_access(groups, taliban, 0.9, access)
    assert access[ttp] == 0.9 and access[iskp] == taliban.enemy_sanctuary_access
    sanctuary_access(groups, taliban, 0.1, access)
    assert access[iskp] == taliban.enemy_sanctuary_access  # does not follow tolerance


def test_taliban_raids_kill_iskp_in_sanctuary_only_while_they_rule():
    def killed(in_power_from):
        model = make_model(f"levers.taliban_takeover_2021.start={in_power_from}",
                           "model.taliban.raids_per_1000_fighters_per_day=1.0")
        model.run()
        iskp = model.group_keys.index("iskp")
        return model.records.sanctuary[:, iskp, 3].sum(), model.records.sanctuary[:, :, 3]

    ruled, by_group = killed("2021-01-01")
    assert ruled > 0
    ttp = 0
    assert by_group[:, ttp].sum() == 0  # the TTP is not raided
    never, _ = killed("2030-01-01")
    assert never == 0


def test_operations_follow_what_the_security_forces_believe():
    model = make_model("model.security.operations_per_recent_attack=0")
    roster, tables = model.roster, model.setup.tables
    kp, punjab = region_index("kp"), region_index("punjab")
    present = roster.census.sum(axis=0)[:N_PAKISTAN]
    assert present[kp] > 0 and present[punjab] == 0
    estimate = np.zeros(N_PAKISTAN)
    estimate[punjab] = 5000.0  # a false belief: nobody is in Punjab
    counts = today()
    rng = np.random.default_rng(0)
    for _ in range(20):
        security_operations(rng, roster.cells, roster.n, tables.security, np.zeros(N_PAKISTAN),
                            estimate, 1.0, roster.census, roster.work, counts)
    assert counts[kp, OPERATIONS] == 0  # militants there, but unknown: no operation
    assert counts[punjab, OPERATIONS] > 0  # operations where they are believed to be
    assert counts[:, EVENTS.index("militants_killed_in_operations")].sum() == 0


def test_militants_turn_to_softer_targets_under_pressure():
    def share_on_security(pressure):
        model = make_model("model.security.target_substitution=1.0")
        roster, groups = model.roster, model.setup.tables.groups
        counts = today()
        rng = np.random.default_rng(1)
        by_group = np.zeros((len(model.group_keys), 2), dtype=np.int64)
        for _ in range(200):
            roster.cells.supply[: roster.n] = 1.0
            attack(rng, roster.cells, roster.n, groups, np.zeros(len(model.group_keys)), 1.0,
                   np.full(N_PAKISTAN, pressure), 1.0, roster.census, roster.work, counts,
                   by_group)
        return counts[:, ATTACKS_ON_SECURITY].sum() / counts[:, ATTACKS].sum()

    assert share_on_security(0.0) > 0.4
    assert share_on_security(1.0) == 0.0


def test_cells_withdraw_to_sanctuary_where_they_are_pressed():
    def crossings_out(pressure):
        model = make_model("model.groups.ttp.withdrawal_under_pressure=3.0")
        roster, tables = model.roster, model.setup.tables
        crossed = np.zeros((len(CROSSING_KEYS), 2), dtype=np.int64)
        rng = np.random.default_rng(2)
        for _ in range(30):
            move(rng, roster.cells, roster.n, tables.groups, tables.entry_region,
                 np.ones((len(CROSSING_KEYS), 2)), NO_HOMECOMING, np.full(N_PAKISTAN, pressure),
                 crossed, roster.census)
        return crossed[:, 1].sum()

    assert crossings_out(1.0) > 1.5 * crossings_out(0.0)


def test_talks_that_let_fighters_home_bring_cells_into_pakistan_and_keep_them():
    def cells_in_pakistan(homecoming):
        model = make_model()
        roster, tables = model.roster, model.setup.tables
        crossed = np.zeros((len(CROSSING_KEYS), 2), dtype=np.int64)
        rng = np.random.default_rng(3)
        for _ in range(90):
            move(rng, roster.cells, roster.n, tables.groups, tables.entry_region,
                 np.ones((len(CROSSING_KEYS), 2)), homecoming, np.zeros(N_PAKISTAN),
                 crossed, roster.census)
        return int((roster.cells.region[:roster.n] < N_PAKISTAN).sum()), crossed

    usual, crossed_usual = cells_in_pakistan(NO_HOMECOMING)
    home, crossed_home = cells_in_pakistan(np.array([2.0, 1.0, 1.0]))
    assert home > usual * 1.1  # more come in and stay
    assert crossed_home[:, 1].sum() < crossed_usual[:, 1].sum()  # fewer go back


def test_a_mediation_sets_homecoming_for_its_parties_while_the_talks_last():
    from sim.model.calendar import SimCalendar

    cal = SimCalendar.from_strings("2022-01-01", "2022-12-31")
    talks = MediationConfig(kind="mediation", start="2022-06-02", end="2022-09-01",
                            compliance={"ttp": 0.3}, homecoming={"ttp": 2.0})
    days = daily_effects(build_levers({"t": talks}, cal, 0, ("ttp", "baloch", "iskp")),
                         cal.n_days, 3)
    assert list(days.on(cal.step_of("2022-07-01")).homecoming) == [2.0, 1.0, 1.0]
    assert list(days.on(cal.step_of("2022-09-01")).homecoming) == [1.0, 1.0, 1.0]


def test_attack_lethality_is_heavy_tailed_with_mean_one():
    rng = np.random.default_rng(0)
    draws = np.array([lethality(rng, 2.38) for _ in range(200_000)])
    assert draws.mean() == pytest.approx(1.0, rel=0.05)
    assert np.median(draws) < 0.6  # most attacks kill fewer than the mean
    assert draws.max() > 30  # and a few kill dozens of times as many


def test_waves_have_the_stated_mean_size():
    rng = np.random.default_rng(0)
    sizes = np.array([wave_size(rng, 2.0) for _ in range(100_000)])
    assert sizes.min() == 1 and sizes.mean() == pytest.approx(2.0, rel=0.02)
    assert all(wave_size(rng, 1.0) == 1 for _ in range(100))


def test_strikes_kill_in_the_sanctuary_and_count_as_remembered_strikes():
    model = make_model()
    roster = model.roster
    ttp = model.group_keys.index("ttp")
    in_sanctuary = roster.cells.region[: roster.n] >= N_PAKISTAN
    before = fighters(model).copy()
    rate = np.zeros(len(model.group_keys))
    rate[ttp] = 0.01
    struck, killed = np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64)
    hits = strike_sanctuaries(np.random.default_rng(0), roster.cells, roster.n, rate, 0.5,
                              roster.census, roster.work, struck, killed)
    lost = before - fighters(model)
    assert hits == struck[ttp] > 0 and killed[ttp] == lost.sum() > 0
    assert lost[~in_sanctuary].sum() == 0  # nobody in Pakistan is hit


def test_an_interstate_ceasefire_withholds_strikes_and_the_taliban_remember_strikes():
    def run(compliance):
        model = make_model(
            "+levers.raid={kind: strikes, start: '2022-01-01', end: '2022-03-01', "
            "strikes_per_day: 2.0}",
            f"+levers.truce={{kind: interstate_ceasefire, start: '2022-01-01', "
            f"compliance: {compliance}}}")
        model.run()
        ttp = model.group_keys.index("ttp")
        return model.records.sanctuary[:, ttp, 0].sum(), model.state[:, 3].max()

    strikes, remembered = run(0.0)
    assert strikes > 60 and remembered > 30
    assert run(1.0) == (0, 0.0)


def test_interstate_ceasefire_and_deportation_levers_set_their_days():
    from sim.model.calendar import SimCalendar

    cal = SimCalendar.from_strings("2025-01-01", "2025-12-31")
    configs = {
        "s": StrikesConfig(kind="strikes", start="2025-02-01", end="2025-03-01",
                           strikes_per_day=2.0, groups=["ttp"]),
        "c": InterstateCeasefireConfig(kind="interstate_ceasefire", start="2025-02-15",
                                       compliance=0.75),
        "d": DeportationConfig(kind="deportation", start="2025-06-01",
                               returnees_per_month=80_000),
    }
    days = daily_effects(build_levers(configs, cal, 0, ("ttp", "baloch", "iskp")),
                         cal.n_days, 3)
    feb_10, feb_20 = days.on(cal.step_of("2025-02-10")), days.on(cal.step_of("2025-02-20"))
    assert list(feb_10.strikes) == [2.0, 0.0, 0.0] and feb_10.interstate_ceasefire == 0.0
    assert feb_20.interstate_ceasefire == 0.75 and feb_20.interstate_talks
    assert days.on(cal.step_of("2025-05-31")).returnees_per_month == 0.0
    assert days.on(cal.step_of("2025-06-01")).returnees_per_month == 80_000


def test_deportations_cut_local_support_in_a_run():
    def supply_inside(returnees):
        model = make_model(
            f"+levers.out={{kind: deportation, start: '2021-01-01', "
            f"returnees_per_month: {returnees}}}",
            "model.deportation.support_cut_per_100k_per_month=2.0")
        model.run()
        rows = model.roster.cells.region[: model.roster.n] < N_PAKISTAN
        return model.roster.cells.supply[: model.roster.n][rows].mean()

    assert supply_inside(200_000) < supply_inside(0)


def test_one_way_returns_open_torkhams_gate_outward_for_returnees_only():
    from sim.model.calendar import SimCalendar
    from sim.model.lever_configs import BorderClosureConfig

    cal = SimCalendar.from_strings("2025-10-01", "2025-12-31")
    cfg = BorderClosureConfig(kind="border_closure", start="2025-10-11", leakage=0.2,
                              outbound_open=["torkham"], outbound_open_from="2025-11-01")
    (lever,) = build_levers({"c": cfg}, cal, 0, ("ttp",))
    days = daily_effects([lever], cal.n_days, 1)
    torkham = CROSSING_KEYS.index("torkham")
    october, november = days.on(cal.step_of("2025-10-20")), days.on(cal.step_of("2025-11-02"))
    assert october.permeability[torkham].tolist() == [0.2, 0.2]
    assert november.permeability[torkham].tolist() == [0.2, 0.2]  # militants: still shut
    assert october.gates_out[torkham] == 0.2 and november.gates_out[torkham] == 1.0
    others = np.arange(len(CROSSING_KEYS)) != torkham
    assert (november.gates_out[others] == 0.2).all()
    assert any(event == "outbound_open" for _, event in lever.events)
