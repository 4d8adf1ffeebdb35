"""The day loop: every rule of the model, in the day's order, over a range of days (compiled).

:func:`simulate_days` runs the days ``first_day..stop_day-1`` in one compiled call; the
model (:class:`sim.model.model.ConflictModel`) calls it once for a whole run, or for one day
at a time. Each day, in this order:

1. border crossings set their permeability into and out of Pakistan (and so the trade lost);
2. the Taliban authority decides its restraint and so its tolerance of sanctuary;
3. militant cells recruit, move (cross, withdraw, spill over), resupply and attack;
4. Pakistan's security forces note the attacks, gather intelligence, run operations, and
   militants feel the pressure;
5. Pakistani strikes and Taliban raids hit cells in their Afghan sanctuaries;
6. cells with no fighters are wiped out and large cells split;
7. the day's state is recorded, and at the end of a month each group's strength (the
   events — attacks, operations, deaths — are counted by the rules that cause them).

What the levers do on each day was built before the loop (:class:`sim.model.levers.DailyEffects`).

numba caches compiled code by the source file of each function, and does not notice a change
in a function or constant it uses from another file. So the loop's cache key includes the
source of every module whose rules and constants it compiles in (:data:`COMPILED_SOURCES`):
editing a rule, or the regions, recompiles the loop.
"""

from __future__ import annotations

import hashlib
import inspect
from typing import NamedTuple

import numba
import numpy as np

from sim.model import events, militant_rules, sampling, space, state_rules
from sim.model.militant_rules import attack, move, recruit, resupply, split_and_bury
from sim.model.space import N_PAKISTAN
from sim.model.state_rules import (
    AFFINITY,
    REMEMBERED_STRIKES,
    RESTRAINT,
    TOLERANCE,
    crossing_permeability,
    feel_pressure,
    gather_intelligence,
    observe_attacks,
    sanctuary_access,
    sanctuary_strength,
    security_operations,
    strike_sanctuaries,
    taliban_decides,
)

COMPILED_SOURCES = (sampling, militant_rules, state_rules, events, space)
STATE_COLUMNS: tuple[str, ...] = ("tolerance", "affinity", "restraint", "remembered_strikes",
                                   "permeability", "ceasefire", "cells")
"""Columns of the daily state record, in order."""


class Records(NamedTuple):
    """What the loop records, per day or month."""

    daily: np.ndarray
    """[day, region, event] the event counts (:class:`sim.model.events.EventCounts`)."""
    strength: np.ndarray
    """[month, 0 total / 1 inside Pakistan, group] fighters at the end of the month."""
    state: np.ndarray
    """[day, column] the end-of-day state, columns :data:`STATE_COLUMNS`."""
    crossed: np.ndarray
    """[month, crossing, 0 in / 1 out] militant cells that crossed."""
    group_attacks: np.ndarray
    """[month, group, 0 all / 1 on security forces] each group's attacks."""
    sanctuary: np.ndarray
    """[month, group, column] in each group's Afghan sanctuary: Pakistani strikes that hit
    its cells, its fighters they killed, Taliban raids on it, its fighters they killed."""


class Streams(NamedTuple):
    """The random streams the rules draw from, one per purpose (:mod:`sim.model.rng`)."""

    recruitment: np.random.Generator
    movement: np.random.Generator
    attacks: np.random.Generator
    operations: np.random.Generator
    sanctuary: np.random.Generator


@numba.njit(cache=True)
def record_day(day, n, taliban, permeability, ceasefire, records) -> None:
    """The end-of-day state: the Taliban's tolerance, affinity, restraint and remembered
    strikes, the crossings' mean permeability (both ways), the strongest ceasefire compliance
    and the number of cells."""
    state = records.state[day]
    state[0] = taliban[TOLERANCE]
    state[1] = taliban[AFFINITY]
    state[2] = taliban[RESTRAINT]
    state[3] = taliban[REMEMBERED_STRIKES]
    state[4] = permeability.mean()
    state[5] = ceasefire.max()
    state[6] = n


@numba.njit(cache=True)
def record_strength(month, census, records) -> None:
    """The end-of-month count of each group's fighters, in total and inside
    Pakistan [fighters], from the census of fighters by group and region."""
    strength = records.strength[month]
    for g in range(census.shape[0]):
        strength[0, g] = census[g].sum()
        strength[1, g] = census[g, :N_PAKISTAN].sum()


def _sources_fingerprint() -> str:
    text = "".join(inspect.getsource(module) for module in COMPILED_SOURCES)
    return hashlib.sha256(text.encode()).hexdigest()


def _compile_day_loop(rules_fingerprint: str):
    @numba.njit(cache=True)
    def simulate_days(first_day, stop_day, streams, cells, n, next_ident, census, tables, days,
                      agents, work, records):
        """Simulate days ``first_day..stop_day-1``; returns (next day, cells, next number).

        ``cells`` holds the ``n`` living cells, numbered below ``next_ident``, and ``census``
        their fighters by group and region.

        Stops early, before a day on which splits could outgrow the cell arrays (each cell
        splits at most once a day), so that the caller can grow them and call again.
        """
        cache_key = rules_fingerprint  # noqa: F841 (a closure variable: see the module docstring)
        groups, security, taliban = tables.groups, tables.security, tables.taliban
        state = agents.taliban
        permeability = agents.permeability
        n_groups = len(groups.attack_rate)
        strikes_per_fighter = np.zeros(n_groups)
        raids_per_fighter = np.zeros(n_groups)
        for day in range(first_day, stop_day):
            if 2 * n > len(cells.fighters):
                return day, n, next_ident
            month = tables.month_index[day]
            finance_cut = days.finance_cut[day]
            in_power = days.taliban_in_power[day]
            trade_lost = crossing_permeability(tables.base_permeability, days.permeability[day],
                                               permeability)
            taliban_decides(state, taliban, in_power, days.tolerance_cut[day],
                            days.taliban_mediating[day], days.interstate_talks[day], trade_lost)
            sanctuary_access(groups, taliban, state[TOLERANCE], agents.access)
            returnees = days.returnees_per_month[day] * days.gates_out[day].max()
            recruit(streams.recruitment, cells, n, groups, agents.access,
                    1.0 + tables.deportation.recruitment_boost * returnees, finance_cut, census,
                    work)
            move(streams.movement, cells, n, groups, tables.entry_region, permeability,
                 days.homecoming[day], agents.pressure, records.crossed[month], census)
            resupply(cells, n, groups, tables.entry_region, permeability, agents.access,
                     finance_cut, np.exp(-tables.deportation.support_cut * returnees))
            today = records.daily[day]
            attack(streams.attacks, cells, n, groups, days.ceasefire[day], tables.activity[day],
                   agents.pressure, security.target_substitution, census, work, today,
                   records.group_attacks[month])
            observe_attacks(agents.recent_attacks, today, security)
            gather_intelligence(streams.operations, agents.intel_estimate, census, security)
            security_operations(streams.operations, cells, n, security, agents.recent_attacks,
                                agents.intel_estimate, days.operations[day], census, work, today)
            feel_pressure(agents.recent_operations, agents.pressure, today, security)
            sanctuary = records.sanctuary[month]
            strikes_withheld = days.interstate_ceasefire[day]
            for g in range(n_groups):
                there = sanctuary_strength(census, g)
                planned = days.strikes[day, g] * (1.0 - strikes_withheld)
                strikes_per_fighter[g] = planned / there if there > 0 else 0.0
                raids_per_fighter[g] = taliban.raids_per_fighter * (
                    in_power and groups.fought_by_taliban[g])
            state[REMEMBERED_STRIKES] += strike_sanctuaries(
                streams.sanctuary, cells, n, strikes_per_fighter, days.strike_kill_fraction[day],
                census, work, sanctuary[:, 0], sanctuary[:, 1])
            strike_sanctuaries(streams.sanctuary, cells, n, raids_per_fighter,
                               taliban.raid_kill_fraction, census, work, sanctuary[:, 2],
                               sanctuary[:, 3])
            n, next_ident = split_and_bury(cells, n, groups, next_ident, work)
            record_day(day, n, state, permeability, days.ceasefire[day], records)
            if day + 1 == len(tables.month_index) or tables.month_index[day + 1] != month:
                record_strength(month, census, records)
        return stop_day, n, next_ident

    return simulate_days


simulate_days = _compile_day_loop(_sources_fingerprint())
