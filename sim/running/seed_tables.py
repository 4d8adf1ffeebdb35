"""The tables of several runs stacked into Arrow tables with a ``seed`` column.

An ensemble keeps, for every seed, the tables a single run writes — its monthly counts by
region, its monthly state, its lever events and its border crossings — and, when parameters
are drawn per seed, the draw. Each is stacked over seeds with the seed as the first column
(:data:`SEED`); the row order within a seed is the run's own. Column types come from the
run's tables, never from the values, so every chunk of seeds has the same schema (an empty
lever table still has string columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    import pandas as pd

    from sim.running.runner import SimulationResult

SEED = "seed"
TABLES = {"monthly": "monthly", "state": "state", "levers": "lever_events",
          "crossings": "crossings"}
"""Table name in an arm folder -> attribute of :class:`~sim.running.runner.SimulationResult`."""
PARAMETERS = "parameters"
"""The table of per-seed parameter draws (``parameters.draw_from_posterior=true`` only):
seed, the posterior ``row`` drawn, one column per parameter path."""


def column_array(parts: Sequence[pd.Series]) -> pa.Array:
    """One column of several runs as an Arrow array: numbers and booleans keep their numpy
    type; anything else becomes strings."""
    values = [part.to_numpy() for part in parts]
    if values and all(v.dtype.kind in "biuf" for v in values):
        return pa.array(np.concatenate(values))
    merged = np.concatenate([np.asarray(v, dtype=object) for v in values]) if values else []
    return pa.array(merged, type=pa.string())


def stack(frames: Sequence[pd.DataFrame], seeds: Sequence[int]) -> pa.Table:
    """``frames`` (one per seed, same columns) as one table with a leading seed column."""
    lengths = [len(frame) for frame in frames]
    columns = {SEED: pa.array(np.repeat(np.asarray(seeds, dtype=np.int64), lengths))}
    names = list(frames[0].columns)
    for frame in frames[1:]:
        if list(frame.columns) != names:
            raise ValueError(f"runs of one ensemble returned different columns: {names} and "
                             f"{list(frame.columns)}")
    for name in names:
        columns[name] = column_array([frame[name] for frame in frames])
    return pa.table(columns)


def parameter_draws(results: Sequence[SimulationResult]) -> pa.Table | None:
    """The parameters each run drew from the posterior (None when none drew)."""
    draws = [r.config.resolved.get("parameters", {}).get("drawn") for r in results]
    if not any(draws):
        return None
    names = list(draws[0])
    columns = {SEED: pa.array([r.config.seed for r in results], type=pa.int64())}
    for name in names:
        values = [d[name] for d in draws]
        columns[name] = pa.array(values, type=pa.int64() if name == "row" else pa.float64())
    return pa.table(columns)


def seed_tables(results: Sequence[SimulationResult]) -> dict[str, pa.Table]:
    """The tables of :data:`TABLES` (and :data:`PARAMETERS`, if drawn) for ``results``."""
    seeds = [r.config.seed for r in results]
    tables = {name: stack([getattr(r, attribute) for r in results], seeds)
              for name, attribute in TABLES.items()}
    draws = parameter_draws(results)
    if draws is not None:
        tables[PARAMETERS] = draws
    return tables
