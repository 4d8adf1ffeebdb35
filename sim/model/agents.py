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

    tolerance: np.ndarray
    """[1] the Taliban's tolerance of sanctuary [0-1]."""
    permeability: np.ndarray
    """[crossing] today's permeability [0-1]."""
    recent_attacks: np.ndarray
    """[Pakistani region] attacks per day, exponentially weighted (the security forces'
    memory)."""

    @classmethod
    def initial(cls, tolerance: float, permeability: np.ndarray) -> AgentState:
        return cls(np.array([tolerance]), permeability.astype(float),
                   np.zeros(N_PAKISTAN))


class TalibanAuthority(mesa.Agent):
    """The authority in Kabul and its tolerance of militant sanctuary [0-1].

    Tolerance moves toward a target with time constant ``adjustment_days``: low under the
    Islamic Republic, high once the Taliban rule (S2: TTP 'seemingly embolden by the return of
    Taliban to power in August 2021'), lowered while they mediate talks and by international
    pressure on Kabul (rule: :func:`sim.model.state_rules.taliban_tolerance`).
    """

    def __init__(self, model, params: TalibanParams):
        super().__init__(model)
        self.params = params

    @property
    def tolerance(self) -> float:
        return float(self.model.agent_state.tolerance[0])


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
        return float(self.model.agent_state.permeability[self.index])

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

    Each day and region it launches operations at a rate that grows with the militant
    strength present (intelligence-led operations) and with recent attacks (response). An
    operation strikes a cell chosen in proportion to fighters and kills a share of them; it
    costs security and civilian lives (rule: :func:`sim.model.state_rules.security_operations`).
    """

    def __init__(self, model, params: SecurityParams):
        super().__init__(model)
        self.params = params

    @property
    def recent_attacks(self) -> np.ndarray:
        """Attacks per day per Pakistani region, exponentially weighted."""
        return self.model.agent_state.recent_attacks
