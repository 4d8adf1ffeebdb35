"""The tables of several runs stacked into Arrow tables with a ``seed`` column.

An ensemble keeps, for every seed, the tables a single run writes — its monthly counts by
region, its monthly state, its lever events, its border crossings and the monitors' monthly
and annual views of its events — and, when parameters are drawn per seed, the draw. Each is
stacked over seeds with the seed as the first column (:data:`SEED`); the row order within a
seed is the run's own. Column types come from the run's tables, never from the values, so every
chunk of seeds has the same schema (an empty lever table still has string columns; a monitor
column that is missing in every row is still integer).
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
          "crossings": "crossings", "monitors_monthly": "monitors_monthly",
          "monitors_annual": "monitors_annual"}
"""Table name in an arm folder -> attribute of :class:`~sim.running.runner.SimulationResult`."""
PARAMETERS = "parameters"
"""The table of per-seed parameter draws (when parameters are drawn, the default):
seed, the posterior ``row`` drawn, one column per parameter path."""


def stack(frames: Sequence[pd.DataFrame], seeds: Sequence[int]) -> pa.Table:
    """``frames`` (one per seed, same columns) as one table with a leading seed column.

    Numbers and booleans keep their type; every other column becomes Arrow strings.
    """
    import pandas as pd

    names = list(frames[0].columns)
    for frame in frames[1:]:
        if list(frame.columns) != names:
            raise ValueError(f"runs of one ensemble returned different columns: {names} and "
                             f"{list(frame.columns)}")
    joined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    table = pa.Table.from_pandas(joined, preserve_index=False)
    fields = [pa.field(SEED, pa.int64())]
    for name in names:
        numeric = joined[name].dtype.kind in "biuf"
        fields.append(pa.field(name, table.schema.field(name).type if numeric else pa.string()))
    lengths = [len(frame) for frame in frames]
    seed = pa.array(np.repeat(np.asarray(seeds, dtype=np.int64), lengths))
    return table.add_column(0, SEED, seed).cast(pa.schema(fields))


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
