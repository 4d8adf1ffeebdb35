"""Run one simulation and return tidy results: the Python API for scripts and notebooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.model.levers import build_levers
from sim.model.model import STATE_COLUMNS, ConflictModel
from sim.running.config import RunConfig, validate


@dataclass
class SimulationResult:
    """What one run produced.

    Attributes:
        monthly: one row per month and Pakistani region (see ``sim.model.observation.METRICS``).
        annual: one row per year and Pakistani region, same counts.
        state: one row per month: militant strength by group (total and inside Pakistan) and
            the month-end Taliban tolerance, mean crossing permeability and ceasefire level.
        lever_events: one row per lever event (lever, kind, event, date).
        crossings: one row per month and crossing: militant cells that crossed in and out.
        config: the validated run configuration.
    """

    monthly: pd.DataFrame
    annual: pd.DataFrame
    state: pd.DataFrame
    lever_events: pd.DataFrame
    crossings: pd.DataFrame
    config: RunConfig


def run(config: RunConfig) -> SimulationResult:
    """Build the model for a validated config, simulate the whole window, collect results."""
    calendar = config.calendar
    levers = build_levers(config.levers, calendar, config.seed, tuple(config.params.groups))
    model = ConflictModel(config.params, levers, calendar, config.seed)
    model.run()
    return SimulationResult(
        monthly=model.monitor.monthly(),
        annual=model.monitor.annual(),
        state=_state_table(model),
        lever_events=pd.DataFrame(
            [(lv.name, lv.kind, event, str(date)) for lv in levers for date, event in lv.events],
            columns=["lever", "kind", "event", "date"],
        ),
        crossings=pd.DataFrame(
            {
                "month": np.tile(calendar.months, len(model.crossings)),
                "crossing": np.repeat([c.spec.key for c in model.crossings], len(calendar.months)),
                "cells_in": np.concatenate([c.crossed_in for c in model.crossings]),
                "cells_out": np.concatenate([c.crossed_out for c in model.crossings]),
            }
        ),
        config=config,
    )


def _state_table(model: ConflictModel) -> pd.DataFrame:
    month_ends = np.r_[model.calendar.month_starts[1:] - 1, model.calendar.n_days - 1]
    frame = pd.DataFrame({"month": model.calendar.months})
    for g, key in enumerate(model.group_keys):
        frame[f"fighters_{key}"] = model.strength[month_ends, 0, g].astype(int)
        frame[f"fighters_{key}_in_pakistan"] = model.strength[month_ends, 1, g].astype(int)
    for i, name in enumerate(STATE_COLUMNS):
        frame[name] = model.state[month_ends, i]
    return frame


def simulate(
    config: DictConfig | dict | Sequence[str] | None = None, seed: int | None = None
) -> SimulationResult:
    """Run one simulation.

    Args:
        config: a composed config (DictConfig or dict), or a list of Hydra override strings
            such as ``["scenario=no_closure", "model.groups.ttp.fighters_start=6000"]``;
            ``None`` runs the default (``as_happened``, seed 0).
        seed: overrides the config's seed when given.

    Raises:
        sim.running.config.ConfigError: the config is not valid (one-line message).
    """
    if config is None or (isinstance(config, Sequence) and not isinstance(config, str)):
        from sim.running.compose import compose_config

        config = compose_config(list(config or []))
    if isinstance(config, DictConfig):
        config = OmegaConf.to_container(config, resolve=True)
    if seed is not None:
        config = {**config, "seed": seed}
    return run(validate(config))
