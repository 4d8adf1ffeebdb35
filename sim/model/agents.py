"""State and border agents: Pakistan's security forces, the Afghan Taliban authority, crossings.

Each is a Mesa agent whose state lives in the model's arrays (:class:`AgentState`), which the
compiled day loop updates with the agent's rules (:mod:`sim.model.state_rules`). Militant
cells are in :mod:`sim.model.militants`.
"""

from __future__ import annotations

from typing import NamedTuple

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent

from sim.model.params import SecurityParams, TalibanParams
from sim.model.space import N_PAKISTAN, CrossingSpec, region_index


class AgentState(NamedTuple):
    """The state and border agents' state, updated in place by the day loop."""

    taliban: np.ndarray
    """[4] the Taliban authority: affinity for the TTP, restraint, tolerance of sanctuary
    (all 0-1) and remembered strikes [strikes] (:mod:`sim.model.state_rules`)."""
    permeability: np.ndarray
    """[crossing, 0 into / 1 out of Pakistan] today's permeability [0-1]."""
    recent_attacks: np.ndarray
    """[Pakistani region] attacks per day, exponentially weighted (the security forces'
    memory)."""
    intel_estimate: np.ndarray
    """[Pakistani region] the security forces' estimate of the fighters there [fighters]."""
    recent_operations: np.ndarray
    """[Pakistani region] operations per day, exponentially weighted."""
    pressure: np.ndarray
    """[Pakistani region] the security forces' pressure as militants feel it [0-1]."""
    access: np.ndarray
    """[group] today's access to the group's Afghan sanctuary [0-1]."""

    @classmethod
    def initial(cls, tolerance: float, permeability: np.ndarray, fighters_present: np.ndarray,
                n_groups: int) -> AgentState:
        """The first day's state: restraint 0, the security forces knowing the fighters
        present in each Pakistani region, no recent attacks or operations."""
        return cls(
            taliban=np.array([tolerance, 0.0, tolerance, 0.0]),
            permeability=np.repeat(permeability.astype(float)[:, None], 2, axis=1),
            recent_attacks=np.zeros(N_PAKISTAN),
            intel_estimate=fighters_present[:N_PAKISTAN].astype(float),
            recent_operations=np.zeros(N_PAKISTAN),
            pressure=np.zeros(N_PAKISTAN),
            access=np.zeros(n_groups),
        )


class TalibanAuthority(mesa.Agent):
    """The authority in Kabul and its tolerance of militant sanctuary [0-1].

    It decides how much of its affinity for the TTP to act on. Affinity moves in years: low
    under the Islamic Republic, high once the Taliban rule (S2: TTP 'seemingly embolden by the
    return of Taliban to power in August 2021'). Restraint moves in months, with what the
    Taliban face: international pressure, mediating talks with the TTP, talks with Pakistan,
    trade lost to closed crossings raise it; Pakistani strikes on Afghan soil turn it into
    defiance. Tolerance is affinity times one minus restraint. The Taliban fight ISKP instead:
    its sanctuary access is low and their raids kill its fighters (rules:
    :func:`sim.model.state_rules.taliban_decides`, :func:`~sim.model.state_rules.sanctuary_access`,
    :func:`~sim.model.state_rules.strike_sanctuaries`).
    """

    def __init__(self, model, params: TalibanParams):
        super().__init__(model)
        self.params = params

    @property
    def tolerance(self) -> float:
        """Tolerance of sanctuary [0-1]: affinity times one minus restraint."""
        return float(self.model.agent_state.taliban[2])

    @property
    def affinity(self) -> float:
        """Affinity for the TTP [0-1], which moves in years."""
        return float(self.model.agent_state.taliban[0])

    @property
    def restraint(self) -> float:
        """Share of the affinity withheld [0-1], which moves in months."""
        return float(self.model.agent_state.taliban[1])


class BorderCrossing(FixedAgent):
    """A border sector on its Pakistani region's cell; permeability [0-1] gates movement and
    supply (rule: :func:`sim.model.state_rules.crossing_permeability`), and it counts the
    militant cells that crossed each way, per month."""

    def __init__(self, model, spec: CrossingSpec, index: int, base_permeability: float):
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.base_permeability = base_permeability
        self.cell = model.space._cells[region_index(spec.pakistan_side)]

    @property
    def permeability(self) -> float:
        """Today's permeability into Pakistan [0-1]."""
        return float(self.model.agent_state.permeability[self.index, 0])

    @property
    def permeability_out(self) -> float:
        """Today's permeability out of Pakistan [0-1]."""
        return float(self.model.agent_state.permeability[self.index, 1])

    @property
    def crossed_in(self) -> np.ndarray:
        """Cells that crossed into Pakistan here, per month."""
        return self.model.records.crossed[:, self.index, 0]

    @property
    def crossed_out(self) -> np.ndarray:
        """Cells that crossed out to sanctuary here, per month."""
        return self.model.records.crossed[:, self.index, 1]


class PakistanSecurityForces(mesa.Agent):
    """Pakistan's army, Frontier Corps and police, as one actor.

    It decides where to run operations from what it knows: each day and region at a rate that
    grows with its estimate of the militants there (smoothed, noisy reports, not their true
    strength) and with recent attacks (response). An operation strikes a cell chosen in
    proportion to fighters and kills a share of them; it costs security and civilian lives.
    Levers add strikes on sanctuaries in Afghanistan (rules:
    :func:`sim.model.state_rules.gather_intelligence`,
    :func:`~sim.model.state_rules.security_operations`,
    :func:`~sim.model.state_rules.strike_sanctuaries`).
    """

    def __init__(self, model, params: SecurityParams):
        super().__init__(model)
        self.params = params

    @property
    def recent_attacks(self) -> np.ndarray:
        """Attacks per day per Pakistani region, exponentially weighted."""
        return self.model.agent_state.recent_attacks

    @property
    def estimate(self) -> np.ndarray:
        """Its estimate of the fighters in each Pakistani region [fighters]."""
        return self.model.agent_state.intel_estimate
