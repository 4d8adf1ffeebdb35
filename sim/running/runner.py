"""Run one simulation and return tidy results: the Python API for scripts and notebooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.model.levers import build_levers
from sim.model.model import STATE_COLUMNS, ConflictModel
from sim.model.observation import observe, observed_annual
from sim.model.space import CROSSING_KEYS
from sim.running.config import RunConfig
from sim.running.validation import validate


@dataclass
class SimulationResult:
    """What one run produced.

    Attributes:
        monthly: one row per month and Pakistani region (see ``sim.model.events.TABLE_COLUMNS``):
            the simulated events as the model produced them.
        annual: one row per year and Pakistani region, same counts.
        state: one row per month: by group, militant strength (total and inside Pakistan),
            attacks (all and on security forces), Pakistani strikes on its sanctuary and Taliban
            raids with the fighters they killed; and the month-end Taliban tolerance, affinity,
            restraint and remembered strikes, mean crossing permeability and ceasefire level.
        lever_events: one row per lever event (lever, kind, event, date).
        crossings: one row per month and crossing: militant cells that crossed in and out.
        config: the validated run configuration.
        monitors_monthly: one row per month, Pakistani region and monitor (CRSS, PICSS,
            PIPS): what each would report of the events, by its own definition (see
            ``sim.model.observation``).
        monitors_annual: the same observation summed by year.
    """

    monthly: pd.DataFrame
    annual: pd.DataFrame
    state: pd.DataFrame
    lever_events: pd.DataFrame
    crossings: pd.DataFrame
    config: RunConfig
    monitors_monthly: pd.DataFrame
    monitors_annual: pd.DataFrame


def run(config: RunConfig) -> SimulationResult:
    """Build the model for a validated config, simulate the whole window, collect results.

    What depends only on the parameters and calendar is prepared once per parameter set and
    reused (:func:`sim.model.setup.model_setup`): an ensemble of the point estimate pays for it
    once; an ensemble whose seeds draw their parameters (:func:`sim.running.validation.
    for_seed`) pays for it per draw.
    """
    calendar = config.calendar
    levers = build_levers(config.levers, calendar, config.seed, tuple(config.params.groups))
    model = ConflictModel(config.params, levers, calendar, config.seed)
    model.run()
    months = calendar.months
    crossed = model.records.crossed  # [month, crossing, direction]
    monthly_sums = model.events.monthly_sums()
    monitors_monthly = observe(monthly_sums, months, config.params.observation,
                               model.streams["observation"])
    return SimulationResult(
        monthly=model.events.monthly(monthly_sums),
        annual=model.events.annual(),
        state=_state_table(model),
        lever_events=pd.DataFrame(
            [(lv.name, lv.kind, event, str(date)) for lv in levers for date, event in lv.events],
            columns=["lever", "kind", "event", "date"],
        ),
        crossings=pd.DataFrame(
            {
                "month": np.tile(months, len(CROSSING_KEYS)),
                "crossing": np.repeat(CROSSING_KEYS, len(months)),
                "cells_in": crossed[:, :, 0].T.ravel(),
                "cells_out": crossed[:, :, 1].T.ravel(),
            }
        ),
        config=config,
        monitors_monthly=monitors_monthly,
        monitors_annual=observed_annual(monitors_monthly),
    )


def _state_table(model: ConflictModel) -> pd.DataFrame:
    month_ends = np.r_[model.calendar.month_starts[1:] - 1, model.calendar.n_days - 1]
    columns = {"month": model.calendar.months}
    strength = model.strength
    attacks, sanctuary = model.records.group_attacks, model.records.sanctuary
    for g, key in enumerate(model.group_keys):
        columns[f"fighters_{key}"] = strength[:, 0, g]
        columns[f"fighters_{key}_in_pakistan"] = strength[:, 1, g]
        columns[f"attacks_{key}"] = attacks[:, g, 0]
        columns[f"attacks_on_security_{key}"] = attacks[:, g, 1]
        columns[f"strikes_on_{key}"] = sanctuary[:, g, 0]
        columns[f"killed_by_strikes_{key}"] = sanctuary[:, g, 1]
        columns[f"taliban_raids_on_{key}"] = sanctuary[:, g, 2]
        columns[f"killed_by_taliban_{key}"] = sanctuary[:, g, 3]
    state = model.state[month_ends]
    for i, name in enumerate(STATE_COLUMNS):
        columns[name] = state[:, i]
    return pd.DataFrame(columns)


def simulate(
    config: DictConfig | dict | Sequence[str] | None = None, seed: int | None = None
) -> SimulationResult:
    """Run one simulation.

    Args:
        config: a composed config (DictConfig or dict), or a list of Hydra override strings
            such as ``["scenario=no_closure", "model.groups.ttp.fighters_start=6000"]``;
            ``None`` runs the default (``as_happened``, seed 0). The model and lever keys such
            a list sets are explicit: they are not replaced by posterior draws.
        seed: overrides the config's seed when given.

    Raises:
        sim.running.config.ConfigError: the config is not valid (one-line message).
    """
    overrides: list[str] = []
    if config is None or (isinstance(config, Sequence) and not isinstance(config, str)):
        from sim.running.compose import compose_config

        overrides = list(config or [])
        config = compose_config(overrides)
    if isinstance(config, DictConfig):
        config = OmegaConf.to_container(config, resolve=True)
    if overrides:
        from sim.running.posterior import keep_explicit

        keep_explicit(config, overrides)
    if seed is not None:
        config = {**config, "seed": seed}
    return run(validate(config))
