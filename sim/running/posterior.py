"""Drawing a run's parameters from the calibration's posterior sample.

With ``parameters.draw_from_posterior=true`` (the default) each run picks one row of the
posterior file (``conf/calibration/posterior.csv`` by default) with probability equal to its
weight, using the run's own ``parameters`` random stream, so an ensemble over seeds carries
parameter uncertainty as well as stochastic noise, and the same seed always draws the same row.

An explicit value wins over a draw: a path listed in ``parameters.keep`` (``sim`` lists every
model or lever key its command line or sweep sets) or whose configured value differs from the
point estimate (``conf/model/calibrated.yaml``; so a scenario file's own value) is not drawn.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from sim.model.rng import RandomStreams
from sim.running.errors import ConfigError

DEFAULT_FILE = "calibration/posterior.csv"
POINT_FILE = "model/calibrated.yaml"
EXPLICIT_PREFIXES = ("model.", "levers.")
"""Override keys that can name a drawn parameter."""


def source(path: str = "") -> Path:
    """The posterior file ``path`` names; the committed one when ``path`` is empty."""
    return Path(path) if path else Path(str(resources.files("sim.conf").joinpath(DEFAULT_FILE)))


def load(path: str = "") -> pd.DataFrame:
    """The posterior sample: a ``weight`` column and one column per parameter path (read once
    per file version: every run of an ensemble draws from it)."""
    source_path = source(path)
    if not source_path.is_file():
        raise FileNotFoundError(f"parameters.posterior_file={str(source_path)!r}: no such file "
                                "(run sim-calibrate first)")
    status = source_path.stat()
    return _read(str(source_path.resolve()), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    table = pd.read_csv(path)
    if "weight" not in table or (table["weight"] < 0).any() or table["weight"].sum() <= 0:
        raise ValueError(f"{path}: needs a 'weight' column of non-negative weights")
    return table


PARAMETER_PREFIXES = ("model.", "levers.")
"""A posterior table's columns that a draw sets (others: weight, distance, and the
calibration's own coordinates, which it records beside the model parameters they set)."""


def parameter_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if str(c).startswith(PARAMETER_PREFIXES)]


def draw(table: pd.DataFrame, seed: int) -> tuple[int, dict[str, float]]:
    """Row index and parameter values drawn for ``seed``."""
    weights = table["weight"].to_numpy(dtype=float)
    row = int(RandomStreams(seed)["parameters"].choice(len(table), p=weights / weights.sum()))
    # .item() keeps integer parameters (whole-number columns) as ints
    return row, {c: table[c].iloc[row].item() for c in parameter_columns(table)}


@functools.cache
def point_estimate() -> dict[str, object]:
    """The committed point estimate (conf/model/calibrated.yaml) as dotted paths."""
    text = resources.files("sim.conf").joinpath(POINT_FILE).read_text(encoding="utf-8")
    flat: dict[str, object] = {}

    def walk(node, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, f"{path}.")
            else:
                flat[path] = value

    walk(yaml.safe_load(text) or {}, "")
    return flat


def explicit_keys(overrides: Iterable[str]) -> list[str]:
    """The model and lever keys a list of Hydra overrides sets (``key=value``, ``+key=...``)."""
    keys = []
    for override in overrides:
        key = override.partition("=")[0].lstrip("+~")
        if key.startswith(EXPLICIT_PREFIXES) and key not in keys:
            keys.append(key)
    return keys


def keep_explicit(config: dict, overrides: Iterable[str]) -> dict:
    """``config`` with the model and lever keys ``overrides`` set added to
    ``parameters.keep`` (in place): a value set explicitly wins over a posterior draw."""
    parameters = config.setdefault("parameters", {})
    keep = list(parameters.get("keep") or [])
    parameters["keep"] = keep + [k for k in explicit_keys(overrides) if k not in keep]
    return config


def select(plain: dict, path: str):
    """The value at dotted ``path`` of nested plain dicts; None where a key is missing."""
    node = plain
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def drawn_values(resolved: dict, seed: int, posterior_file: str,
                 keep: Iterable[str]) -> tuple[int, dict[str, object]]:
    """The posterior row ``seed`` draws and the values of it a run uses: every free parameter
    but those set explicitly (listed in ``keep``, or configured away from the point estimate)
    and those of a lever the scenario removed."""
    try:
        table = load(posterior_file)
    except (OSError, ValueError) as exc:
        raise ConfigError("parameters.posterior_file", posterior_file,
                          f"a readable posterior file ({exc})") from None
    row, values = draw(table, seed)
    point, keep = point_estimate(), set(keep)
    used = {}
    for path, value in values.items():
        current = select(resolved, path)
        if current is None:
            lever = ".".join(path.split(".")[:2])
            if path.startswith("levers.") and select(resolved, lever) is None:
                continue  # the scenario removed this lever: nothing to set
            raise ConfigError(f"parameters.posterior_file:{path}", value,
                              "parameter paths that exist in the config")
        if path in keep or (path in point and current != point[path]):
            continue  # set explicitly: an explicit value wins over a draw
        used[path] = value
    return row, used


def without_draw(resolved: dict) -> dict:
    """A run's resolved config without what its posterior draw set (the drawn values and the
    ``parameters.drawn`` record): what runs of one arm share whatever their seeds drew."""
    drawn = (resolved.get("parameters") or {}).get("drawn")
    if not isinstance(drawn, dict):
        return resolved
    plain = copy.deepcopy(resolved)
    plain["parameters"].pop("drawn", None)
    for path in drawn:
        if path == "row":
            continue  # the record of which row was drawn, not a config path
        parent, _, leaf = path.rpartition(".")
        node = select(plain, parent)
        if isinstance(node, dict):
            node.pop(leaf, None)
    return plain
