"""Lever configs: what each kind of lever reads from a run's config (validated by
:mod:`sim.running.config`), with units and sources. The levers themselves are in
:mod:`sim.model.levers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    outbound_open: list[str] = field(default_factory=list)
    """Crossings whose official gate lets people leave Pakistan again from
    ``outbound_open_from`` on (one-way returns: Torkham from 1 November 2025). Deportees and
    returnees get out through it (:class:`DeportationConfig`); militants, who cross by
    smuggling routes, still face the closure's leakage both ways."""
    outbound_open_from: str | None = None
    """First day those crossings are open outward (YYYY-MM-DD); null: never."""


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
    homecoming: dict[str, float] = field(default_factory=dict)
    """How many times more often each party group's cells in sanctuary cross home into
    Pakistan, and how many times less often its cells there go back, while the talks last
    [>= 1; 1: no effect]. The talks of 2021-22 let TTP fighters and their families return
    to their home districts: KP police confirmed in August 2022 that 'individuals from Swat,
    previously living in Afghanistan' were present in Swat (Dawn, 13 August 2022); the
    government had 'allowed hundreds of TTP militants to resettle' (Express Tribune, 4 March
    2023); the plan was for about 5,000 fighters (Imran Khan, Dawn, 11 January 2023)."""


@dataclass
class PressureConfig(LeverConfig):
    """International pressure on Kabul (S0, S4: Pakistan's appeals to the UNSC)."""

    level: float = 0.5
    """Strength of the pressure at full ramp [0-1]."""
    ramp_days: int = 90
    """Days from the start to full strength [days]."""
    on_tolerance: float = 0.5
    """Restraint the pressure asks of the Taliban at level 1 [0-1]: it enters their restraint
    target (:func:`sim.model.state_rules.restraint_target`), which they follow over
    ``response_days`` and which strikes on Afghan soil weaken."""
    on_finance: float = 0.4
    """Share of militant finance removed at level 1 [0-1]: it scales down every group's
    recruitment and its resupply in sanctuary and across the border (not local resupply)."""


@dataclass
class OperationsConfig(LeverConfig):
    """A change in the intensity of Pakistan's security operations."""

    intensity: float = 1.5
    """Multiplier on the operations rate [>= 0]."""


@dataclass
class StrikesConfig(LeverConfig):
    """Pakistani air and drone strikes on militant sanctuaries in Afghanistan (October and
    November 2025, February-March 2026). A strike hits a cell of a targeted group in
    Afghanistan; when none is there it hits no one and is not remembered."""

    strikes_per_day: float = 1.0
    """Mean strikes a day inside the window [strikes/day]; an interstate ceasefire withholds
    its share of them. No count of strikes is reported: each history lever's value is an
    assumption (prior 0.5-5 a day during a campaign)."""
    groups: list[str] = field(default_factory=lambda: ["ttp"])
    """Groups whose sanctuary is targeted; a strike hits one of their cells there, chosen in
    proportion to its fighters."""
    kill_fraction: float = 0.2
    """Share of a struck cell's fighters killed [0-1]. Assumption (prior 0.05-0.5)."""


@dataclass
class InterstateCeasefireConfig(LeverConfig):
    """A ceasefire between Pakistan and the Afghan Taliban (Doha, 19 October 2025; the Eid
    pause of March 2026; the Urumqi pledge of April 2026), distinct from a truce with the TTP.
    """

    compliance: float = 0.9
    """Share of strikes withheld while it holds [0-1]. Assumption (prior 0.3-1: the 2025
    ceasefire held only nominally)."""
    talks: bool = True
    """The two states talk under it (raises the Taliban's restraint)."""


@dataclass
class DeportationConfig(LeverConfig):
    """Pakistan deports Afghans (from November 2023; grows after 30 June 2025)."""

    returnees_per_month: float = 50_000.0
    """Afghans deported or returning from Pakistan [people/month], from reported totals (what
    they do: :class:`sim.model.params.DeportationParams`)."""


LEVER_CONFIGS: dict[str, type[LeverConfig]] = {
    "taliban_rule": TalibanRuleConfig,
    "border_closure": BorderClosureConfig,
    "mediation": MediationConfig,
    "pressure": PressureConfig,
    "operations": OperationsConfig,
    "strikes": StrikesConfig,
    "interstate_ceasefire": InterstateCeasefireConfig,
    "deportation": DeportationConfig,
}


