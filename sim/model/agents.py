"""State and border agents: Pakistan's security forces, the Afghan Taliban authority, crossings.

Militant cells are in :mod:`sim.model.militants`. Each agent here is one object with its own rules;
the model calls them in a fixed order every day (see :meth:`sim.model.model.ConflictModel.step`).
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent

from sim.model.levers import Effects
from sim.model.params import SecurityParams, TalibanParams
from sim.model.space import N_PAKISTAN, REGION_KEYS, CrossingSpec, region_index

N_REGIONS = len(REGION_KEYS)


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
        # Wiped-out rows hold no fighters and Afghan regions are cut off, so no alive mask is
        # needed for the strength (exact integer sums in any order).
        strength = np.bincount(reg, weights=f, minlength=N_REGIONS)[:N_PAKISTAN]
        rate = effects.operations * (
            p.operations_per_1000_fighters_per_day * strength / 1000.0
            + p.operations_per_recent_attack * self.recent_attacks
        )
        rate[strength <= 0] = 0.0
        # One Poisson draw per region, as scalar calls (same numbers as one array call).
        poisson = rng.poisson
        counts = [poisson(x) for x in rate.tolist()]
        operations = np.array(counts, dtype=np.int64)
        killed = np.zeros(N_PAKISTAN, dtype=np.int64)
        security = np.zeros(N_PAKISTAN, dtype=np.int64)
        civilian = np.zeros(N_PAKISTAN, dtype=np.int64)
        targeted = [r for r, c in enumerate(counts) if c]
        if not targeted:  # nothing else is drawn: every remaining Poisson mean is 0
            return {"operations": operations, "militant": killed, "security": security,
                    "civilian": civilian}
        # Region of each living cell, -1 for dead rows (dead rows are never targets).
        where = np.where(roster.alive[:n], reg, -1)
        survive = 1.0 - p.kill_fraction_per_operation
        binomial = rng.binomial
        for r in targeted:
            idx = (where == r).nonzero()[0]
            weights = f[idx] / strength[r]
            hits = rng.multinomial(operations[r], weights)
            hit = hits.nonzero()[0]
            rows = idx[hit]
            share = 1.0 - survive ** hits[hit]
            # dead = binomial(f[rows], share), drawn row by row
            dead = [binomial(m, q) for m, q in zip(f[rows].tolist(), share.tolist(), strict=True)]
            f[rows] -= dead
            killed[r] = sum(dead)
        # Security deaths in every region, then civilian deaths (regions without operations
        # have mean 0 and draw nothing).
        for r in targeted:
            security[r] = poisson(p.security_per_operation * operations[r])
        for r in targeted:
            civilian[r] = poisson(p.civilian_per_operation * operations[r])
        return {"operations": operations, "militant": killed, "security": security,
                "civilian": civilian}
