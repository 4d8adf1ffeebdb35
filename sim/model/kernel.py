"""The day loop: every rule of the model, in the day's order, over a range of days (compiled).

:func:`simulate_days` runs the days ``first_day..stop_day-1`` in one compiled call; the
model (:class:`sim.model.model.ConflictModel`) calls it once for a whole run, or for one day
at a time. Each day, in this order:

1. the Taliban authority moves its sanctuary tolerance;
2. border crossings set their permeability;
3. militant cells recruit, move, resupply and attack;
4. Pakistan's security forces note the attacks and run operations;
5. cells with no fighters are wiped out and large cells split;
6. the day's state is recorded, and at the end of a month each group's strength (the
   monitor's counts of attacks, operations and deaths are added by the rules that cause them).

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
    crossing_permeability,
    observe_attacks,
    security_operations,
    taliban_tolerance,
)

COMPILED_SOURCES = (sampling, militant_rules, state_rules, events, space)
STATE_COLUMNS: tuple[str, ...] = ("tolerance", "permeability", "ceasefire", "cells")
"""Columns of the daily state record, in order."""


class Records(NamedTuple):
    """What the loop records, per day or month."""

    daily: np.ndarray
    """[day, region, metric] the monitor's counts (:class:`sim.model.events.EventCounts`)."""
    strength: np.ndarray
    """[month, 0 total / 1 inside Pakistan, group] fighters at the end of the month."""
    state: np.ndarray
    """[day, column] the end-of-day state, columns :data:`STATE_COLUMNS`."""
    crossed: np.ndarray
    """[month, crossing, 0 in / 1 out] militant cells that crossed."""


class Streams(NamedTuple):
    """The random streams the rules draw from, one per purpose (:mod:`sim.model.rng`)."""

    recruitment: np.random.Generator
    movement: np.random.Generator
    attacks: np.random.Generator
    operations: np.random.Generator


@numba.njit(cache=True)
def record_day(day, n, tolerance, permeability, ceasefire, records) -> None:
    """The monitor's end-of-day state: the Taliban's tolerance, the crossings' mean
    permeability, the strongest ceasefire compliance and the number of cells."""
    state = records.state[day]
    state[0] = tolerance
    state[1] = permeability.mean()
    state[2] = ceasefire.max()
    state[3] = n


@numba.njit(cache=True)
def record_strength(month, census, records) -> None:
    """The monitor's end-of-month count of each group's fighters, in total and inside
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
        groups, security = tables.groups, tables.security
        tolerance = agents.tolerance
        permeability = agents.permeability
        for day in range(first_day, stop_day):
            if 2 * n > len(cells.fighters):
                return day, n, next_ident
            finance_cut = days.finance_cut[day]
            tolerance[0] = taliban_tolerance(tolerance[0], tables.taliban,
                                             days.taliban_in_power[day],
                                             days.taliban_mediating[day],
                                             days.tolerance_cut[day])
            crossing_permeability(tables.base_permeability, days.permeability[day], permeability)
            recruit(streams.recruitment, cells, n, groups, tolerance[0], finance_cut, census,
                    work)
            move(streams.movement, cells, n, groups, tables.entry_region, permeability,
                 records.crossed[tables.month_index[day]], census)
            resupply(cells, n, groups, tables.entry_region, permeability, tolerance[0],
                     finance_cut)
            today = records.daily[day]
            attack(streams.attacks, cells, n, groups, days.ceasefire[day], tables.activity[day],
                   census, work, today)
            observe_attacks(agents.recent_attacks, today, security)
            security_operations(streams.operations, cells, n, security, agents.recent_attacks,
                                days.operations[day], census, work, today)
            n, next_ident = split_and_bury(cells, n, groups, next_ident, work)
            record_day(day, n, tolerance[0], permeability, days.ceasefire[day], records)
            month = tables.month_index[day]
            if day + 1 == len(tables.month_index) or tables.month_index[day + 1] != month:
                record_strength(month, census, records)
        return stop_day, n, next_ident

    return simulate_days


simulate_days = _compile_day_loop(_sources_fingerprint())
