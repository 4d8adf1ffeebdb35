"""The state and border agents' daily rules: Taliban tolerance, crossing permeability,
Pakistan's security operations (compiled).

Parameters come as :class:`sim.model.setup.TalibanTable` and
:class:`sim.model.setup.SecurityTable` (units and sources in :mod:`sim.model.params`); the
militant cells are rows ``0..n-1`` of :class:`sim.model.militants.Cells`, and ``census[g, r]``
their fighters by group and region (see :mod:`sim.model.militant_rules`).
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


@numba.njit(cache=True)
def taliban_tolerance(tolerance, taliban, in_power, mediating, tolerance_cut) -> float:
    """Tomorrow's tolerance of sanctuary [0-1], one day closer to its target.

    Tolerance moves toward its target with time constant ``adjustment_days`` [days]. The
    target is ``tolerance_in_power`` while the Taliban rule Kabul (S2) and
    ``tolerance_before_takeover`` before; ``mediation_restraint`` of it is withheld while they
    mediate talks, and international pressure removes ``tolerance_cut`` of the rest.
    """
    target = taliban.tolerance_in_power if in_power else taliban.tolerance_before_takeover
    if mediating:
        target *= 1.0 - taliban.mediation_restraint
    target *= 1.0 - tolerance_cut
    return tolerance + (target - tolerance) / taliban.adjustment_days


@numba.njit(cache=True)
def crossing_permeability(base, multiplier, out) -> None:
    """Today's permeability of each crossing [0-1]: its open-border permeability times the
    levers' multiplier (closures and their leakage)."""
    for c in range(len(base)):
        out[c] = base[c] * multiplier[c]


@numba.njit(cache=True)
def observe_attacks(recent_attacks, today, security) -> None:
    """The security forces' memory of attacks per region [attacks/day]: an exponentially
    weighted average with time constant ``response_window_days``."""
    for r in range(N_PAKISTAN):
        recent_attacks[r] += (today[r, ATTACKS] - recent_attacks[r]) * security.attack_memory


@numba.njit(cache=True)
def security_operations(rng, cells, n, security, recent_attacks, intensity, census, work,
                        today) -> None:
    """Pakistan's security forces run operations in each region; ``today`` counts them.

    Where militants are present (``strength_r`` fighters in region ``r``), operations come at
    ``intensity * (operations_per_fighter * strength_r + operations_per_recent_attack *
    recent_attacks_r)`` a day (intelligence-led and in response to attacks; ``intensity`` is
    the levers' multiplier). Each strikes a cell chosen in proportion to its fighters and
    kills each of its fighters with chance ``kill_fraction``: a cell struck ``k`` times loses
    Binomial(``f``, ``1 - (1 - kill_fraction)^k``). A region's ``m`` operations kill
    Poisson(``m * security_per_operation``) security personnel, then
    Poisson(``m * civilian_per_operation``) civilians.

    Drawn as: a cell of ``f`` fighters in region ``r`` is struck Poisson(``rate_r * f /
    strength_r``) times, which is exactly Poisson(``rate_r``) operations spread over the
    region's cells in proportion to their fighters.
    """
    strength = census.sum(axis=0)  # fighters present in each region
    per_fighter = np.zeros(N_REGIONS)  # operations a day per fighter present; none in Afghanistan
    for r in range(N_PAKISTAN):
        if strength[r] > 0:
            rate = intensity * (security.operations_per_fighter * strength[r]
                                + security.operations_per_recent_attack * recent_attacks[r])
            per_fighter[r] = rate / strength[r]
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
