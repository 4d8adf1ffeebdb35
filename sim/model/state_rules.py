"""The state and border agents' daily decisions: the Taliban authority's tolerance, crossing
permeability, Pakistan's security operations and strikes across the border, and the
Taliban's raids on the groups they fight (compiled).

Parameters come as :class:`sim.model.setup.TalibanTable` and
:class:`sim.model.setup.SecurityTable` (units and sources in :mod:`sim.model.params`); the
militant cells are rows ``0..n-1`` of :class:`sim.model.militants.Cells`, and ``census[g, r]``
their fighters by group and region (see :mod:`sim.model.militant_rules`). The agents' own
state is :class:`sim.model.agents.AgentState`.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.model.events import (
    ATTACKS,
    CIVILIANS_IN_OPERATIONS,
    MILITANTS_IN_OPERATIONS,
    OPERATIONS,
    SECURITY_IN_OPERATIONS,
)
from sim.model.sampling import poisson_points
from sim.model.space import N_PAKISTAN, REGION_KEYS

N_REGIONS = len(REGION_KEYS)
AFFINITY, RESTRAINT, TOLERANCE, REMEMBERED_STRIKES = range(4)
"""Entries of the Taliban authority's state (``AgentState.taliban``)."""


@numba.njit(cache=True)
def restraint_target(taliban, tolerance_cut, mediating, talks, trade_lost,
                     remembered_strikes) -> float:
    """The restraint the Taliban would show today [0-1]: the share of their affinity for the
    TTP they withhold.

    Each reason to restrain the TTP keeps a share of the affinity: international pressure
    (``tolerance_cut``), mediating talks with the TTP (``mediation_restraint``), talks with
    Pakistan under an interstate ceasefire (``talks_restraint``) and trade lost to closed
    crossings (``trade_restraint * trade_lost``, ``trade_lost`` the share of cross-border
    traffic shut [0-1]). Restraint is one minus what all of them keep, and strikes on Afghan
    soil turn it into defiance: it is multiplied by ``exp(-strike_defiance *
    remembered_strikes)``.
    """
    keep = (1.0 - tolerance_cut) * (1.0 - taliban.mediation_restraint * mediating)
    keep *= (1.0 - taliban.talks_restraint * talks) * (1.0 - taliban.trade_restraint * trade_lost)
    return (1.0 - keep) * np.exp(-taliban.strike_defiance * remembered_strikes)


@numba.njit(cache=True)
def taliban_decides(state, taliban, in_power, tolerance_cut, mediating, talks,
                    trade_lost) -> None:
    """The Taliban authority's day: affinity, restraint and the tolerance they give.

    ``state`` is [affinity, restraint, tolerance, remembered strikes]. Affinity moves with time
    constant ``adjustment_days`` [days] toward ``tolerance_in_power`` while the Taliban rule
    Kabul (S2) and ``tolerance_before_takeover`` before: their ties with the TTP, which change
    in years. Restraint moves with time constant ``response_days`` toward
    :func:`restraint_target`: their policy, which changes in months. Tolerance of sanctuary is
    ``affinity * (1 - restraint)`` [0-1]. Remembered strikes decay with ``grievance_days``.
    """
    target = taliban.tolerance_in_power if in_power else taliban.tolerance_before_takeover
    state[AFFINITY] += (target - state[AFFINITY]) / taliban.adjustment_days
    wanted = restraint_target(taliban, tolerance_cut, mediating, talks, trade_lost,
                              state[REMEMBERED_STRIKES])
    state[RESTRAINT] += (wanted - state[RESTRAINT]) / taliban.response_days
    state[TOLERANCE] = state[AFFINITY] * (1.0 - state[RESTRAINT])
    state[REMEMBERED_STRIKES] -= state[REMEMBERED_STRIKES] / taliban.grievance_days


@numba.njit(cache=True)
def sanctuary_access(groups, taliban, tolerance, access) -> None:
    """Each group's access to its Afghan sanctuary today [0-1]: the Taliban's tolerance, or
    ``enemy_sanctuary_access`` for a group they fight (ISKP)."""
    for g in range(len(access)):
        access[g] = taliban.enemy_sanctuary_access if groups.fought_by_taliban[g] else tolerance


@numba.njit(cache=True)
def crossing_permeability(base, multiplier, out) -> float:
    """Today's permeability of each crossing into and out of Pakistan [0-1]: its open-border
    permeability times the levers' multiplier (closures and their leakage). Returns the share
    of cross-border traffic the closures shut [0-1] (one minus the mean multiplier)."""
    for c in range(len(base)):
        for direction in range(2):
            out[c, direction] = base[c] * multiplier[c, direction]
    return 1.0 - multiplier.mean()


@numba.njit(cache=True)
def observe_attacks(recent_attacks, today, security) -> None:
    """The security forces' memory of attacks per region [attacks/day]: an exponentially
    weighted average with time constant ``response_window_days``."""
    for r in range(N_PAKISTAN):
        recent_attacks[r] += (today[r, ATTACKS] - recent_attacks[r]) * security.attack_memory


@numba.njit(cache=True)
def gather_intelligence(rng, estimate, census, security) -> None:
    """What the security forces know of militant strength in each Pakistani region.

    Each fighter present is reported with chance ``intel_sightings`` a day; the estimate
    [fighters] follows the day's reports (``sightings / intel_sightings``) with time constant
    ``intel_window_days``. So it lags moves and is noisy where few fighters are.
    """
    for r in range(N_PAKISTAN):
        present = census[:, r].sum()
        sightings = rng.poisson(security.intel_sightings * present) if present > 0 else 0
        reported = sightings / security.intel_sightings
        estimate[r] += (reported - estimate[r]) * security.intel_memory


@numba.njit(cache=True)
def security_operations(rng, cells, n, security, recent_attacks, estimate, intensity, census,
                        work, today) -> None:
    """Pakistan's security forces run operations in each region; ``today`` counts them.

    They decide where from what they know: in region ``r`` operations come at ``intensity *
    (operations_per_fighter * estimate_r + operations_per_recent_attack * recent_attacks_r)``
    a day, with ``estimate_r`` their estimate of the fighters there
    (:func:`gather_intelligence`) and ``recent_attacks_r`` their memory of attacks;
    ``intensity`` is the levers' multiplier. An operation strikes a cell of the region chosen
    in proportion to its fighters and kills each of its fighters with chance
    ``kill_fraction``: a cell struck ``k`` times loses Binomial(``f``, ``1 - (1 -
    kill_fraction)^k``). Where no militant is left, operations find no one. A region's ``m``
    operations kill Poisson(``m * security_per_operation``) security personnel, then
    Poisson(``m * civilian_per_operation``) civilians.

    Drawn as: a cell of ``f`` fighters in region ``r`` is struck Poisson(``rate_r * f /
    strength_r``) times, which is exactly Poisson(``rate_r``) operations spread over the
    region's cells in proportion to their fighters.
    """
    strength = census.sum(axis=0)  # fighters present in each region
    per_fighter = np.zeros(N_REGIONS)  # operations a day per fighter present; none in Afghanistan
    for r in range(N_PAKISTAN):
        rate = intensity * (security.operations_per_fighter * estimate[r]
                            + security.operations_per_recent_attack * recent_attacks[r])
        if strength[r] > 0:
            per_fighter[r] = rate / strength[r]
        elif rate > 0:
            today[r, OPERATIONS] += rng.poisson(rate)
    running_sum = 0.0
    for i in range(n):
        running_sum += per_fighter[cells.region[i]] * cells.fighters[i]
        work.cumulative[i] = running_sum
    k = poisson_points(rng, work.cumulative, n, work.rows, work.counts)
    survive = 1.0 - security.kill_fraction
    for j in range(k):
        i, strikes = work.rows[j], work.counts[j]
        killed = rng.binomial(cells.fighters[i], 1.0 - survive ** strikes)
        cells.fighters[i] -= killed
        census[cells.group[i], cells.region[i]] -= killed
        today[cells.region[i], OPERATIONS] += strikes
        today[cells.region[i], MILITANTS_IN_OPERATIONS] += killed
    for r in range(N_PAKISTAN):
        mean = security.security_per_operation * today[r, OPERATIONS]
        today[r, SECURITY_IN_OPERATIONS] += rng.poisson(mean)
    for r in range(N_PAKISTAN):
        mean = security.civilian_per_operation * today[r, OPERATIONS]
        today[r, CIVILIANS_IN_OPERATIONS] += rng.poisson(mean)


@numba.njit(cache=True)
def feel_pressure(recent_operations, pressure, today, security) -> None:
    """How hard the security forces press in each region, as militants feel it [0-1].

    ``recent_operations`` [operations/day] is their exponentially weighted count (time
    constant ``response_window_days``); the pressure is ``1 - exp(-recent_operations /
    pressure_scale)``.
    """
    for r in range(N_PAKISTAN):
        recent_operations[r] += ((today[r, OPERATIONS] - recent_operations[r])
                                 * security.attack_memory)
        pressure[r] = 1.0 - np.exp(-recent_operations[r] / security.pressure_scale)


@numba.njit(cache=True)
def strike_sanctuaries(rng, cells, n, per_fighter_by_group, kill_fraction, census, work,
                       struck_by_group, killed_by_group) -> int:
    """Strikes or raids on militant cells in their Afghan sanctuary.

    A cell of group ``g`` in sanctuary with ``f`` fighters is hit Poisson(``f *
    per_fighter_by_group[g]``) times a day and loses Binomial(``f``, ``1 - (1 -
    kill_fraction)^k``) fighters when hit ``k`` times; ``struck_by_group`` and
    ``killed_by_group`` count the hits and the dead by group. (Afghan deaths are not counted
    by Pakistan's monitors.) Returns the number of hits.
    """
    running_sum = 0.0
    for i in range(n):
        in_sanctuary = cells.region[i] >= N_PAKISTAN
        running_sum += per_fighter_by_group[cells.group[i]] * cells.fighters[i] * in_sanctuary
        work.cumulative[i] = running_sum
    if running_sum <= 0.0:
        return 0
    hits_today = 0
    k = poisson_points(rng, work.cumulative, n, work.rows, work.counts)
    survive = 1.0 - kill_fraction
    for j in range(k):
        i, hits = work.rows[j], work.counts[j]
        killed = rng.binomial(cells.fighters[i], 1.0 - survive ** hits)
        g = cells.group[i]
        cells.fighters[i] -= killed
        census[g, cells.region[i]] -= killed
        struck_by_group[g] += hits
        killed_by_group[g] += killed
        hits_today += hits
    return hits_today


@numba.njit(cache=True)
def sanctuary_strength(census, group) -> int:
    """Fighters of ``group`` in Afghanistan [fighters]."""
    return census[group, N_PAKISTAN:].sum()
