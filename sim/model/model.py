"""The agent-based model of cross-border militant violence (Mesa 3).

One step is one day of the calendar window. Each day, in this order:

1. the levers active today build the day's :class:`~sim.model.levers.Effects`;
2. the Taliban authority moves its sanctuary tolerance;
3. border crossings set their permeability;
4. militant cells recruit, move, resupply and attack;
5. Pakistan's security forces note the attacks and run operations;
6. the monitor counts what was reported.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.agents import BorderCrossing, PakistanSecurityForces, TalibanAuthority
from sim.model.calendar import SimCalendar
from sim.model.levers import Effects, Lever
from sim.model.militants import MilitantRoster
from sim.model.observation import Monitor
from sim.model.params import ModelParams, SeasonParams
from sim.model.rng import RandomStreams
from sim.model.space import CROSSINGS, build_space

STATE_COLUMNS: tuple[str, ...] = ("tolerance", "permeability", "ceasefire", "cells")
_ATTACK_METRICS = ("attacks", "fatalities_civilian", "fatalities_security", "fatalities_militant")


def seasonal_activity(calendar: SimCalendar, season: SeasonParams) -> np.ndarray:
    """Daily multiplier on attack rates: the fighting season (see :class:`SeasonParams`)."""
    day_of_year = (calendar.dates - calendar.dates.astype("datetime64[Y]")).astype(int) + 1
    phase = 2.0 * np.pi * (day_of_year - season.peak_day_of_year) / 365.25
    return 1.0 + season.amplitude * np.cos(phase)


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
        self.activity = seasonal_activity(calendar, params.season)
        self._mean_of: list[float] | None = None  # permeability whose mean is cached
        self._permeability_mean = 0.0

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
        permeability = self.permeability
        for i, crossing in enumerate(self.crossings):
            crossing.step(effects, i)
            permeability[i] = crossing.permeability
        tolerance = self.taliban.tolerance

        roster = self.roster
        roster.recruit(self.streams["recruitment"], tolerance, effects.finance_cut)
        crossed = roster.move(self.streams["movement"], permeability)
        if crossed.any():
            for crossing, (cells_in, cells_out) in zip(self.crossings, crossed.tolist(),
                                                       strict=True):
                if cells_in or cells_out:
                    crossing.record(month, cells_in, cells_out)
        roster.resupply(permeability, tolerance, effects.finance_cut)
        attacks = roster.attack(self.streams["attacks"], effects.ceasefire, self.activity[day])

        monitor = self.monitor
        monitor.add_events(day, _ATTACK_METRICS, attacks["region"],
                           (attacks["attacks"], attacks["civilian"], attacks["security"],
                            attacks["militant"]))

        self.security.observe_attacks(monitor.attacks_on(day))
        ops = self.security.step(effects, self.streams["operations"])
        if ops["operations"].any():  # with no operation every count is 0
            monitor.add_by_region(day, "operations", ops["operations"])
            monitor.add_by_region(day, "fatalities_militant", ops["militant"])
            monitor.add_by_region(day, "fatalities_security", ops["security"])
            monitor.add_by_region(day, "fatalities_civilian", ops["civilian"])

        roster.split_and_bury()
        total, inside = roster.strength_total_and_inside()
        self.strength[day, 0] = total
        self.strength[day, 1] = inside
        if permeability.tolist() != self._mean_of:
            self._mean_of = permeability.tolist()
            self._permeability_mean = permeability.mean()
        self.state[day] = (tolerance, self._permeability_mean, max(effects.ceasefire.tolist()),
                           roster.n_alive)
        if day + 1 >= self.calendar.n_days:
            self.running = False

    def _do_step(self) -> None:
        # Mesa 3.5's Model._do_step (run by its step schedule) also formats and logs an INFO
        # message every step; that costs more than some of our rules. Same bookkeeping, no log.
        self.steps += 1
        self._user_step()

    def run(self) -> None:
        """Simulate every day of the calendar."""
        while self.running:
            self.step()
