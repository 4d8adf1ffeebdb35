"""The agent-based model of cross-border militant violence (Mesa 3).

One step is one day of the calendar window. Each day, in this order (the compiled day loop,
:func:`sim.model.kernel.simulate_days`):

1. the levers active today set the day's effects (built for every day before the first:
   :class:`~sim.model.levers.DailyEffects`);
2. border crossings set their permeability, and the Taliban authority decides its restraint;
3. militant cells recruit, move, resupply and attack;
4. Pakistan's security forces note the attacks, gather intelligence and run operations;
5. strikes and raids hit cells in their Afghan sanctuaries;
6. cells with no fighters are wiped out, large cells split, and the day's events are counted.

``model.step()`` simulates one day; ``model.run()`` simulates every remaining day in one
compiled call. After either, ``model.agents`` holds the Taliban authority, the security
forces, the border crossings and one MilitantCell agent per living cell (the cell agents are
made to match the cell arrays when the agents are looked at).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.agents import AgentState, BorderCrossing, PakistanSecurityForces, TalibanAuthority
from sim.model.calendar import SimCalendar
from sim.model.events import EventCounts
from sim.model.kernel import STATE_COLUMNS, Records, Streams, simulate_days
from sim.model.levers import Lever, daily_effects
from sim.model.militants import CellRoster
from sim.model.params import ModelParams
from sim.model.rng import RandomStreams
from sim.model.setup import model_setup
from sim.model.space import CROSSINGS, build_space

__all__ = ["STATE_COLUMNS", "ConflictModel"]


class ConflictModel(mesa.Model):
    """Militant, state and border agents on a network of Pakistani and Afghan regions.

    Args:
        params: model parameters (:class:`sim.model.params.ModelParams`).
        levers: levers built by :func:`sim.model.levers.build_levers` on the same calendar.
        calendar: the simulated days.
        seed: the run's seed; every random draw comes from streams split off it.
    """

    def __init__(self, params: ModelParams, levers: list[Lever], calendar: SimCalendar,
                 seed: int):
        self.streams = RandomStreams(seed)
        super().__init__(rng=self.streams["mesa"])
        self.params = params
        self.calendar = calendar
        self.levers = levers
        self.setup = model_setup(params, calendar)
        self.group_keys = self.setup.group_keys
        self.space = build_space(self.random)
        self.effects = daily_effects(levers, calendar.n_days, len(self.group_keys))
        taliban = params.taliban
        in_power = bool(self.effects.taliban_in_power[0])
        tolerance = taliban.tolerance_in_power if in_power else taliban.tolerance_before_takeover
        self.roster = CellRoster(self, params.groups, self.setup, self.streams["init"],
                                 tolerance, taliban.enemy_sanctuary_access)
        self.agent_state = AgentState.initial(
            tolerance,
            self.setup.tables.base_permeability, self.roster.census.sum(axis=0),
            len(self.group_keys),
        )
        self.taliban = TalibanAuthority(self, taliban)
        self.security = PakistanSecurityForces(self, params.security)
        self.crossings = [
            BorderCrossing(self, spec, i, float(self.setup.tables.base_permeability[i]))
            for i, spec in enumerate(CROSSINGS)
        ]
        self.events = EventCounts(calendar)
        n_groups = len(self.group_keys)
        self.records = Records(
            daily=self.events.daily,
            strength=np.zeros((len(calendar.months), 2, n_groups), dtype=np.int64),
            state=np.zeros((calendar.n_days, len(STATE_COLUMNS))),
            crossed=np.zeros((len(calendar.months), len(CROSSINGS), 2), dtype=np.int64),
            group_attacks=np.zeros((len(calendar.months), n_groups, 2), dtype=np.int64),
            sanctuary=np.zeros((len(calendar.months), n_groups, 4), dtype=np.int64),
        )
        self._streams = Streams(*(self.streams[name] for name in Streams._fields))
        self.days_done = 0

    @property
    def day(self) -> int:
        """Index of the last simulated day (-1 before the first)."""
        return self.days_done - 1

    @property
    def strength(self) -> np.ndarray:
        """[month, 0 total / 1 inside Pakistan, group] fighters at the end of each month."""
        return self.records.strength

    @property
    def state(self) -> np.ndarray:
        """[day, column] end-of-day state, columns ``STATE_COLUMNS``."""
        return self.records.state

    def _simulate_until(self, stop_day: int) -> None:
        roster = self.roster
        day = self.days_done
        while day < stop_day:
            day, roster.n, roster.next_ident = simulate_days(
                day, stop_day, self._streams, roster.cells, roster.n, roster.next_ident,
                roster.census, self.setup.tables, self.effects, self.agent_state, roster.work,
                self.records,
            )
            if day < stop_day:
                roster.grow()
        self.days_done = stop_day
        roster.agents_stale = True
        if stop_day >= self.calendar.n_days:
            self.running = False
            self._default_schedule.stop()

    @property
    def agents(self):
        """Every agent: the state agents, the border crossings and one MilitantCell per living
        cell (made to match the cells when looked at)."""
        self.roster.sync_agents()
        return super().agents

    @property
    def agents_by_type(self):
        self.roster.sync_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self.roster.sync_agents()
        return super().agent_types

    def step(self) -> None:
        """Simulate the next day."""
        if self.days_done < self.calendar.n_days:
            self._simulate_until(self.days_done + 1)

    def _do_step(self) -> None:
        # Mesa 3.5's Model._do_step (run by its step schedule) also formats and logs an INFO
        # message every step. Same bookkeeping, no log.
        self.steps += 1
        self._user_step()

    def run(self) -> None:
        """Simulate every remaining day of the calendar, in one compiled call."""
        self._simulate_until(self.calendar.n_days)
        self.steps = self.days_done
        self.time = float(self.days_done)
