"""Drawing a run's parameters from the calibration's weighted best set.

With ``parameters.draw_from_posterior=true`` each run picks one row of the posterior file
(``conf/calibration/posterior.csv`` by default) with probability equal to its weight, using the
run's own ``parameters`` random stream, so an ensemble over seeds carries parameter
uncertainty as well as stochastic noise, and the same seed always draws the same row.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from sim.model.rng import RandomStreams

DEFAULT_FILE = "calibration/posterior.csv"


def source(path: str = "") -> Path:
    """The posterior file ``path`` names; the committed one when ``path`` is empty."""
    return Path(path) if path else Path(str(resources.files("sim.conf").joinpath(DEFAULT_FILE)))


def load(path: str = "") -> pd.DataFrame:
    """The weighted best set: a ``weight`` column and one column per parameter path."""
    source_path = source(path)
    if not source_path.is_file():
        raise FileNotFoundError(f"parameters.posterior_file={str(source_path)!r}: no such file "
                                "(run sim-calibrate first)")
    table = pd.read_csv(source_path)
    if "weight" not in table or (table["weight"] < 0).any() or table["weight"].sum() <= 0:
        raise ValueError(f"{source_path}: needs a 'weight' column of non-negative weights")
    return table


def parameter_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if "." in c]


def draw(table: pd.DataFrame, seed: int) -> tuple[int, dict[str, float]]:
    """Row index and parameter values drawn for ``seed``."""
    weights = table["weight"].to_numpy(dtype=float)
    row = int(RandomStreams(seed)["parameters"].choice(len(table), p=weights / weights.sum()))
    # .item() keeps integer parameters (whole-number columns) as ints
    return row, {c: table[c].iloc[row].item() for c in parameter_columns(table)}
