"""Policy levers and historical events as objects built from config.

A lever turns its dates into steps at setup and, on each day inside its window, adds its effect
to a fresh :class:`Effects` record that the agents read. Because effects are rebuilt from the
neutral record every day, a lever restores what it changed the moment its window ends, and
levers stack: closures multiply permeability, ceasefires take the strongest compliance,
pressure effects combine as independent cuts.

Time rules: the window is ``[start, end)``: the start day is inside, the end day is not;
``end: null`` runs to the end of the simulation. A mediation may also end early on the day its
talks break down. Every lever records its events (start, end, breakdown) with their dates.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.model.calendar import SimCalendar
from sim.model.space import CROSSING_KEYS


@dataclass
class Effects:
    """What the active levers do on one day; neutral values mean 'no lever acts'."""

    permeability: np.ndarray
    """Multiplier on each crossing's permeability (order of ``sim.model.space.CROSSINGS``)."""
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

    @classmethod
    def neutral(cls, n_crossings: int, n_groups: int) -> Effects:
        return cls(permeability=np.ones(n_crossings), ceasefire=np.zeros(n_groups))


# --- lever configs (validated by sim.running.config) ----------------------------------------------


@dataclass
class LeverConfig:
    """Fields every lever has."""

    kind: str = ""
    start: str = ""
    """First day the lever acts (YYYY-MM-DD, inclusive)."""
    end: str | None = None
    """Day the lever stops acting (exclusive); null runs to the end of the simulation."""
    enabled: bool = True
    """Set false in a scenario to remove the lever."""
    note: str = ""
    """Where the dates and values come from."""


@dataclass
class TalibanRuleConfig(LeverConfig):
    """The Taliban govern Kabul inside the window (takeover: August 2021, S2)."""


@dataclass
class BorderClosureConfig(LeverConfig):
    """Pakistan shuts border crossings (S1: shut on 11 October 2025)."""

    crossings: list[str] = field(default_factory=lambda: ["all"])
    """Crossing keys closed, or ['all']."""
    leakage: float = 0.2
    """Share of normal permeability that still gets through a closed sector (smuggling
    routes, unmanned passes) [0-1]."""


@dataclass
class MediationConfig(LeverConfig):
    """Talks with a ceasefire (S2, S3: June to late November 2022, mediated by the Taliban)."""

    mediator: str = "afghan_taliban"
    """Who mediates; 'afghan_taliban' also restrains the Taliban's sanctuary tolerance."""
    compliance: dict[str, float] = field(default_factory=lambda: {"ttp": 0.8})
    """Share of each party group's attacks withheld while the ceasefire holds [0-1]."""
    state_compliance: float = 0.5
    """Share of Pakistan's operations suspended while the ceasefire holds [0-1]."""
    breakdown_per_month: float = 0.0
    """Chance per 30 days that talks collapse and the ceasefire ends early [0-1]."""


@dataclass
class PressureConfig(LeverConfig):
    """International pressure on Kabul (S0, S4: Pakistan's appeals to the UNSC)."""

    level: float = 0.5
    """Strength of the pressure at full ramp [0-1]."""
    ramp_days: int = 90
    """Days from the start to full strength [days]."""
    on_tolerance: float = 0.5
    """Share of Taliban sanctuary tolerance removed at level 1 [0-1]."""
    on_finance: float = 0.4
    """Share of militant finance and cross-border supply removed at level 1 [0-1]."""


@dataclass
class OperationsConfig(LeverConfig):
    """A change in the intensity of Pakistan's security operations."""

    intensity: float = 1.5
    """Multiplier on the operations rate [>= 0]."""


LEVER_CONFIGS: dict[str, type[LeverConfig]] = {
    "taliban_rule": TalibanRuleConfig,
    "border_closure": BorderClosureConfig,
    "mediation": MediationConfig,
    "pressure": PressureConfig,
    "operations": OperationsConfig,
}


# --- levers -------------------------------------------------------------------------------


class Lever:
    """Base class: window bookkeeping and the event log."""

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
        self._active = False
        # Each lever has its own stream, keyed by its name, so adding or changing one lever
        # never shifts another's draws (common random numbers across scenarios).
        key = zlib.crc32(name.encode())
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1_000, key)))

    def in_window(self, step: int) -> bool:
        return self.start_step <= step < self.end_step

    def update(self, step: int, effects: Effects) -> None:
        """Record window changes and, inside the window, add the effect for ``step``."""
        active = self.in_window(step)
        if active and not self._active:
            self.events.append((self.calendar.date_of(step), "start"))
        elif self._active and not active:
            self.events.append((self.calendar.date_of(step), "end"))
        self._active = active
        if active:
            self.apply(step, effects)

    def apply(self, step: int, effects: Effects) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class TalibanRule(Lever):
    kind = "taliban_rule"

    def apply(self, step: int, effects: Effects) -> None:
        effects.taliban_in_power = True


class BorderClosure(Lever):
    kind = "border_closure"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = self.cfg.crossings
        closed = CROSSING_KEYS if "all" in names else tuple(names)
        self.factor = np.array([self.cfg.leakage if c in closed else 1.0 for c in CROSSING_KEYS])

    def apply(self, step: int, effects: Effects) -> None:
        effects.permeability *= self.factor


class Mediation(Lever):
    kind = "mediation"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.compliance = np.array(
            [self.cfg.compliance.get(g, 0.0) for g in self.group_keys], dtype=float
        )
        self.daily_breakdown = 1.0 - (1.0 - self.cfg.breakdown_per_month) ** (1.0 / 30.0)

    def update(self, step: int, effects: Effects) -> None:
        talks_on = self.in_window(step) and self._active and self.daily_breakdown > 0
        if talks_on and self.rng.random() < self.daily_breakdown:
            self.end_step = step
            self.events.append((self.calendar.date_of(step), "breakdown"))
        super().update(step, effects)

    def apply(self, step: int, effects: Effects) -> None:
        np.maximum(effects.ceasefire, self.compliance, out=effects.ceasefire)
        effects.operations *= 1.0 - self.cfg.state_compliance
        if self.cfg.mediator == "afghan_taliban":
            effects.taliban_mediating = True


class Pressure(Lever):
    kind = "pressure"

    def strength(self, step: int) -> float:
        ramp = max(self.cfg.ramp_days, 1)
        return self.cfg.level * min(1.0, (step - self.start_step + 1) / ramp)

    def apply(self, step: int, effects: Effects) -> None:
        s = self.strength(step)
        keep_tolerance = 1.0 - s * self.cfg.on_tolerance
        keep_finance = 1.0 - s * self.cfg.on_finance
        effects.tolerance_cut = 1.0 - (1.0 - effects.tolerance_cut) * keep_tolerance
        effects.finance_cut = 1.0 - (1.0 - effects.finance_cut) * keep_finance


class Operations(Lever):
    kind = "operations"

    def apply(self, step: int, effects: Effects) -> None:
        effects.operations *= self.cfg.intensity


LEVER_TYPES: dict[str, type[Lever]] = {
    cls.kind: cls for cls in (TalibanRule, BorderClosure, Mediation, Pressure, Operations)
}


def build_levers(configs: dict[str, LeverConfig], calendar: SimCalendar, seed: int,
                 group_keys: tuple[str, ...]) -> list[Lever]:
    """Levers for the enabled configs, in a stable (name) order."""
    return [
        LEVER_TYPES[cfg.kind](name, cfg, calendar, seed, group_keys)
        for name, cfg in sorted(configs.items())
        if cfg.enabled
    ]
