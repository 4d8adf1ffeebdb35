"""What a run derives from its parameters and calendar alone, prepared once for every seed.

The compiled rules read parameters as arrays indexed by group, crossing and region (numba
takes these named tuples as arguments). Building them, the spillover tables along the region
graph and the fighting season costs more than some whole runs, and it is the same for every
seed of an ensemble, so :func:`model_setup` keeps the last few setups, keyed by the
parameters' values and the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.model.calendar import SimCalendar
from sim.model.params import GroupParams, ModelParams, SeasonParams
from sim.model.space import CROSSING_KEYS, CROSSINGS, N_PAKISTAN, REGION_KEYS, region_index

N_REGIONS = len(REGION_KEYS)


class GroupTable(NamedTuple):
    """Parameters of each militant group, indexed by group (the order of ``params.groups``).

    See :class:`sim.model.params.GroupParams` for units and sources.
    """

    recruitment_base: np.ndarray
    """Recruits per fighter per year without sanctuary [1/year]."""
    recruitment_sanctuary: np.ndarray
    """Extra recruits per fighter per year at full tolerance [1/year]."""
    recruitment_ceiling: np.ndarray
    """Strength at which recruitment stops [fighters]."""
    split_above: np.ndarray
    """A cell with more fighters than this splits in two: twice the cell size [fighters]."""
    sanctuary: np.ndarray
    """Region index of the group's Afghan sanctuary."""
    cross_in: np.ndarray
    """Daily chance to cross in from sanctuary at permeability 1 [1/day]."""
    return_out: np.ndarray
    """Daily chance to return to sanctuary from the entry region at permeability 1 [1/day]."""
    home_return: np.ndarray
    """Daily chance to go back to the entry region from elsewhere in Pakistan [1/day]."""
    spillover: np.ndarray
    """Daily chance to spill over to a neighbouring Pakistani region [1/day]."""
    spillover_cumulative: np.ndarray
    """[group, from region, to region] cumulative chance of each destination of a spillover."""
    attack_rate: np.ndarray
    """Attacks per day per 100 fighters at full supply [1/day/100 fighters]."""
    civilian_per_attack: np.ndarray
    """Mean civilians killed per attack [fatalities/attack]."""
    security_per_attack: np.ndarray
    """Mean security personnel killed per attack [fatalities/attack]."""
    attackers_per_attack: np.ndarray
    """Mean attackers killed per attack [fatalities/attack]."""
    supply_sanctuary: np.ndarray
    """Resupply rate in sanctuary at full tolerance [share of the gap to full/day]."""
    supply_local: np.ndarray
    """Resupply rate inside Pakistan from local networks [share/day]."""
    supply_cross_border: np.ndarray
    """Resupply rate in the entry region through its crossing at permeability 1 [share/day]."""
    supply_per_attack: np.ndarray
    """Supply used by one attack [share of full supply]."""
    supply_upkeep: np.ndarray
    """Supply used up a day without attacking [share of the supply/day]."""
    supply_for_full_tempo: np.ndarray
    """Supply at and above which a cell attacks at its full rate [share]."""
    """Supply used up a day without attacking [share of the supply/day]."""
    attacks_per_wave: np.ndarray
    """Mean attacks in a wave of coordinated attacks [attacks/wave, >= 1]."""
    withdrawal: np.ndarray
    """Extra withdrawal to sanctuary under full security pressure [dimensionless]."""
    security_target_share: np.ndarray
    """Share of attacks aimed at security forces at no pressure [0-1]."""
    security_lethality: np.ndarray
    """Mean security personnel killed by an attack on them: ``security_per_attack /
    security_target_share`` [fatalities/attack]."""
    civilian_lethality: np.ndarray
    """Mean civilians killed by an attack on civilians: ``civilian_per_attack / (1 -
    security_target_share)`` [fatalities/attack]."""
    lethality_tail_index: np.ndarray
    """Tail index of an attack's lethality [dimensionless, > 1]."""
    fought_by_taliban: np.ndarray
    """The Taliban fight the group (bool)."""


class SecurityTable(NamedTuple):
    """Pakistan's security forces (see :class:`sim.model.params.SecurityParams`)."""

    operations_per_fighter: float
    """Intelligence-led operations per day per militant fighter present [1/day/fighter]."""
    operations_per_recent_attack: float
    """Extra operations per day per recent attack per day [operations/attack]."""
    attack_memory: float
    """Weight of today's attacks in the recent-attacks average: 1 / window [1/day]."""
    kill_fraction: float
    """Share of a struck cell's fighters killed by one operation [0-1]."""
    security_per_operation: float
    """Mean security personnel killed per operation [fatalities/operation]."""
    civilian_per_operation: float
    """Mean civilians killed per operation [fatalities/operation]."""
    intel_sightings: float
    """Chance a fighter present is reported, a day [1/day/fighter]."""
    intel_memory: float
    """Weight of today's reports in the strength estimate: 1 / intel window [1/day]."""
    pressure_scale: float
    """Recent operations a day at which pressure is ``1 - 1/e`` [operations/day]."""
    target_substitution: float
    """Share of security-targeted attacks shifted to civilians at full pressure [0-1]."""


class TalibanTable(NamedTuple):
    """The Taliban authority's tolerance (see :class:`sim.model.params.TalibanParams`)."""

    tolerance_before_takeover: float
    tolerance_in_power: float
    mediation_restraint: float
    adjustment_days: float
    response_days: float
    trade_restraint: float
    talks_restraint: float
    strike_defiance: float
    grievance_days: float
    enemy_sanctuary_access: float
    raids_per_fighter: float
    """Taliban raids a day per fighter of a group they fight, in its sanctuary [1/day]."""
    raid_kill_fraction: float


class DeportationTable(NamedTuple):
    """What deportations do (see :class:`sim.model.params.DeportationParams`)."""

    support_cut: float
    """Local support lost per returnee a month [per returnee/month]."""
    recruitment_boost: float
    """Extra sanctuary recruitment per returnee a month [per returnee/month]."""


class RuleTables(NamedTuple):
    """The parameters the compiled rules read (:func:`sim.model.kernel.simulate_days`)."""

    groups: GroupTable
    security: SecurityTable
    taliban: TalibanTable
    deportation: DeportationTable
    entry_region: np.ndarray
    """[crossing] the Pakistani region a crossing leads into."""
    base_permeability: np.ndarray
    """[crossing] open-border permeability [0-1]."""
    activity: np.ndarray
    """[day] the fighting season's multiplier on attack rates."""
    month_index: np.ndarray
    """[day] index of the day's month from the first simulated month."""


@dataclass(frozen=True)
class ModelSetup:
    """Everything a run derives from its parameters and calendar, the same for every seed."""

    group_keys: tuple[str, ...]
    route_weights: np.ndarray
    """[group, crossing] share of a group's cells using each crossing."""
    tables: RuleTables


def seasonal_activity(calendar: SimCalendar, season: SeasonParams) -> np.ndarray:
    """Daily multiplier on attack rates: the fighting season (see :class:`SeasonParams`)."""
    day_of_year = (calendar.dates - calendar.dates.astype("datetime64[Y]")).astype(int) + 1
    phase = 2.0 * np.pi * (day_of_year - season.peak_day_of_year) / 365.25
    return 1.0 + season.amplitude * np.cos(phase)


def spillover_table(group: GroupParams, neighbours: dict[int, list[int]]) -> np.ndarray:
    """[from region, to region] cumulative chance of each spillover destination.

    A cell spills over to a neighbouring Pakistani region in proportion to the region's pull
    (``spillover_weights``; every region pulls a little, 0.02). Rows of Afghan regions are
    unused. The last destination with a chance ends at exactly 1.
    """
    pull = np.array([group.spillover_weights.get(k, 0.0) for k in REGION_KEYS])
    pull = np.where(pull > 0, pull, 0.02)
    pull[N_PAKISTAN:] = 0.0  # spillover stays inside Pakistan
    table = np.ones((N_REGIONS, N_REGIONS))
    for r in range(N_PAKISTAN):
        weights = np.zeros(N_REGIONS)
        weights[neighbours[r]] = pull[neighbours[r]]
        if weights.sum() > 0:
            table[r] = np.cumsum(weights / weights.sum())
            table[r, np.flatnonzero(weights)[-1]:] = 1.0
    return table


def _group_table(groups: dict[str, GroupParams], neighbours: dict[int, list[int]]) -> GroupTable:
    def column(name: str, dtype=float) -> np.ndarray:
        return np.array([getattr(g, name) for g in groups.values()], dtype=dtype)

    share = column("security_target_share")
    return GroupTable(
        recruitment_base=column("recruitment_base_per_year"),
        recruitment_sanctuary=column("recruitment_sanctuary_per_year"),
        recruitment_ceiling=column("recruitment_ceiling"),
        split_above=2 * column("cell_size", np.int64),
        sanctuary=np.array([region_index(g.sanctuary) for g in groups.values()]),
        cross_in=column("cross_in_per_day"),
        return_out=column("return_per_day"),
        home_return=column("home_return_per_day"),
        spillover=column("spillover_per_day"),
        spillover_cumulative=np.array([spillover_table(g, neighbours) for g in groups.values()]),
        attack_rate=column("attack_rate"),
        civilian_per_attack=column("civilian_per_attack"),
        security_per_attack=column("security_per_attack"),
        attackers_per_attack=column("attackers_per_attack"),
        supply_sanctuary=column("supply_sanctuary_per_day"),
        supply_local=column("supply_local_per_day"),
        supply_cross_border=column("supply_cross_border_per_day"),
        supply_per_attack=column("supply_per_attack"),
        supply_upkeep=column("supply_upkeep_per_day"),
        supply_for_full_tempo=column("supply_for_full_tempo"),
        attacks_per_wave=column("attacks_per_wave"),
        withdrawal=column("withdrawal_under_pressure"),
        security_target_share=share,
        security_lethality=column("security_per_attack") / np.maximum(share, 1e-9),
        civilian_lethality=column("civilian_per_attack") / np.maximum(1.0 - share, 1e-9),
        lethality_tail_index=column("lethality_tail_index"),
        fought_by_taliban=column("fought_by_taliban", bool),
    )


def build_setup(params: ModelParams, calendar: SimCalendar) -> ModelSetup:
    """The setup of ``params`` on ``calendar`` (uncached: see :func:`model_setup`)."""
    from sim.model.space import build_graph

    graph = build_graph()
    neighbours = {r: sorted(graph.neighbors(r)) for r in range(N_REGIONS)}
    groups = params.groups
    route_weights = np.array([[g.routes.get(c, 0.0) for c in CROSSING_KEYS]
                              for g in groups.values()])
    s, t = params.security, params.taliban
    tables = RuleTables(
        groups=_group_table(groups, neighbours),
        security=SecurityTable(
            operations_per_fighter=s.operations_per_1000_fighters_per_day / 1000.0,
            operations_per_recent_attack=float(s.operations_per_recent_attack),
            attack_memory=1.0 / s.response_window_days,
            kill_fraction=float(s.kill_fraction_per_operation),
            security_per_operation=float(s.security_per_operation),
            civilian_per_operation=float(s.civilian_per_operation),
            intel_sightings=float(s.intel_sightings_per_fighter_per_day),
            intel_memory=1.0 / s.intel_window_days,
            pressure_scale=float(s.pressure_scale_per_day),
            target_substitution=float(s.target_substitution),
        ),
        taliban=TalibanTable(
            tolerance_before_takeover=float(t.tolerance_before_takeover),
            tolerance_in_power=float(t.tolerance_in_power),
            mediation_restraint=float(t.mediation_restraint),
            adjustment_days=float(t.adjustment_days),
            response_days=float(t.response_days),
            trade_restraint=float(t.trade_restraint),
            talks_restraint=float(t.talks_restraint),
            strike_defiance=float(t.strike_defiance),
            grievance_days=float(t.grievance_days),
            enemy_sanctuary_access=float(t.enemy_sanctuary_access),
            raids_per_fighter=t.raids_per_1000_fighters_per_day / 1000.0,
            raid_kill_fraction=float(t.raid_kill_fraction),
        ),
        deportation=DeportationTable(
            support_cut=params.deportation.support_cut_per_100k_per_month / 100_000.0,
            recruitment_boost=params.deportation.recruitment_per_100k_per_month / 100_000.0,
        ),
        entry_region=np.array([region_index(c.pakistan_side) for c in CROSSINGS]),
        base_permeability=np.array([float(params.permeability.get(c, 1.0))
                                    for c in CROSSING_KEYS]),
        activity=seasonal_activity(calendar, params.season),
        month_index=calendar.month_index,
    )
    return ModelSetup(group_keys=tuple(groups),
                      route_weights=route_weights / route_weights.sum(axis=1, keepdims=True),
                      tables=tables)


_SETUPS: dict[tuple[str, SimCalendar], ModelSetup] = {}
_KEEP = 8


def model_setup(params: ModelParams, calendar: SimCalendar) -> ModelSetup:
    """The setup of ``params`` on ``calendar``, built once and reused by every seed.

    Keyed by the parameters' values (their ``repr``), so a changed parameter is never served
    a stale setup; the last few setups are kept.
    """
    key = (repr(params), calendar)
    setup = _SETUPS.get(key)
    if setup is None:
        setup = _SETUPS[key] = build_setup(params, calendar)
        while len(_SETUPS) > _KEEP:
            del _SETUPS[next(iter(_SETUPS))]
    return setup
