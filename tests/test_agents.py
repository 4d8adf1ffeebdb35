"""The agents' rules, one mechanism at a time, on small models.

Each compiled rule is called on the arrays of a small model, as the day loop calls it.
"""

import numpy as np
import pytest

from sim.model.agents import BorderCrossing
from sim.model.events import ATTACKERS_KILLED, ATTACKS, EVENTS, MILITANTS_IN_OPERATIONS, OPERATIONS
from sim.model.levers import build_levers
from sim.model.militant_rules import attack, move, recruit, split_and_bury
from sim.model.militants import MilitantCell
from sim.model.model import ConflictModel
from sim.model.space import CROSSING_KEYS, N_PAKISTAN, region_index
from sim.model.state_rules import crossing_permeability, security_operations, taliban_decides
from sim.running.compose import compose_config
from sim.running.validation import validate
from tests.conftest import SHORT

NO_HOMECOMING = np.ones(3)
"""Each default group's homecoming multiplier on a day without talks [1: none]."""


def make_model(*overrides: str, seed: int = 0) -> ConflictModel:
    cfg = validate(compose_config([*SHORT, *overrides]))
    levers = build_levers(cfg.levers, cfg.calendar, seed, tuple(cfg.params.groups))
    return ConflictModel(cfg.params, levers, cfg.calendar, seed)


def today() -> np.ndarray:
    """A day's counts [region, metric]."""
    return np.zeros((N_PAKISTAN, len(EVENTS)), dtype=np.int64)


def fighters(model) -> np.ndarray:
    roster = model.roster
    return roster.cells.fighters[: roster.n]


def test_taliban_affinity_moves_toward_its_target_and_restraint_withholds_part_of_it():
    model = make_model("window.start=2021-01-01", "model.taliban.adjustment_days=10",
                       "model.taliban.response_days=10")
    taliban = model.setup.tables.taliban
    p = model.params.taliban
    assert model.taliban.tolerance == p.tolerance_before_takeover
    state = model.agent_state.taliban
    for _ in range(300):
        taliban_decides(state, taliban, True, 0.0, False, False, 0.0)
    assert model.taliban.affinity == pytest.approx(p.tolerance_in_power, abs=1e-6)
    assert model.taliban.tolerance == pytest.approx(p.tolerance_in_power, abs=1e-6)
    for _ in range(300):
        taliban_decides(state, taliban, True, 0.5, True, False, 0.0)
    expected = p.tolerance_in_power * (1 - p.mediation_restraint) * 0.5
    assert model.taliban.tolerance == pytest.approx(expected, abs=1e-6)


def test_recruitment_grows_faster_with_a_tolerated_sanctuary():
    """The mechanism, with its two rates set here (not the calibration's, which moves them)."""
    def strength_after(tolerance):
        model = make_model("model.groups.ttp.recruitment_base_per_year=0.2",
                           "model.groups.ttp.recruitment_sanctuary_per_year=0.8", seed=3)
        roster, groups = model.roster, model.setup.tables.groups
        rng = np.random.default_rng(0)
        for _ in range(365):
            access = np.full(len(model.group_keys), tolerance)
            recruit(rng, roster.cells, roster.n, groups, access, 1.0, 0.0, roster.census,
                    roster.work)
        return roster.strength_by_group().sum()

    assert strength_after(1.0) > strength_after(0.0) * 1.2


def test_finance_cut_stops_recruitment():
    model = make_model()
    roster = model.roster
    before = roster.strength_by_group().copy()
    access = np.ones(len(model.group_keys))
    recruit(np.random.default_rng(0), roster.cells, roster.n, model.setup.tables.groups, access,
            1.0, 1.0, roster.census, roster.work)
    assert np.array_equal(roster.strength_by_group(), before)


def test_closed_border_blocks_crossings():
    model = make_model()
    roster, tables = model.roster, model.setup.tables

    def move_days(permeability, days, seed):
        crossed = np.zeros((len(CROSSING_KEYS), 2), dtype=np.int64)
        rng = np.random.default_rng(seed)
        for _ in range(days):
            move(rng, roster.cells, roster.n, tables.groups, tables.entry_region, permeability,
                 NO_HOMECOMING, np.zeros(N_PAKISTAN), crossed, roster.census)
        return crossed

    in_sanctuary = roster.cells.region[: roster.n] >= N_PAKISTAN
    assert move_days(np.zeros((len(CROSSING_KEYS), 2)), 30, 1).sum() == 0
    assert np.array_equal(roster.cells.region[: roster.n] >= N_PAKISTAN, in_sanctuary)
    assert move_days(np.ones((len(CROSSING_KEYS), 2)), 30, 1).sum() > 0


def test_spillover_goes_to_a_neighbouring_pakistani_region():
    model = make_model("model.groups.ttp.spillover_per_day=1.0",
                       "model.groups.ttp.return_per_day=0.0",
                       "model.groups.ttp.home_return_per_day=0.0")
    roster, tables = model.roster, model.setup.tables
    n, cells = roster.n, roster.cells
    ttp = model.group_keys.index("ttp")
    kp = region_index("kp")
    ttp_in_kp = (cells.group[:n] == ttp) & (cells.region[:n] == kp)
    assert ttp_in_kp.any()
    crossed = np.zeros((len(CROSSING_KEYS), 2), dtype=np.int64)
    move(np.random.default_rng(5), cells, n, tables.groups, tables.entry_region,
         np.ones((len(CROSSING_KEYS), 2)), NO_HOMECOMING, np.zeros(N_PAKISTAN), crossed,
         roster.census)
    moved_to = cells.region[:n][ttp_in_kp]
    neighbours = {region_index(k) for k in ("punjab", "islamabad", "gb", "ajk", "balochistan")}
    assert set(moved_to.tolist()) <= neighbours


def test_ceasefire_compliance_silences_a_group():
    model = make_model("model.groups.ttp.attackers_per_attack=1.0")
    roster, groups = model.roster, model.setup.tables.groups
    n, cells = roster.n, roster.cells
    ttp = model.group_keys.index("ttp")
    ttp_rows = cells.group[:n] == ttp
    ceasefire = np.zeros(len(model.group_keys))
    ceasefire[ttp] = 1.0
    rng = np.random.default_rng(2)
    fighters_before = fighters(model).copy()
    counts = today()
    for _ in range(50):
        cells.supply[:n] = 1.0
        attack(rng, cells, n, groups, ceasefire, 1.0, np.zeros(N_PAKISTAN), 0.0, roster.census,
               roster.work, counts, np.zeros((len(model.group_keys), 2), dtype=np.int64))
    assert counts[:, ATTACKS].sum() > 0  # the other groups still attack
    lost = fighters_before - fighters(model)
    assert lost[ttp_rows].sum() == 0  # no TTP cell attacked, so none lost attackers
    assert lost[~ttp_rows].sum() == counts[:, ATTACKERS_KILLED].sum() > 0


def test_operations_target_regions_with_militants_and_kill_them():
    model = make_model("model.security.kill_fraction_per_operation=1.0",
                       "model.security.operations_per_1000_fighters_per_day=1000")
    roster, tables = model.roster, model.setup.tables
    n, cells = roster.n, roster.cells
    inside = cells.region[:n] < N_PAKISTAN
    strength = np.bincount(cells.region[:n][inside], weights=cells.fighters[:n][inside],
                           minlength=N_PAKISTAN)[:N_PAKISTAN]
    counts = today()
    security_operations(np.random.default_rng(0), cells, n, tables.security,
                        model.security.recent_attacks, strength.astype(float), 1.0,
                        roster.census, roster.work, counts)
    assert np.all(counts[strength == 0, OPERATIONS] == 0)
    assert np.all(counts[strength > 0, OPERATIONS] > 0)
    killed = counts[:, MILITANTS_IN_OPERATIONS].sum()
    assert killed == strength.sum() - fighters(model)[inside].sum() > 0
    alive_before = len(model.agents_by_type[MilitantCell])
    roster.n, roster.next_ident = split_and_bury(cells, n, tables.groups, roster.next_ident,
                                                 roster.work)
    roster.agents_stale = True
    assert len(model.agents_by_type[MilitantCell]) == roster.n < alive_before  # removed
    assert np.all(fighters(model) > 0)


def test_operations_lever_scales_operations():
    def operations(intensity):
        model = make_model()
        roster, tables = model.roster, model.setup.tables
        model.security.recent_attacks[:] = 5.0
        rng = np.random.default_rng(4)
        counts = today()
        for _ in range(50):
            security_operations(rng, roster.cells, roster.n, tables.security,
                                model.security.recent_attacks, model.security.estimate,
                                intensity, roster.census, roster.work, counts)
        return counts[:, OPERATIONS].sum()

    assert operations(0.0) == 0
    assert operations(2.0) > operations(1.0) * 1.5


def test_cells_split_and_fighters_are_conserved():
    model = make_model()
    roster, groups = model.roster, model.setup.tables.groups
    roster.cells.fighters[0] = 500
    total = fighters(model).sum()
    cells = roster.n
    parent = int(roster.cells.ident[0])
    roster.n, roster.next_ident = split_and_bury(roster.cells, roster.n, groups,
                                                 roster.next_ident, roster.work)
    roster.agents_stale = True
    assert fighters(model).sum() == total
    assert roster.n == cells + 1
    assert roster.cells.fighters[0] == 250 and roster.cells.fighters[cells] == 250
    assert roster.cells.ident[0] == parent and roster.cells.ident[cells] == roster.next_ident - 1
    assert len(model.agents_by_type[MilitantCell]) == cells + 1


def test_militant_cell_agents_follow_their_cells_through_steps():
    model = make_model()
    agent = next(iter(model.agents_by_type[MilitantCell]))
    cells = model.roster.cells
    assert agent.fighters == cells.fighters[agent.row]
    assert agent.group in model.group_keys
    assert agent.cell is model.space._cells[region_index(agent.region)]
    for _ in range(60):
        model.step()
    living = model.agents_by_type[MilitantCell]
    assert len(living) == model.roster.n
    assert sorted(a.ident for a in living) == sorted(cells.ident[: model.roster.n].tolist())
    assert all(cells.ident[a.row] == a.ident for a in living)
    assert model.steps == model.days_done == 60


def test_rules_keep_the_census_of_fighters_current():
    model = make_model("model.security.kill_fraction_per_operation=0.5")
    model.run()
    roster = model.roster
    assert np.array_equal(roster.census, roster.count_fighters())
    assert roster.census.sum() == fighters(model).sum() > 0
    month_end = model.records.strength[-1]
    assert np.array_equal(month_end[0], roster.census.sum(axis=1))


def test_wiped_out_cells_leave_and_their_rows_are_reused():
    model = make_model()
    roster, groups = model.roster, model.setup.tables.groups
    n = roster.n
    idents = roster.cells.ident[:n].copy()
    roster.cells.fighters[[0, 2, n - 1]] = 0
    roster.n, _ = split_and_bury(roster.cells, n, groups, roster.next_ident, roster.work)
    assert roster.n == n - 3
    assert roster.cells.ident[0] == idents[n - 2] and roster.cells.ident[2] == idents[n - 3]
    assert sorted(roster.cells.ident[: roster.n]) == sorted(set(idents) - {idents[0], idents[2],
                                                                          idents[n - 1]})


def test_step_by_step_equals_one_run():
    stepped, whole = make_model(seed=4), make_model(seed=4)
    for _ in range(100):
        stepped.step()
    whole.run()
    for _ in range(whole.calendar.n_days - 100):
        stepped.step()
    assert not stepped.running and stepped.steps == whole.steps == whole.calendar.n_days
    assert np.array_equal(stepped.events.daily, whole.events.daily)
    assert np.array_equal(stepped.records.strength, whole.records.strength)


def test_border_crossing_permeability_and_records():
    model = make_model()
    crossing = model.crossings[0]
    assert isinstance(crossing, BorderCrossing)
    out = model.agent_state.permeability
    multiplier = np.ones((len(CROSSING_KEYS), 2))
    multiplier[0] = 0.25
    crossing_permeability(model.setup.tables.base_permeability, multiplier, out)
    assert crossing.permeability == pytest.approx(0.25 * crossing.base_permeability)
    model.run()
    months = model.records.crossed.shape[0]
    assert crossing.crossed_in.shape == crossing.crossed_out.shape == (months,)
    assert crossing.crossed_in.sum() > 0


def test_closure_cuts_crossings_in_a_full_run(default_result):
    crossings = default_result.crossings.groupby("month")[["cells_in", "cells_out"]].sum()
    before = crossings.loc["2025-01":"2025-09"].sum(axis=1).mean()
    after = crossings.loc["2025-11":"2026-12"].sum(axis=1).mean()
    assert after < 0.5 * before
