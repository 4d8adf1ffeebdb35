"""A validated config with some parameters changed, without validating the whole config again.

A calibration runs one config thousands of times with a handful of parameters changed. Full
validation (:func:`sim.running.config.check_config`) spends most of its time in OmegaConf's
schema merge (about 50 ms, more than a run of the model itself); this module validates the base
once and, per parameter set, copies the typed parameters, sets the changed values and checks
them again with the same range checks (:func:`sim.running.config.check_params`, and
:func:`sim.running.config.check_lever` for a changed lever). The result equals what full
validation of the changed plain config gives (tested in ``tests/test_reparameterise.py``).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from sim.running.config import RunConfig, check_lever, check_params
from sim.running.errors import ConfigError

SETTABLE_PREFIXES = ("model.", "levers.")


def _set_plain(node: dict, parts: list[str], value: Any, path: str) -> None:
    for key in parts[:-1]:
        child = node.get(key) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            raise KeyError(f"{path}: no such config key ({key!r} missing)")
        node = child
    if parts[-1] not in node:
        raise KeyError(f"{path}: no such config key ({parts[-1]!r} missing)")
    node[parts[-1]] = value


def _set_typed(obj: Any, parts: list[str], value: Any, path: str) -> None:
    for key in parts[:-1]:
        obj = obj[key] if isinstance(obj, dict) else getattr(obj, key)
    leaf = parts[-1]
    if isinstance(obj, dict):
        if leaf not in obj:
            raise KeyError(f"{path}: no such config key ({leaf!r} missing)")
        obj[leaf] = value
    elif dataclasses.is_dataclass(obj) and leaf in {f.name for f in dataclasses.fields(obj)}:
        setattr(obj, leaf, value)
    else:
        raise KeyError(f"{path}: no such config key ({leaf!r} missing)")


def with_values(config: RunConfig, values: dict[str, Any]) -> RunConfig:
    """``config`` with each dotted ``model.…`` or ``levers.…`` path in ``values`` set, checked
    as full validation would check it; ``config`` itself is unchanged."""
    resolved = copy.deepcopy(config.resolved)
    params = copy.deepcopy(config.params)
    levers = dict(config.levers)
    changed_levers: set[str] = set()
    for path, value in values.items():
        if not path.startswith(SETTABLE_PREFIXES):
            raise KeyError(f"{path}: only model.* and levers.* paths can be set")
        parts = path.split(".")
        _set_plain(resolved, parts, value, path)
        if parts[0] == "model":
            _set_typed(params, parts[1:], value, path)
        else:
            changed_levers.add(parts[1])
    if any(path.startswith("model.") for path in values):
        check_params(params)
    for name in changed_levers:
        node = resolved["levers"][name]
        if node is None:
            raise ConfigError(f"levers.{name}", None, "a lever mapping")
        levers[name] = check_lever(name, node, config.calendar, params.groups)
    return dataclasses.replace(config, params=params, levers=levers, resolved=resolved)
