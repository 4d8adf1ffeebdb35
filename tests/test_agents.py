"""The agents' rules, one mechanism at a time, on small models."""

import numpy as np
import pytest

from sim.model.levers import Effects, build_levers
from sim.model.militants import MilitantCell
from sim.model.model import ConflictModel
from sim.model.space import CROSSING_KEYS, N_PAKISTAN, region_index
from sim.running.compose import compose_config
from sim.running.config import validate
from tests.conftest import SHORT


def make_model(*overrides: str, seed: int = 0) -> ConflictModel:
    cfg = validate(compose_config([*SHORT, *overrides]))
    levers = build_levers(cfg.levers, cfg.calendar, seed, tuple(cfg.params.groups))
    return ConflictModel(cfg.params, levers, cfg.calendar, seed)


def neutral(model, **changes) -> Effects:
    effects = Effects.neutral(len(CROSSING_KEYS), len(model.group_keys))
    for key, value in changes.items():
        setattr(effects, key, value)
    return effects


def test_taliban_tolerance_moves_toward_its_target():
    model = make_model("window.start=2021-01-01", "model.taliban.adjustment_days=10")
    taliban = model.taliban
    p = taliban.params
    assert taliban.tolerance == p.tolerance_before_takeover
    for _ in range(200):
        taliban.step(neutral(model, taliban_in_power=True))
    assert taliban.tolerance == pytest.approx(p.tolerance_in_power, abs=1e-6)
    for _ in range(200):
        taliban.step(neutral(model, taliban_in_power=True, taliban_mediating=True,
                             tolerance_cut=0.5))
    expected = p.tolerance_in_power * (1 - p.mediation_restraint) * 0.5
    assert taliban.tolerance == pytest.approx(expected, abs=1e-6)


def test_recruitment_grows_faster_with_a_tolerated_sanctuary():
    def strength_after(tolerance):
        model = make_model(seed=3)
        roster = model.roster
        rng = np.random.default_rng(0)
        for _ in range(365):
            roster.recruit(rng, tolerance, finance_cut=0.0)
        return roster.strength_by_group().sum()

    assert strength_after(1.0) > strength_after(0.0) * 1.2


def test_finance_cut_stops_recruitment():
    model = make_model()
    before = model.roster.strength_by_group().copy()
    model.roster.recruit(np.random.default_rng(0), tolerance=1.0, finance_cut=1.0)
    assert np.array_equal(model.roster.strength_by_group(), before)


def test_closed_border_blocks_crossings():
    model = make_model()
    roster = model.roster
    closed = np.zeros(len(CROSSING_KEYS))
    sanctuary_before = roster.region[: roster.n] >= N_PAKISTAN
    crossed = roster.move(np.random.default_rng(1), closed)
    assert crossed.sum() == 0
    assert np.array_equal(roster.region[: roster.n] >= N_PAKISTAN, sanctuary_before)
    opened = np.ones(len(CROSSING_KEYS))
    assert sum(roster.move(np.random.default_rng(1), opened).sum() for _ in range(30)) > 0


def test_ceasefire_compliance_silences_a_group():
    model = make_model("model.groups.ttp.attackers_per_attack=1.0")
    roster = model.roster
    n = roster.n
    ttp = model.group_keys.index("ttp")
    ttp_rows = roster.group[:n] == ttp
    ceasefire = np.zeros(len(model.group_keys))
    ceasefire[ttp] = 1.0
    rng = np.random.default_rng(2)
    fighters_before = roster.fighters[:n].copy()
    attacks = 0
    for _ in range(50):
        roster.supply[:n] = 1.0
        attacks += roster.attack(rng, ceasefire)["attacks"].sum()
    assert attacks > 0  # the other groups still attack
    lost = fighters_before - roster.fighters[:n]
    assert lost[ttp_rows].sum() == 0  # no TTP cell attacked, so none lost attackers
    assert lost[~ttp_rows].sum() > 0


def test_operations_target_regions_with_militants_and_kill_them():
    model = make_model("model.security.kill_fraction_per_operation=1.0",
                       "model.security.operations_per_1000_fighters_per_day=1000")
    roster = model.roster
    n = roster.n
    inside = roster.alive[:n] & (roster.region[:n] < N_PAKISTAN)
    strength = np.bincount(roster.region[:n][inside], weights=roster.fighters[:n][inside],
                           minlength=N_PAKISTAN)[:N_PAKISTAN]
    result = model.security.step(neutral(model), np.random.default_rng(0))
    assert np.all(result["operations"][strength == 0] == 0)
    assert np.all(result["operations"][strength > 0] > 0)
    assert result["militant"].sum() > 0
    alive_before = len(model.agents_by_type[MilitantCell])
    roster.split_and_bury()
    assert len(model.agents_by_type[MilitantCell]) < alive_before  # wiped-out cells removed
    assert np.all(roster.fighters[: roster.n][~roster.alive[: roster.n]] == 0)


def test_operations_lever_scales_operations():
    def ops(intensity):
        model = make_model()
        model.security.recent_attacks[:] = 5.0
        rng = np.random.default_rng(4)
        effects = neutral(model, operations=intensity)
        return sum(model.security.step(effects, rng)["operations"].sum() for _ in range(50))

    assert ops(0.0) == 0
    assert ops(2.0) > ops(1.0) * 1.5


def test_cells_split_and_fighters_are_conserved():
    model = make_model()
    roster = model.roster
    row = int(np.flatnonzero(roster.alive[: roster.n])[0])
    roster.fighters[row] = 500
    total = roster.fighters[: roster.n].sum()
    cells = roster.alive[: roster.n].sum()
    roster.split_and_bury()
    assert roster.fighters[: roster.n].sum() == total
    assert roster.alive[: roster.n].sum() == cells + 1
    assert len(model.agents_by_type[MilitantCell]) == cells + 1


def test_militant_cell_agent_views_its_row():
    model = make_model()
    agent = next(iter(model.agents_by_type[MilitantCell]))
    roster = model.roster
    assert agent.fighters == roster.fighters[agent.row]
    assert agent.group in model.group_keys
    assert agent.cell is model.space._cells[region_index(agent.region)]


def test_border_crossing_records_and_permeability():
    model = make_model()
    crossing = model.crossings[0]
    effects = neutral(model)
    effects.permeability[0] = 0.25
    crossing.step(effects, 0)
    assert crossing.permeability == pytest.approx(0.25 * crossing.base_permeability)
    crossing.record(3, 2, 1)
    assert crossing.crossed_in[3] == 2 and crossing.crossed_out[3] == 1


def test_closure_cuts_crossings_in_a_full_run(default_result):
    crossings = default_result.crossings.groupby("month")[["cells_in", "cells_out"]].sum()
    before = crossings.loc["2025-01":"2025-09"].sum(axis=1).mean()
    after = crossings.loc["2025-11":"2026-12"].sum(axis=1).mean()
    assert after < 0.5 * before
