"""The reported figures: one data file with provenance, read by plots, calibration and tests."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import pandas as pd

DATA_FILE = "reported_figures.yaml"


def _text() -> bytes:
    return resources.files("sim.data").joinpath(DATA_FILE).read_bytes()


def sha256() -> str:
    """Hash of the reported-figures file, recorded in every manifest."""
    return hashlib.sha256(_text()).hexdigest()


@cache
def _load() -> dict:
    return yaml.safe_load(_text())


def sources() -> dict[str, dict]:
    return _load()["sources"]


def figures() -> pd.DataFrame:
    """All figures as a table, one row per figure, indexed by id."""
    import pandas as pd

    return pd.DataFrame(_load()["figures"]).set_index("id")


def value(figure_id: str):
    """The value of one figure by id (KeyError names the id if it is missing)."""
    for row in _load()["figures"]:
        if row["id"] == figure_id:
            return row["value"]
    raise KeyError(f"no reported figure with id {figure_id!r} in {DATA_FILE}")


def national_fatalities() -> pd.Series:
    """Annual national fatalities (reported and derived), indexed by year."""
    import pandas as pd

    table = figures()
    rows = table[table.index.str.match(r"fatalities_national_\d{4}$")]
    return pd.Series(
        rows["value"].astype(float).to_numpy(),
        index=[int(i.rsplit("_", 1)[1]) for i in rows.index],
        name="fatalities_total",
    ).sort_index()
