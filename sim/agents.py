"""State and border agents: Pakistan's security forces, the Afghan Taliban authority, crossings.

Militant cells are in :mod:`sim.militants`. Each agent here is one object with its own rules;
the model calls them in a fixed order every day (see :meth:`sim.model.ConflictModel.step`).
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent

from sim.levers import Effects
from sim.params import SecurityParams, TalibanParams
from sim.space import N_PAKISTAN, CrossingSpec, region_index


class TalibanAuthority(mesa.Agent):
    """The authority in Kabul and its tolerance of militant sanctuary [0-1].

    Tolerance moves toward a target with time constant ``adjustment_days``: low under the
    Islamic Republic, high once the Taliban rule (S2: TTP 'seemingly embolden by the return of
    Taliban to power in August 2021'), lowered while they mediate talks and by international
    pressure on Kabul.
    """

    def __init__(self, model, params: TalibanParams, in_power: bool):
        super().__init__(model)
        self.params = params
        self.tolerance = params.tolerance_in_power if in_power else params.tolerance_before_takeover

    def target(self, effects: Effects) -> float:
        p = self.params
        base = p.tolerance_in_power if effects.taliban_in_power else p.tolerance_before_takeover
        if effects.taliban_mediating:
            base *= 1.0 - p.mediation_restraint
        return base * (1.0 - effects.tolerance_cut)

    def step(self, effects: Effects) -> None:
        self.tolerance += (self.target(effects) - self.tolerance) / self.params.adjustment_days


class BorderCrossing(FixedAgent):
    """A border sector on its Pakistani region's cell; permeability [0-1] gates movement and
    supply, and it counts the militant cells that crossed each way."""

    def __init__(self, model, spec: CrossingSpec, base_permeability: float):
        super().__init__(model)
        self.spec = spec
        self.base_permeability = base_permeability
        self.permeability = base_permeability
        self.cell = model.space._cells[region_index(spec.pakistan_side)]
        n_months = len(model.calendar.months)
        self.crossed_in = np.zeros(n_months, dtype=np.int64)
        self.crossed_out = np.zeros(n_months, dtype=np.int64)

    def step(self, effects: Effects, index: int) -> None:
        self.permeability = self.base_permeability * effects.permeability[index]

    def record(self, month: int, cells_in: int, cells_out: int) -> None:
        self.crossed_in[month] += cells_in
        self.crossed_out[month] += cells_out


class PakistanSecurityForces(mesa.Agent):
    """Pakistan's army, Frontier Corps and police, as one actor.

    Each day and region it launches operations at a rate that grows with the militant
    strength present (intelligence-led operations) and with recent attacks (response). An
    operation strikes a cell chosen in proportion to fighters and kills a share of them; it
    costs security and civilian lives.
    """

    def __init__(self, model, params: SecurityParams):
        super().__init__(model)
        self.params = params
        self.recent_attacks = np.zeros(N_PAKISTAN)  # attacks/day, exponentially weighted
        self._memory = 1.0 / params.response_window_days

    def observe_attacks(self, attacks_by_region: np.ndarray) -> None:
        self.recent_attacks += (attacks_by_region - self.recent_attacks) * self._memory

    def step(self, effects: Effects, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Run today's operations; returns counts per Pakistani region."""
        p = self.params
        roster = self.model.roster
        n = roster.n
        reg, f = roster.region[:n], roster.fighters[:n]
        inside = roster.alive[:n] & (reg < N_PAKISTAN)
        strength = np.bincount(reg[inside], weights=f[inside], minlength=N_PAKISTAN)[:N_PAKISTAN]
        rate = effects.operations * (
            p.operations_per_1000_fighters_per_day * strength / 1000.0
            + p.operations_per_recent_attack * self.recent_attacks
        )
        rate[strength <= 0] = 0.0
        operations = rng.poisson(rate)
        killed = np.zeros(N_PAKISTAN, dtype=np.int64)
        for r in np.flatnonzero(operations):
            idx = np.flatnonzero(inside & (reg == r))
            weights = f[idx] / strength[r]
            hits = rng.multinomial(operations[r], weights)
            hit = np.flatnonzero(hits)
            rows = idx[hit]
            share = 1.0 - (1.0 - p.kill_fraction_per_operation) ** hits[hit]
            dead = rng.binomial(f[rows], share)
            f[rows] -= dead
            killed[r] = dead.sum()
        return {
            "operations": operations,
            "militant": killed,
            "security": rng.poisson(p.security_per_operation * operations),
            "civilian": rng.poisson(p.civilian_per_operation * operations),
        }
