"""The agent-based model of cross-border militant violence (Mesa 3).

One step is one day of the calendar window. Each day, in this order:

1. the levers active today build the day's :class:`~sim.levers.Effects`;
2. the Taliban authority moves its sanctuary tolerance;
3. border crossings set their permeability;
4. militant cells recruit, move, resupply and attack;
5. Pakistan's security forces note the attacks and run operations;
6. the monitor counts what was reported.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents import BorderCrossing, PakistanSecurityForces, TalibanAuthority
from sim.calendar import SimCalendar
from sim.levers import Effects, Lever
from sim.militants import MilitantCell, MilitantRoster
from sim.observation import Monitor
from sim.params import ModelParams
from sim.rng import RandomStreams
from sim.space import CROSSINGS, build_space

STATE_COLUMNS: tuple[str, ...] = ("tolerance", "permeability", "ceasefire", "cells")


class ConflictModel(mesa.Model):
    """Militant, state and border agents on a network of Pakistani and Afghan regions.

    Args:
        params: model parameters (:class:`sim.params.ModelParams`).
        levers: levers built by :func:`sim.levers.build_levers` on the same calendar.
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
        self.group_keys = tuple(params.groups)
        self.space = build_space(self.random)
        in_power = any(lv.kind == "taliban_rule" and lv.in_window(0) for lv in levers)
        self.taliban = TalibanAuthority(self, params.taliban, in_power)
        self.security = PakistanSecurityForces(self, params.security)
        self.crossings = [
            BorderCrossing(self, spec, params.permeability.get(spec.key, 1.0)) for spec in CROSSINGS
        ]
        self.permeability = np.array([c.permeability for c in self.crossings])
        self.roster = MilitantRoster(self, params.groups, self.streams["init"])
        self.monitor = Monitor(calendar)
        self.n_groups = len(self.group_keys)
        # Daily state for inspection: group strength (total, inside Pakistan) and STATE_COLUMNS.
        self.strength = np.zeros((calendar.n_days, 2, self.n_groups))
        self.state = np.zeros((calendar.n_days, len(STATE_COLUMNS)))

    @property
    def day(self) -> int:
        """Index of the day being (or last) simulated; Mesa counts steps from 1."""
        return self.steps - 1

    def _effects_for(self, day: int) -> Effects:
        effects = Effects.neutral(len(CROSSINGS), len(self.group_keys))
        for lever in self.levers:
            lever.update(day, effects)
        return effects

    def step(self) -> None:
        day = self.day
        month = self.calendar.month_index[day]
        effects = self.effects = self._effects_for(day)
        self.taliban.step(effects)
        for i, crossing in enumerate(self.crossings):
            crossing.step(effects, i)
            self.permeability[i] = crossing.permeability
        tolerance = self.taliban.tolerance

        roster = self.roster
        roster.recruit(self.streams["recruitment"], tolerance, effects.finance_cut)
        crossed = roster.move(self.streams["movement"], self.permeability)
        for crossing, (cells_in, cells_out) in zip(self.crossings, crossed, strict=True):
            if cells_in or cells_out:
                crossing.record(month, cells_in, cells_out)
        roster.resupply(self.permeability, tolerance, effects.finance_cut)
        attacks = roster.attack(self.streams["attacks"], effects.ceasefire)

        monitor = self.monitor
        where = attacks["region"]
        monitor.add(day, "attacks", where, attacks["attacks"])
        monitor.add(day, "fatalities_civilian", where, attacks["civilian"])
        monitor.add(day, "fatalities_security", where, attacks["security"])
        monitor.add(day, "fatalities_militant", where, attacks["militant"])

        self.security.observe_attacks(monitor.attacks_on(day))
        ops = self.security.step(effects, self.streams["operations"])
        monitor.add_by_region(day, "operations", ops["operations"])
        monitor.add_by_region(day, "fatalities_militant", ops["militant"])
        monitor.add_by_region(day, "fatalities_security", ops["security"])
        monitor.add_by_region(day, "fatalities_civilian", ops["civilian"])

        roster.split_and_bury()
        self.strength[day, 0] = roster.strength_by_group()
        self.strength[day, 1] = roster.strength_by_group(inside_pakistan_only=True)
        self.state[day] = (tolerance, self.permeability.mean(), effects.ceasefire.max(),
                           int(roster.alive[: roster.n].sum()))
        if day + 1 >= self.calendar.n_days:
            self.running = False

    def run(self) -> None:
        """Simulate every day of the calendar."""
        while self.running:
            self.step()

    @property
    def militant_cells(self):
        """The living militant cells as a Mesa AgentSet."""
        return self.agents_by_type.get(MilitantCell, mesa.agent.AgentSet([], random=self.random))
