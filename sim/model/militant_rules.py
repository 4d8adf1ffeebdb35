"""The militant cells' daily rules: recruit, move, resupply, attack, split and bury (compiled).

Each rule acts on the living cells, rows ``0..n-1`` of the cell arrays
(:class:`sim.model.militants.Cells`), with their group's parameters
(:class:`sim.model.setup.GroupTable`; units and sources in :mod:`sim.model.params`).
Fighters are counts; supply is the share of a fully supplied cell's arms and money [0-1];
rates and chances are per day. A rule that draws takes the random stream of its purpose.
``census[g, r]`` counts the fighters of group ``g`` in region ``r``; every rule that changes
a cell's fighters or region keeps it current, so no rule has to count them again.
Per-cell Poisson counts and daily chances are drawn with the exact samplers of
:mod:`sim.model.sampling`, which cost one draw per event instead of one per cell.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.model.events import (
    ATTACKERS_KILLED,
    ATTACKS,
    ATTACKS_ON_SECURITY,
    CIVILIANS_IN_ATTACKS,
    SECURITY_IN_ATTACKS,
)
from sim.model.sampling import bernoulli_gap, poisson_points
from sim.model.space import N_PAKISTAN


@numba.njit(cache=True)
def recruit(rng, cells, n, groups, access, sanctuary_boost, finance_cut, census, work) -> None:
    """Cells gain recruits: faster with a sanctuary, slower near the ceiling.

    A cell of ``f`` fighters of group ``g`` gains Poisson(``f * rate_g``) recruits a day, with
    ``rate_g = (base_g + sanctuary_g * access_g * sanctuary_boost) * (1 - finance_cut) *
    headroom_g / 365`` [recruits/fighter/day], ``headroom_g = clip(1 - strength_g /
    ceiling_g, 0, 1)`` and ``strength_g`` the group's fighters at the start of the day.
    ``access_g`` is the group's access to its Afghan sanctuary [0-1] (the Taliban's tolerance,
    or less for a group they fight); ``sanctuary_boost`` [>= 1] the returnees' extra recruits
    there (deportations); ``finance_cut`` the share of finance removed by pressure.
    """
    n_groups = len(groups.recruitment_ceiling)
    rate = np.empty(n_groups)
    for g in range(n_groups):
        strength = census[g].sum()
        headroom = min(max(1.0 - strength / groups.recruitment_ceiling[g], 0.0), 1.0)
        per_year = (groups.recruitment_base[g]
                    + groups.recruitment_sanctuary[g] * access[g] * sanctuary_boost)
        rate[g] = per_year * (1.0 - finance_cut) * headroom / 365.0
    running_sum = 0.0
    for i in range(n):
        running_sum += cells.fighters[i] * rate[cells.group[i]]
        work.cumulative[i] = running_sum
    k = poisson_points(rng, work.cumulative, n, work.rows, work.counts)
    for j in range(k):
        i = work.rows[j]
        cells.fighters[i] += work.counts[j]
        census[cells.group[i], cells.region[i]] += work.counts[j]


@numba.njit(cache=True)
def move_chances(groups, permeability, homecoming, pressure, row_group, route, region,
                 in_sanctuary, at_entry):
    """A cell's chances today to go back and to spill over [1/day].

    In sanctuary: back = crossing in, ``cross_in_g * permeability_c,in * homecoming_g``, no
    spillover. In its entry region: back = withdrawing to sanctuary, ``return_out_g *
    permeability_c,out * (1 + withdrawal_g * pressure_r) / homecoming_g``: the cell decides
    to leave where the security forces press it, and stays home while talks let it
    (``homecoming_g`` >= 1). Elsewhere in Pakistan: back = to its entry region,
    ``home_return_g``. In Pakistan the spillover chance is ``spillover_g``.
    """
    if in_sanctuary:
        return groups.cross_in[row_group] * permeability[route, 0] * homecoming[row_group], 0.0
    if at_entry:
        withdraw = 1.0 + groups.withdrawal[row_group] * pressure[region]
        return (groups.return_out[row_group] * permeability[route, 1] * withdraw
                / homecoming[row_group], groups.spillover[row_group])
    return groups.home_return[row_group], groups.spillover[row_group]


@numba.njit(cache=True)
def move(rng, cells, n, groups, entry_region, permeability, homecoming, pressure, crossed,
         census) -> None:
    """Cells cross into Pakistan, withdraw to sanctuary, or spill over to a neighbouring region.

    Each day a cell draws ``u`` uniform on [0, 1) and, with its chances ``back`` and
    ``spill`` (:func:`move_chances`), goes back if ``u < back`` and spills over if
    ``back <= u < back + spill``. Going back from sanctuary crosses in to the entry region
    of the cell's route; from the entry region it crosses out to sanctuary; from elsewhere
    it returns to the entry region. A spillover picks a neighbouring Pakistani region with
    the group's spillover table (one more uniform draw). ``crossed[c, 0]`` and
    ``crossed[c, 1]`` count the cells that crossed in and out through crossing ``c``.

    Only cells with ``u`` below the day's largest chance ``p`` can move; they are found with
    geometric gaps and their ``u`` is uniform on [0, p) (:func:`bernoulli_gap`).
    """
    largest = 0.0
    most_open = permeability.max()
    for g in range(len(groups.cross_in)):
        largest = max(largest, groups.cross_in[g] * most_open * homecoming[g],
                      groups.return_out[g] * most_open * (1.0 + groups.withdrawal[g])
                      + groups.spillover[g],
                      groups.home_return[g] + groups.spillover[g])
    largest = min(largest, 1.0)
    hazard = -np.log1p(-largest)  # of a cell drawing u < largest
    i = bernoulli_gap(rng, hazard) - 1
    while i < n:
        u = largest * rng.random()
        g, c, region = cells.group[i], cells.route[i], cells.region[i]
        in_sanctuary = region >= N_PAKISTAN
        at_entry = region == entry_region[c]
        back, spill = move_chances(groups, permeability, homecoming, pressure, g, c, region,
                                   in_sanctuary, at_entry)
        to = region
        if u < back:
            if in_sanctuary:
                to = entry_region[c]
                crossed[c, 0] += 1
            elif at_entry:
                to = groups.sanctuary[g]
                crossed[c, 1] += 1
            else:
                to = entry_region[c]
        elif u < back + spill:
            destination = rng.random()
            table = groups.spillover_cumulative[g, region]
            to = 0
            while destination >= table[to]:
                to += 1
        if to != region:
            census[g, region] -= cells.fighters[i]
            census[g, to] += cells.fighters[i]
            cells.region[i] = to
        i += bernoulli_gap(rng, hazard)


@numba.njit(cache=True)
def resupply(cells, n, groups, entry_region, permeability, access, finance_cut,
             local_support) -> None:
    """Supply refills toward full: in sanctuary, from local networks, and across the border.

    A cell's supply ``s`` gains ``rate * (1 - s)`` and uses ``upkeep_g * s`` a day (so it
    settles at ``rate / (rate + upkeep_g)`` with time constant ``1 / (rate + upkeep_g)``), with
    ``rate`` [share of the gap/day]:
    in sanctuary ``supply_sanctuary_g * access_g * (1 - finance_cut)``; in its entry region
    ``supply_local_g * local_support + supply_cross_border_g * permeability_c,in * (1 -
    finance_cut)``; elsewhere in Pakistan ``supply_local_g * local_support``.
    ``local_support`` [0-1] is what deportations left of the local networks. The rates are
    tabulated for the day by group, route and where the cell is (0 elsewhere, 1 entry region,
    2 sanctuary).
    """
    n_groups, n_routes = len(groups.supply_local), len(permeability)
    outside_finance = 1.0 - finance_cut
    rate = np.empty((n_groups, n_routes, 3))
    for g in range(n_groups):
        local = groups.supply_local[g] * local_support
        for c in range(n_routes):
            rate[g, c, 0] = local
            rate[g, c, 1] = (local + groups.supply_cross_border[g] * permeability[c, 0]
                             * outside_finance)
            rate[g, c, 2] = groups.supply_sanctuary[g] * access[g] * outside_finance
    for i in range(n):
        region, c = cells.region[i], cells.route[i]
        where = (region == entry_region[c]) + 2 * (region >= N_PAKISTAN)
        g, supply = cells.group[i], cells.supply[i]
        cells.supply[i] += rate[g, c, where] * (1.0 - supply) - groups.supply_upkeep[g] * supply


@numba.njit(cache=True)
def lethality(rng, tail_index) -> float:
    """One attack's lethality [mean 1]: a Lomax (Pareto II) draw with index ``tail_index``
    scaled to mean 1, by inversion of one uniform draw. Its tail falls as
    ``x^-tail_index``: most attacks kill few people, a few kill dozens."""
    return (tail_index - 1.0) * ((1.0 - rng.random()) ** (-1.0 / tail_index) - 1.0)


@numba.njit(cache=True)
def wave_size(rng, mean) -> int:
    """Attacks in one wave of coordinated attacks: geometric on 1, 2, ... with mean ``mean``
    [attacks], by inversion of one uniform draw (none when the mean is 1)."""
    if mean <= 1.0:
        return 1
    return 1 + int(np.log(1.0 - rng.random()) / np.log(1.0 - 1.0 / mean))


@numba.njit(cache=True)
def attack(rng, cells, n, groups, ceasefire, activity, pressure, substitution, census, work,
           today, group_attacks) -> None:
    """Cells inside Pakistan attack; ``today[region, event]`` counts attacks and deaths.

    A cell of ``f`` fighters and supply ``s`` inside Pakistan launches Poisson(``attack_rate_g
    * activity * f / 100 * tempo * (1 - ceasefire_g) / attacks_per_wave_g``) waves of attacks
    a day, with ``tempo = min(1, s / supply_for_full_tempo_g)`` (a cell short of supply
    rations it), where ``activity`` is the fighting season's multiplier and ``ceasefire_g``
    the share of attacks its group withholds; a wave is :func:`wave_size` coordinated
    attacks, so the cell makes ``attack_rate_g * ...`` attacks a day on average, in clusters.

    Each attack chooses its target: security forces with chance ``security_target_share_g *
    (1 - substitution * pressure_r)`` (militants turn to softer targets where the security
    forces press them), else civilians. It has a heavy-tailed lethality ``L``
    (:func:`lethality`) and kills Poisson(``L * security_lethality_g``) security personnel
    or Poisson(``L * civilian_lethality_g``) civilians; the lethalities are set so that at
    no pressure a group's attacks kill ``security_per_attack_g`` and
    ``civilian_per_attack_g`` on average. A cell's ``a`` attacks kill Poisson(``a *
    attackers_per_attack_g``) of its own fighters (at most ``f``) and use ``a *
    supply_per_attack_g`` of its supply. ``group_attacks[g, 0]`` and ``[g, 1]`` count each
    group's attacks and those on security forces.
    """
    n_groups = len(groups.attack_rate)
    per_fighter = np.empty(n_groups)  # waves of attacks a day per fighter at full supply
    for g in range(n_groups):
        per_fighter[g] = (groups.attack_rate[g] / 100.0 * activity * (1.0 - ceasefire[g])
                          / groups.attacks_per_wave[g])
    running_sum = 0.0
    for i in range(n):
        g = cells.group[i]
        inside = cells.region[i] < N_PAKISTAN
        tempo = min(1.0, cells.supply[i] / groups.supply_for_full_tempo[g])
        running_sum += per_fighter[g] * cells.fighters[i] * tempo * inside
        work.cumulative[i] = running_sum
    k = poisson_points(rng, work.cumulative, n, work.rows, work.counts)
    for j in range(k):
        i, waves = work.rows[j], work.counts[j]
        g, region = cells.group[i], cells.region[i]
        a = 0
        for _ in range(waves):
            a += wave_size(rng, groups.attacks_per_wave[g])
        on_security_share = groups.security_target_share[g] * (1.0 - substitution
                                                                * pressure[region])
        civilians = security = on_security = 0
        for _ in range(a):
            weight = lethality(rng, groups.lethality_tail_index[g])
            if rng.random() < on_security_share:
                on_security += 1
                security += rng.poisson(weight * groups.security_lethality[g])
            else:
                civilians += rng.poisson(weight * groups.civilian_lethality[g])
        attackers = min(rng.poisson(a * groups.attackers_per_attack[g]), cells.fighters[i])
        cells.fighters[i] -= attackers
        census[g, region] -= attackers
        cells.supply[i] = max(0.0, cells.supply[i] - a * groups.supply_per_attack[g])
        today[region, ATTACKS] += a
        today[region, ATTACKS_ON_SECURITY] += on_security
        today[region, CIVILIANS_IN_ATTACKS] += civilians
        today[region, SECURITY_IN_ATTACKS] += security
        today[region, ATTACKERS_KILLED] += attackers
        group_attacks[g, 0] += a
        group_attacks[g, 1] += on_security


@numba.njit(cache=True)
def copy_cell(cells, source, target) -> None:
    """Copy row ``source`` of the cell arrays to row ``target``."""
    cells.group[target] = cells.group[source]
    cells.region[target] = cells.region[source]
    cells.route[target] = cells.route[source]
    cells.fighters[target] = cells.fighters[source]
    cells.supply[target] = cells.supply[source]
    cells.ident[target] = cells.ident[source]


@numba.njit(cache=True)
def bury(cells, n, wiped_out) -> int:
    """Remove the cells in rows ``wiped_out`` (increasing): the last living cell takes each
    one's row. Returns the new number of cells."""
    for row in wiped_out:
        while n > row and cells.fighters[n - 1] <= 0:
            n -= 1  # wiped-out cells at the end go first
        if n <= row:
            break  # the remaining ones were among them
        n -= 1
        copy_cell(cells, n, row)
    return n


@numba.njit(cache=True)
def split_and_bury(cells, n, groups, next_ident, work) -> tuple[int, int]:
    """Cells with no fighters are wiped out; cells above twice their size split in two.

    A wiped-out cell's row is taken by the last living cell. A new cell (half the fighters
    of its parent, rounded down, with its region, route and supply) is added after the living
    cells and numbered from ``next_ident``. Returns the new number of cells and the next
    free number.
    """
    wiped_out = splitting = 0
    for i in range(n):
        if cells.fighters[i] <= 0:
            work.wiped_out[wiped_out] = i
            wiped_out += 1
        elif cells.fighters[i] > groups.split_above[cells.group[i]]:
            work.rows[splitting] = i
            splitting += 1
    if wiped_out:
        n = bury(cells, n, work.wiped_out[:wiped_out])
        splitting = 0  # rows moved: find the cells to split again
        for i in range(n):
            if cells.fighters[i] > groups.split_above[cells.group[i]]:
                work.rows[splitting] = i
                splitting += 1
    for j in range(splitting):
        parent, child = work.rows[j], n + j
        copy_cell(cells, parent, child)
        half = cells.fighters[parent] // 2
        cells.fighters[parent] -= half
        cells.fighters[child] = half
        cells.ident[child] = next_ident + j
    return n + splitting, next_ident + splitting
