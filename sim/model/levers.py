"""Policy levers and historical events as objects built from config.

A lever turns its dates into steps at setup and writes its effect into the days of its window
in a :class:`DailyEffects` table, which starts neutral on every day ("no lever acts"). So a
lever acts only inside its window, what it changed is restored the day its window ends, and
levers stack: closures multiply permeability, ceasefires take the strongest compliance,
pressure effects combine as independent cuts, operations multipliers multiply.

Time rules: the window is ``[start, end)``: the start day is inside, the end day is not;
``end: null`` runs to the end of the simulation. A mediation may also end early on the day its
talks break down. Every lever records its events (start, end, breakdown) with their dates.

Levers are deterministic given their own random stream (one per lever, keyed by its name), so
the whole table is built before the first day is simulated.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from sim.model.calendar import SimCalendar
from sim.model.lever_configs import LeverConfig
from sim.model.space import CROSSING_KEYS


@dataclass
class Effects:
    """What the active levers do on one day; neutral values mean 'no lever acts'."""

    permeability: np.ndarray
    """[crossing, direction] multiplier on each crossing's permeability, into Pakistan (0)
    and out of it (1) (order of ``sim.model.space.CROSSINGS``)."""
    ceasefire: np.ndarray
    """Ceasefire compliance of each group [0-1]: the share of its attacks withheld."""
    operations: float = 1.0
    """Multiplier on the intensity of security operations."""
    taliban_in_power: bool = False
    taliban_mediating: bool = False
    tolerance_cut: float = 0.0
    """Share of the Taliban's sanctuary tolerance removed by international pressure [0-1]."""
    finance_cut: float = 0.0
    """Share of militant finance and cross-border supply removed by pressure [0-1]."""
    strikes: np.ndarray | None = None
    """[group] Pakistani strikes a day on each group's Afghan sanctuary [strikes/day]."""
    strike_kill_fraction: float = 0.0
    """Share of a struck cell's fighters killed [0-1]."""
    interstate_ceasefire: float = 0.0
    """Share of strikes withheld under a ceasefire between the two states [0-1]."""
    interstate_talks: bool = False
    """The two states are talking (the Taliban's restraint rises)."""
    returnees_per_month: float = 0.0
    """Afghans deported or returning from Pakistan [people/month]."""
    gates_out: np.ndarray | None = None
    """[crossing] multiplier on each official gate's opening outward (returnees)."""
    homecoming: np.ndarray | None = None
    """[group] how many times more often cells cross home during talks [>= 1]."""


class DailyEffects(NamedTuple):
    """The :class:`Effects` of every simulated day, as arrays with one row per day."""

    permeability: np.ndarray
    """[day, crossing, direction] multiplier on each crossing's permeability (0 into
    Pakistan, 1 out of it)."""
    ceasefire: np.ndarray
    """[day, group] ceasefire compliance [0-1]."""
    operations: np.ndarray
    """[day] multiplier on the intensity of security operations."""
    taliban_in_power: np.ndarray
    """[day] the Taliban govern Kabul (bool)."""
    taliban_mediating: np.ndarray
    """[day] the Taliban mediate talks (bool)."""
    tolerance_cut: np.ndarray
    """[day] share of sanctuary tolerance removed by pressure [0-1]."""
    finance_cut: np.ndarray
    """[day] share of militant finance and cross-border supply removed by pressure [0-1]."""
    strikes: np.ndarray
    """[day, group] Pakistani strikes a day on each group's sanctuary [strikes/day]."""
    strike_kill_fraction: np.ndarray
    """[day] share of a struck cell's fighters killed [0-1]."""
    interstate_ceasefire: np.ndarray
    """[day] share of strikes withheld under a ceasefire between the two states [0-1]."""
    interstate_talks: np.ndarray
    """[day] the two states are talking (bool)."""
    returnees_per_month: np.ndarray
    """[day] Afghans deported or returning from Pakistan [people/month]."""
    gates_out: np.ndarray
    """[day, crossing] multiplier on each official gate's opening outward: deportees and
    returnees leave through the gates (a closure shuts them; a one-way reopening opens them
    outward), militants by smuggling routes (``permeability``)."""
    homecoming: np.ndarray
    """[day, group] how many times more often each group's cells cross home into Pakistan,
    and less often back, while talks let fighters return [>= 1]."""

    @classmethod
    def neutral(cls, n_days: int, n_crossings: int, n_groups: int) -> DailyEffects:
        return cls(
            permeability=np.ones((n_days, n_crossings, 2)),
            ceasefire=np.zeros((n_days, n_groups)),
            operations=np.ones(n_days), taliban_in_power=np.zeros(n_days, dtype=bool),
            taliban_mediating=np.zeros(n_days, dtype=bool), tolerance_cut=np.zeros(n_days),
            finance_cut=np.zeros(n_days), strikes=np.zeros((n_days, n_groups)),
            strike_kill_fraction=np.zeros(n_days), interstate_ceasefire=np.zeros(n_days),
            interstate_talks=np.zeros(n_days, dtype=bool), returnees_per_month=np.zeros(n_days),
            gates_out=np.ones((n_days, n_crossings)), homecoming=np.ones((n_days, n_groups)),
        )

    @property
    def n_days(self) -> int:
        return len(self.operations)

    def on(self, day: int) -> Effects:
        """The effects of one day, as one record."""
        return Effects(
            permeability=self.permeability[day].copy(), ceasefire=self.ceasefire[day].copy(),
            operations=float(self.operations[day]),
            taliban_in_power=bool(self.taliban_in_power[day]),
            taliban_mediating=bool(self.taliban_mediating[day]),
            tolerance_cut=float(self.tolerance_cut[day]),
            finance_cut=float(self.finance_cut[day]),
            strikes=self.strikes[day].copy(),
            strike_kill_fraction=float(self.strike_kill_fraction[day]),
            interstate_ceasefire=float(self.interstate_ceasefire[day]),
            interstate_talks=bool(self.interstate_talks[day]),
            returnees_per_month=float(self.returnees_per_month[day]),
            gates_out=self.gates_out[day].copy(), homecoming=self.homecoming[day].copy(),
        )


def daily_effects(levers: list[Lever], n_days: int, n_groups: int) -> DailyEffects:
    """The effects of ``levers`` (in their order) on every day: neutral, then each lever acts."""
    days = DailyEffects.neutral(n_days, len(CROSSING_KEYS), n_groups)
    for lever in levers:
        lever.act(days)
    return days


# --- levers -------------------------------------------------------------------------------


class Lever:
    """Base class: the window, the event log and the lever's own random stream."""

    kind: ClassVar[str] = ""

    def __init__(self, name: str, cfg: LeverConfig, calendar: SimCalendar, seed: int,
                 group_keys: tuple[str, ...]):
        self.name = name
        self.cfg = cfg
        self.calendar = calendar
        self.group_keys = group_keys
        self.start_step = calendar.step_of(cfg.start)
        self.end_step = calendar.n_days if cfg.end is None else calendar.step_of(cfg.end)
        self.events: list[tuple[dt.date, str]] = []
        # Each lever has its own stream, keyed by its name, so adding or changing one lever
        # never shifts another's draws (common random numbers across scenarios).
        key = zlib.crc32(name.encode())
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1_000, key)))

    def in_window(self, step: int) -> bool:
        return self.start_step <= step < self.end_step

    def act(self, days: DailyEffects) -> None:
        """Record the lever's events and add its effect to every simulated day of its window.

        Called once per run, by the model, before the first day.
        """
        first = max(self.start_step, 0)
        stop = min(self.end_step, days.n_days)
        if first >= stop:
            return
        self.events.append((self.calendar.date_of(first), "start"))
        self.apply(slice(first, stop), days)
        self.record_end(stop, days.n_days)

    def record_end(self, stop: int, n_days: int) -> None:
        """Record the end of the window, when that day is simulated."""
        if stop < n_days:
            self.events.append((self.calendar.date_of(stop), "end"))

    def apply(self, window: slice, days: DailyEffects) -> None:  # pragma: no cover - abstract
        """Add the lever's effect to the days in ``window``."""
        raise NotImplementedError


class TalibanRule(Lever):
    kind = "taliban_rule"

    def apply(self, window: slice, days: DailyEffects) -> None:
        days.taliban_in_power[window] = True


class BorderClosure(Lever):
    kind = "border_closure"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = self.cfg.crossings
        closed = CROSSING_KEYS if "all" in names else tuple(names)
        self.factor = np.array([self.cfg.leakage if c in closed else 1.0 for c in CROSSING_KEYS])
        self.outbound_factor = self.factor.copy()
        for c, key in enumerate(CROSSING_KEYS):
            if key in self.cfg.outbound_open:
                self.outbound_factor[c] = 1.0
        from_date = self.cfg.outbound_open_from
        self.outbound_open_step = (self.calendar.n_days if from_date is None
                                   else self.calendar.step_of(from_date))

    def apply(self, window: slice, days: DailyEffects) -> None:
        """Militants cross by smuggling routes and unmanned passes, which the closure narrows
        both ways for its whole window; people deported or returning leave through the
        official gates, which reopen outward on ``outbound_open_from``."""
        days.permeability[window] *= self.factor[:, None]
        reopened = min(max(self.outbound_open_step, window.start), window.stop)
        days.gates_out[window.start:reopened] *= self.factor
        days.gates_out[reopened:window.stop] *= self.outbound_factor
        if window.start < reopened < window.stop:
            self.events.append((self.calendar.date_of(reopened), "outbound_open"))


class Mediation(Lever):
    kind = "mediation"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.compliance = np.array(
            [self.cfg.compliance.get(g, 0.0) for g in self.group_keys], dtype=float
        )
        self.homecoming = np.array(
            [self.cfg.homecoming.get(g, 1.0) for g in self.group_keys], dtype=float
        )
        self.daily_breakdown = 1.0 - (1.0 - self.cfg.breakdown_per_month) ** (1.0 / 30.0)

    def act(self, days: DailyEffects) -> None:
        """Talks may break down on any day after the first, with chance ``daily_breakdown``
        each day, and end on the first such day. The number of days until then is drawn
        from the lever's own stream as one geometric draw."""
        self.broke_down = False
        if self.daily_breakdown > 0:
            breakdown = self.start_step + int(self.rng.geometric(self.daily_breakdown))
            if breakdown < min(self.end_step, days.n_days):
                self.end_step = breakdown
                self.broke_down = True
        super().act(days)

    def record_end(self, stop: int, n_days: int) -> None:
        if self.broke_down:
            self.events.append((self.calendar.date_of(stop), "breakdown"))
        super().record_end(stop, n_days)

    def apply(self, window: slice, days: DailyEffects) -> None:
        np.maximum(days.ceasefire[window], self.compliance, out=days.ceasefire[window])
        np.maximum(days.homecoming[window], self.homecoming, out=days.homecoming[window])
        days.operations[window] *= 1.0 - self.cfg.state_compliance
        if self.cfg.mediator == "afghan_taliban":
            days.taliban_mediating[window] = True


class Pressure(Lever):
    kind = "pressure"

    def strength(self, step: int | np.ndarray) -> float | np.ndarray:
        """Pressure on day ``step`` [0-level]: ramps linearly to ``level`` over ``ramp_days``."""
        ramp = max(self.cfg.ramp_days, 1)
        return self.cfg.level * np.minimum(1.0, (step - self.start_step + 1) / ramp)

    def apply(self, window: slice, days: DailyEffects) -> None:
        s = self.strength(np.arange(window.start, window.stop))
        keep_tolerance = 1.0 - s * self.cfg.on_tolerance
        keep_finance = 1.0 - s * self.cfg.on_finance
        cut = days.tolerance_cut[window]
        days.tolerance_cut[window] = 1.0 - (1.0 - cut) * keep_tolerance
        cut = days.finance_cut[window]
        days.finance_cut[window] = 1.0 - (1.0 - cut) * keep_finance


class Operations(Lever):
    kind = "operations"

    def apply(self, window: slice, days: DailyEffects) -> None:
        days.operations[window] *= self.cfg.intensity


class Strikes(Lever):
    kind = "strikes"

    def apply(self, window: slice, days: DailyEffects) -> None:
        for g, key in enumerate(self.group_keys):
            if key in self.cfg.groups:
                days.strikes[window, g] += self.cfg.strikes_per_day
        np.maximum(days.strike_kill_fraction[window], self.cfg.kill_fraction,
                   out=days.strike_kill_fraction[window])


class InterstateCeasefire(Lever):
    kind = "interstate_ceasefire"

    def apply(self, window: slice, days: DailyEffects) -> None:
        np.maximum(days.interstate_ceasefire[window], self.cfg.compliance,
                   out=days.interstate_ceasefire[window])
        if self.cfg.talks:
            days.interstate_talks[window] = True


class Deportation(Lever):
    kind = "deportation"

    def apply(self, window: slice, days: DailyEffects) -> None:
        days.returnees_per_month[window] += self.cfg.returnees_per_month


LEVER_TYPES: dict[str, type[Lever]] = {
    cls.kind: cls for cls in (TalibanRule, BorderClosure, Mediation, Pressure, Operations,
                              Strikes, InterstateCeasefire, Deportation)
}


def build_levers(configs: dict[str, LeverConfig], calendar: SimCalendar, seed: int,
                 group_keys: tuple[str, ...]) -> list[Lever]:
    """Levers for the enabled configs, in a stable (name) order."""
    return [
        LEVER_TYPES[cfg.kind](name, cfg, calendar, seed, group_keys)
        for name, cfg in sorted(configs.items())
        if cfg.enabled
    ]
